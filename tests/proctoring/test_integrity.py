"""Integrity events: recorded server-side with time and detail, rate-limited per attempt, turned into
an incident by the program's thresholds; and what the server notices on its own."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates.exam_live import REPORTS_PER_MINUTE
from exams.models.delivery import Attempt, AttemptStatus
from proctoring import services
from proctoring.integrity import events_record
from proctoring.models import DEFAULT_THRESHOLDS, Incident, IntegrityEvent

A = AttemptStatus


def post_events(client, attempt, events, **extra):
    return client.post(
        reverse("candidates:exam_events", args=[attempt.public_id]),
        json.dumps({"events": events}),
        content_type="application/json",
        **extra,
    )


def test_browser_events_are_stored_with_the_server_time_and_a_bounded_detail(started, candidate_client):
    sent_at = int(timezone.now().timestamp() * 1000) - 1500
    response = post_events(
        candidate_client,
        started,
        [
            {"kind": "left_page", "at": sent_at, "detail": {"via": "tab", "note": "x" * 500, "nested": {"a": 1}}},
            {"kind": "copy_paste", "at": "yesterday", "detail": {"action": "paste"}},
            {"kind": "second_session", "detail": {}},  # only the server may say so
            {"kind": "launch_missiles"},
        ],
    )
    assert response.status_code == 200
    events = list(IntegrityEvent.objects.filter(attempt=started).order_by("kind"))
    assert [e.kind for e in events] == ["copy_paste", "left_page"]
    copy, left = events
    assert left.source == "browser" and left.session_id == started.session_id
    assert abs((left.client_at - left.at).total_seconds() - (-1.5)) < 1.5
    assert left.detail == {"via": "tab", "note": "x" * 200}
    assert copy.client_at is None and copy.detail == {"action": "paste"}


def test_reports_are_rate_limited_per_attempt(started, candidate_client):
    # Within one minute of the clock: the window is a calendar minute, so the test may not straddle two.
    with time_machine.travel(timezone.now().replace(second=10), tick=False):
        for _ in range(REPORTS_PER_MINUTE):
            assert post_events(candidate_client, started, [{"kind": "right_click"}]).status_code == 200
        refused = post_events(candidate_client, started, [{"kind": "right_click"}] * 30)
    assert refused.status_code == 429
    body = refused.json()
    assert body["reason"] == "rate_limited" and 0 < body["retry_after"] <= 60 and refused["Retry-After"]
    assert IntegrityEvent.objects.filter(attempt=started).count() == REPORTS_PER_MINUTE


def test_a_report_keeps_at_most_twenty_events(started, candidate_client):
    assert post_events(candidate_client, started, [{"kind": "right_click"}] * 50).json() == {"received": 20}
    assert IntegrityEvent.objects.filter(attempt=started).count() == 20


def test_bad_reports_are_refused_with_a_reason(started, candidate_client):
    response = candidate_client.post(
        reverse("candidates:exam_events", args=[started.public_id]), "{", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["reason"] == "bad_request"


def test_repeated_events_open_one_incident_that_later_events_join(started, candidate_client, proctor):
    for _ in range(2):
        post_events(candidate_client, started, [{"kind": "left_page", "detail": {"via": "tab"}}])
    assert not Incident.objects.exists()
    post_events(candidate_client, started, [{"kind": "left_page", "detail": {"via": "window"}}])
    incident = Incident.objects.get()
    assert (incident.kind, incident.status, incident.event_count) == ("left_page", "open", 3)
    assert incident.summary == "Left the exam tab or window: 3 times."
    post_events(candidate_client, started, [{"kind": "left_page"}])
    assert Incident.objects.get().event_count == 4

    services.incident_decide(incident=incident, by=proctor, outcome="dismissed", reason="Reading glasses")
    post_events(candidate_client, started, [{"kind": "left_page"}] * 2)
    assert Incident.objects.count() == 1
    post_events(candidate_client, started, [{"kind": "left_page"}])
    assert Incident.objects.filter(status="open").count() == 1


def test_a_program_sets_its_own_thresholds_and_zero_opens_no_incident(started, proctor, program_admin):
    values = {**DEFAULT_THRESHOLDS, "right_click": 1, "copy_paste": 0}
    services.thresholds_save(program=started.program, by=program_admin, values=values)
    events_record(attempt=started, events=[{"kind": "copy_paste"}] * 10)
    assert not Incident.objects.exists()
    events_record(attempt=started, events=[{"kind": "right_click"}])
    assert Incident.objects.get().kind == "right_click"


def test_events_in_a_session_without_a_proctor_are_kept_but_open_no_incident(started):
    started.session.proctor = None
    started.session.save(update_fields=["proctor"])
    attempt = Attempt.objects.select_related("session").get(pk=started.pk)
    events_record(attempt=attempt, events=[{"kind": "left_page"}] * 5)
    assert IntegrityEvent.objects.count() == 5 and not Incident.objects.exists()


def test_a_second_browser_is_reported_by_the_server_once_a_minute(started, candidate):
    second = Client()
    second.force_login(candidate)
    for _ in range(3):
        assert second.get(reverse("candidates:exam", args=[started.public_id])).status_code == 409
    assert second.get(reverse("candidates:exam_state", args=[started.public_id])).status_code == 409
    event = IntegrityEvent.objects.get()
    assert (event.kind, event.source) == ("second_session", "server")
    assert Incident.objects.get().kind == "second_session"


def test_a_change_of_address_or_browser_is_noticed_at_the_heartbeat(started, candidate_client):
    heartbeat = reverse("candidates:exam_heartbeat", args=[started.public_id])
    candidate_client.post(heartbeat, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox/140")
    candidate_client.post(heartbeat, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox/140")
    assert not IntegrityEvent.objects.exists()
    candidate_client.post(heartbeat, REMOTE_ADDR="198.51.100.9", HTTP_USER_AGENT="Chrome/150")
    changes = {e.kind: e.detail for e in IntegrityEvent.objects.all()}
    assert changes == {
        "ip_changed": {"from": "203.0.113.7", "to": "198.51.100.9"},
        "user_agent_changed": {"from": "Firefox/140", "to": "Chrome/150"},
    }


def test_a_long_silence_between_heartbeats_is_a_lost_connection(started, candidate_client):
    Attempt.objects.filter(pk=started.pk).update(last_seen_at=timezone.now() - timedelta(minutes=4))
    candidate_client.post(reverse("candidates:exam_heartbeat", args=[started.public_id]))
    event = IntegrityEvent.objects.get()
    assert event.kind == "connection_lost" and event.source == "server"
    assert 235 <= event.detail["silent_seconds"] <= 245


def test_an_open_incident_holds_the_result_until_the_proctor_decides(started, candidate_client, proctor):
    events_record(attempt=started, events=[{"kind": "fullscreen_exit"}] * 3)
    candidate_client.post(reverse("candidates:exam_submit", args=[started.public_id]))
    assert Attempt.objects.get(pk=started.pk).status == A.SCORED
    incident = Incident.objects.get()
    with pytest.raises(ValidationError) as error:
        services.incident_decide(incident=incident, by=proctor, outcome="warned", reason="Late", message="Stay")
    assert "outcome" in error.value.error_dict and Incident.objects.get().is_open
    services.incident_decide(incident=incident, by=proctor, outcome="dismissed", reason="Screen reader zoom")
    assert Attempt.objects.get(pk=started.pk).status == A.RELEASED


@pytest.mark.parametrize(
    "outcome, extra, check",
    [
        ("warned", {"message": "Keep your eyes on the screen."}, lambda a: a.events.filter(action="message").exists()),
        ("referred", {}, lambda a: a.review_flag),
        ("terminated", {"terminate_outcome": "void"}, lambda a: a.status == A.VOIDED),
    ],
)
def test_a_decision_sets_off_its_action(started, proctor, outcome, extra, check):
    events_record(attempt=started, events=[{"kind": "second_session"}], source="server")
    incident = Incident.objects.get()
    services.incident_decide(incident=incident, by=proctor, outcome=outcome, reason="Seen on camera", **extra)
    incident.refresh_from_db()
    assert (incident.status, incident.outcome, incident.decided_by) == ("decided", outcome, proctor)
    assert check(Attempt.objects.get(pk=started.pk))
