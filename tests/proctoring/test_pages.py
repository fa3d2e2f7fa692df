"""The proctor's pages over HTTP: forms with a required reason, errors named, the incident log."""

from django.test import Client
from django.urls import reverse

from exams.models.delivery import Attempt, AttemptStatus
from proctoring import services
from proctoring.integrity import events_record
from proctoring.models import Incident, IntegrityThreshold, ProctorNote

A = AttemptStatus


def act(client, attempt, action, **fields):
    return client.post(
        reverse("proctoring:attempt_action", args=[attempt.public_id, action]),
        {f"{action}-{name}": value for name, value in fields.items()},
    )


def test_an_action_without_a_reason_is_refused_naming_the_field(started, proctor_client):
    response = act(proctor_client, started, "pause", reason="")
    assert response.status_code == 400
    assert "reason" in response.context["forms"]["pause"].errors
    assert Attempt.objects.get(pk=started.pk).status == A.IN_PROGRESS


def test_pause_resume_and_extra_time_through_the_attempt_page(started, proctor_client):
    response = act(proctor_client, started, "pause", reason="Fire drill")
    assert response.status_code == 302 and response["Location"] == reverse(
        "proctoring:attempt", args=[started.public_id]
    )
    assert Attempt.objects.get(pk=started.pk).status == A.PAUSED
    page = proctor_client.get(response["Location"]).content.decode()
    assert "Paused: the candidate&#x27;s clock has stopped." in page and 'id="action-resume"' in page

    assert act(proctor_client, started, "resume", reason="Drill over").status_code == 302
    assert act(proctor_client, started, "extend", minutes=10, reason="Drill").status_code == 302
    assert Attempt.objects.get(pk=started.pk).extension_seconds == 600


def test_an_action_that_does_not_fit_the_status_says_why(started, proctor_client):
    response = act(proctor_client, started, "resume", reason="Not paused")
    assert response.status_code == 400
    assert "Cannot resume an attempt that is in progress." in response.content.decode()


def test_termination_asks_for_confirmation(started, proctor_client):
    refused = act(proctor_client, started, "terminate", outcome="void", reason="Phone")
    assert refused.status_code == 400 and "confirm" in refused.context["forms"]["terminate"].errors
    assert Attempt.objects.get(pk=started.pk).status == A.IN_PROGRESS
    assert act(proctor_client, started, "terminate", outcome="void", reason="Phone", confirm="on").status_code == 302
    assert Attempt.objects.get(pk=started.pk).status == A.VOIDED


def test_an_incident_is_decided_on_the_attempt_page(started, proctor_client):
    events_record(attempt=started, events=[{"kind": "second_session"}], source="server")
    incident = Incident.objects.get()
    page = proctor_client.get(reverse("proctoring:attempt", args=[started.public_id])).content.decode()
    assert f'data-testid="incident-{incident.pk}"' in page and "Opened the exam in a second browser" in page
    url = reverse("proctoring:incident_decide", args=[incident.pk])
    prefix = f"incident-{incident.pk}"
    refused = proctor_client.post(url, {f"{prefix}-outcome": "warned", f"{prefix}-reason": "Seen"})
    assert refused.status_code == 400 and "Write the warning" in refused.content.decode()
    done = proctor_client.post(url, {f"{prefix}-outcome": "referred", f"{prefix}-reason": "Second login"})
    assert done.status_code == 302
    assert Incident.objects.get().outcome == "referred" and Attempt.objects.get(pk=started.pk).review_flag


def test_the_attempt_page_shows_its_incident_log(started, proctor, proctor_client):
    services.proctor_message(attempt=started, by=proctor, text="Face the camera", reason="Out of frame")
    services.note_add(session=started.session, attempt=started, by=proctor, text="Lighting is poor")
    events_record(attempt=started, events=[{"kind": "copy_paste", "detail": {"action": "paste"}}])
    page = proctor_client.get(reverse("proctoring:attempt", args=[started.public_id])).content.decode()
    log = page[page.index('data-testid="incident-log"') :]
    for text in ["Admitted", "Passport ending 12AB", "Started", "Message sent", "“Face the camera”", "Out of frame"]:
        assert text in log, text
    for text in ["Lighting is poor", "Copied, cut or pasted", "action: paste"]:
        assert text in log, text


def test_the_session_log_gathers_every_attempt_and_takes_session_notes(started, proctor, proctor_client):
    services.session_pause(session=started.session, by=proctor, reason="Power cut")
    url = reverse("proctoring:session_log", args=[started.session_id])
    assert proctor_client.post(url, {"note-text": "Room 2 lights out"}).status_code == 302
    assert ProctorNote.objects.get().attempt is None
    log = proctor_client.get(url).content.decode()
    assert "Session paused" in log and "Power cut" in log and "Room 2 lights out" in log and "Sofia Marin" in log


def test_the_whole_session_is_paused_from_the_dashboard(started, proctor_client):
    url = reverse("proctoring:session_pause", args=[started.session_id])
    assert proctor_client.post(url, {"session-reason": ""}).status_code == 302
    assert Attempt.objects.get(pk=started.pk).status == A.IN_PROGRESS
    proctor_client.post(url, {"session-reason": "Evacuation"})
    assert Attempt.objects.get(pk=started.pk).status == A.PAUSED
    page = proctor_client.get(reverse("proctoring:session", args=[started.session_id])).content.decode()
    assert 'data-testid="session-paused"' in page and "Resume every paused exam" in page


def test_an_administrator_sets_a_programs_thresholds(started, program_admin):
    client = Client()
    client.force_login(program_admin)
    url = reverse("proctoring:thresholds_edit", args=[started.program_id])
    data = {kind: 3 for kind, _ in IntegrityThreshold._meta.get_field("kind").choices}
    refused = client.post(url, {**data, "left_page": -1})
    assert refused.status_code == 400 and not IntegrityThreshold.objects.exists()
    assert client.post(url, {**data, "left_page": 7}).status_code == 302
    assert IntegrityThreshold.objects.get(kind="left_page").threshold == 7
    assert started.program.events.filter(comment="integrity thresholds").exists()
