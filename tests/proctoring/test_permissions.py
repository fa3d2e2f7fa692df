"""Only the session's proctor, or a program administrator, sees or acts on a session: every proctoring
URL with every other role, the proctor of another session, and a signed-out visitor."""

import json

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from exams.models.delivery import Attempt, AttemptEvent, AttemptStatus
from proctoring.integrity import events_record
from proctoring.models import Admission, Incident, ProctorNote

OTHER_ROLES = ["candidate", "other_candidate", "author", "reviewer", "outsider"]
ACTIONS = ["pause", "resume", "extend", "message", "move", "flag", "terminate", "note", "observe"]


@pytest.fixture
def scene(started, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    admission = Admission.objects.get(attempt=started)
    admission.photo.save("check.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    events_record(attempt=started, events=[{"kind": "second_session"}], source="server")
    return {"attempt": started, "session": started.session, "incident": Incident.objects.get()}


def gets(scene) -> list[str]:
    session, public_id = scene["session"].pk, scene["attempt"].public_id
    return [
        reverse("proctoring:session_list"),
        reverse("proctoring:session", args=[session]),
        reverse("proctoring:session_rows", args=[session]),
        reverse("proctoring:session_log", args=[session]),
        reverse("proctoring:attempt", args=[public_id]),
        reverse("proctoring:attempt_status", args=[public_id]),
        reverse("proctoring:admit", args=[public_id]),
        reverse("proctoring:admission_photo", args=[public_id]),
    ]


def posts(scene) -> list[tuple[str, dict]]:
    session, public_id = scene["session"].pk, scene["attempt"].public_id
    reason = {"reason": "test"}
    every_field = {
        **{f"{a}-reason": "test" for a in ACTIONS},
        "extend-minutes": 5,
        "message-text": "hello",
        "terminate-outcome": "void",
        "terminate-confirm": "on",
        "note-text": "a note",
        "observe-summary": "a phone",
    }
    return [
        (reverse("proctoring:session_pause", args=[session]), {"session-reason": "test"}),
        (reverse("proctoring:session_resume", args=[session]), {"session-reason": "test"}),
        (reverse("proctoring:session_no_shows", args=[session]), {}),
        (reverse("proctoring:session_log", args=[session]), {"note-text": "a note"}),
        (reverse("proctoring:admit", args=[public_id]), {"id_name": "X", "id_document_type": "passport"}),
        (
            reverse("proctoring:incident_decide", args=[scene["incident"].pk]),
            {f"incident-{scene['incident'].pk}-outcome": "dismissed", f"incident-{scene['incident'].pk}-reason": "x"},
        ),
        *[(reverse("proctoring:attempt_action", args=[public_id, a]), every_field) for a in ACTIONS],
        (reverse("proctoring:thresholds_edit", args=[scene["attempt"].program_id]), reason),
    ]


def assert_nothing_changed(scene, events_before: int) -> None:
    attempt = Attempt.objects.get(pk=scene["attempt"].pk)
    assert attempt.status == AttemptStatus.IN_PROGRESS and not attempt.review_flag
    assert AttemptEvent.objects.filter(attempt=attempt).count() == events_before
    assert not ProctorNote.objects.exists()
    assert Incident.objects.get().is_open and Incident.objects.count() == 1


@pytest.mark.parametrize("persona", OTHER_ROLES)
def test_every_other_role_is_refused_every_proctoring_url(scene, personas, persona):
    events_before = AttemptEvent.objects.filter(attempt=scene["attempt"]).count()
    client = Client()
    client.force_login(personas[persona])
    for url in [*gets(scene), reverse("proctoring:thresholds")]:
        assert client.get(url).status_code == 403, url
    for url, data in posts(scene):
        assert client.post(url, data).status_code == 403, url
    assert_nothing_changed(scene, events_before)


def test_the_proctor_of_another_session_finds_nothing(scene, other_proctor):
    events_before = AttemptEvent.objects.filter(attempt=scene["attempt"]).count()
    client = Client()
    client.force_login(other_proctor)
    listing = client.get(reverse("proctoring:session_list"))
    assert listing.status_code == 200 and f'data-testid="session-{scene["session"].pk}"' not in listing.content.decode()
    for url in gets(scene)[1:]:
        assert client.get(url).status_code == 404, url
    for url, data in posts(scene)[:-1]:
        assert client.post(url, data).status_code == 404, url
    assert client.post(*posts(scene)[-1]).status_code == 403  # thresholds: program administrators only
    assert_nothing_changed(scene, events_before)


def test_signed_out_visitors_are_sent_to_sign_in(scene):
    client = Client()
    for url in gets(scene):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url, data in posts(scene):
        assert client.post(url, data).status_code == 302, url
    assert_nothing_changed(scene, AttemptEvent.objects.filter(attempt=scene["attempt"]).count())


@pytest.mark.parametrize("persona", ["proctor", "program_admin"])
def test_the_sessions_proctor_and_a_program_administrator_see_every_page(scene, personas, persona):
    client = Client()
    client.force_login(personas[persona])
    for url in gets(scene):
        assert client.get(url).status_code == 200, url
    listing = client.get(reverse("proctoring:session_list")).content.decode()
    assert f'data-testid="session-{scene["session"].pk}"' in listing


def test_only_a_program_administrator_sets_thresholds(scene, proctor_client, program_admin):
    assert proctor_client.get(reverse("proctoring:thresholds")).status_code == 403
    client = Client()
    client.force_login(program_admin)
    assert client.get(reverse("proctoring:thresholds")).status_code == 200
    assert client.get(reverse("proctoring:thresholds_edit", args=[scene["attempt"].program_id])).status_code == 200


@pytest.mark.parametrize("persona", ["other_candidate", "proctor", "program_admin"])
def test_the_candidates_live_endpoints_are_the_candidates_alone(scene, personas, persona):
    attempt = scene["attempt"]
    client = Client()
    client.force_login(personas[persona])
    events = client.post(
        reverse("candidates:exam_events", args=[attempt.public_id]),
        json.dumps({"events": [{"kind": "left_page"}]}),
        content_type="application/json",
    )
    assert events.status_code == 404 and events.json()["reason"] == "not_found"
    start_state = client.get(reverse("candidates:exam_start_state", args=[attempt.public_id]))
    assert start_state.status_code == 404
    assert not attempt.integrity_events.filter(kind="left_page").exists()
