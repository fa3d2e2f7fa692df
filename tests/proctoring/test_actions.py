"""The proctor's actions on one attempt and on the whole session: each needs a reason, leaves an entry
in the attempt's history, and reaches the candidate's screen through the live version and the state."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exams import live
from exams.delivery import IllegalTransition
from exams.models.delivery import Attempt, AttemptEvent, AttemptStatus
from proctoring import services
from tests.candidates.exam.conftest import book
from tests.proctoring.conftest import admit, check_in, start

A = AttemptStatus


def state(client, attempt, after=0):
    return client.get(reverse("candidates:exam_state", args=[attempt.public_id]) + f"?after={after}").json()


def last_event(attempt) -> AttemptEvent:
    return AttemptEvent.objects.filter(attempt=attempt).latest("pk")


@pytest.mark.parametrize(
    "action, kwargs",
    [
        (services.proctor_pause, {}),
        (services.proctor_extend, {"minutes": 5}),
        (services.proctor_message, {"text": "Please face the camera."}),
        (services.proctor_move_device, {}),
        (services.proctor_flag, {}),
        (services.proctor_terminate, {"outcome": "void"}),
    ],
)
def test_every_action_needs_a_reason_and_changes_nothing_without_one(started, proctor, action, kwargs):
    events = AttemptEvent.objects.filter(attempt=started).count()
    with pytest.raises(ValidationError) as error:
        action(attempt=started, by=proctor, reason="  ", **kwargs)
    assert "reason" in error.value.error_dict
    assert AttemptEvent.objects.filter(attempt=started).count() == events
    fresh = Attempt.objects.get(pk=started.pk)
    assert (fresh.status, fresh.extension_seconds, fresh.review_flag) == (A.IN_PROGRESS, 0, False)


def test_a_pause_stops_the_clock_and_the_candidate_screen_hears_of_it(
    started, proctor, candidate_client, django_capture_on_commit_callbacks
):
    version = live.version(started.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.proctor_pause(attempt=started, by=proctor, reason="Candidate asked for a break")
    assert live.version(started.pk) != version
    event = last_event(started)
    assert (event.action, event.actor, event.reason) == ("pause", proctor, "Candidate asked for a break")

    paused = Attempt.objects.get(pk=started.pk)
    frozen = paused.remaining_seconds()
    assert paused.remaining_seconds(timezone.now() + timedelta(minutes=10)) == frozen
    reply = state(candidate_client, started)
    assert reply["paused"] is True and reply["status"] == "paused" and "paused" in reply["message"]

    resumed = services.proctor_resume(attempt=paused, by=proctor, reason="Back at the desk")
    assert resumed.status == A.IN_PROGRESS
    assert abs(resumed.remaining_seconds() - frozen) <= 1


def test_added_time_moves_the_deadline_and_shows_in_the_state(started, proctor, candidate_client):
    before = state(candidate_client, started)["remaining_seconds"]
    services.proctor_extend(attempt=started, by=proctor, minutes=5, reason="Network trouble at the centre")
    after = state(candidate_client, started)["remaining_seconds"]
    assert 299 <= after - before <= 301
    assert last_event(started).detail == {"seconds": 300}
    with pytest.raises(ValidationError) as error:
        services.proctor_extend(attempt=started, by=proctor, minutes=0, reason="none")
    assert "minutes" in error.value.error_dict


def test_a_message_reaches_the_candidate_once(started, proctor, candidate_client):
    services.proctor_message(attempt=started, by=proctor, text="Please face the camera.", reason="Looking away")
    messages = state(candidate_client, started)["messages"]
    assert [m["text"] for m in messages] == ["Please face the camera."]
    assert state(candidate_client, started, after=messages[0]["id"])["messages"] == []
    assert last_event(started).reason == "Looking away"


def test_a_move_ends_the_old_browser_and_the_next_one_to_open_the_exam_drives_it(
    started, proctor, candidate, candidate_client
):
    services.proctor_move_device(attempt=started, by=proctor, reason="Laptop battery failing")

    old = candidate_client.get(reverse("candidates:exam_state", args=[started.public_id]))
    assert old.status_code == 409 and old.json()["reason"] == "moved"
    # The old browser's sign-in is ended: it is not the candidate's any more.
    assert candidate_client.get(reverse("candidates:exam", args=[started.public_id])).status_code == 302

    new = Client()
    new.force_login(candidate)
    assert new.get(reverse("candidates:exam", args=[started.public_id])).status_code == 200
    assert new.get(reverse("candidates:exam_state", args=[started.public_id])).status_code == 200
    assert AttemptEvent.objects.filter(attempt=started, action="claim_device").count() == 1

    third = Client()
    third.force_login(candidate)
    page = third.get(reverse("candidates:exam", args=[started.public_id]))
    assert page.status_code == 409 and "open in another browser" in page.content.decode()


def test_a_flagged_attempt_is_held_after_submission(started, proctor, candidate_client):
    services.proctor_flag(attempt=started, by=proctor, reason="Second person in the room")
    candidate_client.post(reverse("candidates:exam_submit", args=[started.public_id]))
    held = Attempt.objects.get(pk=started.pk)
    assert held.status == A.SCORED and held.review_flag


@pytest.mark.parametrize("outcome, status", [("void", A.VOIDED), ("submit", A.SCORED)])
def test_termination_ends_the_exam_and_the_screen_says_the_proctor_ended_it(
    started, proctor, candidate_client, outcome, status
):
    services.proctor_terminate(attempt=started, by=proctor, reason="Phone in use", outcome=outcome)
    ended = Attempt.objects.get(pk=started.pk)
    assert ended.status == status and (outcome == "void" or ended.review_flag)
    reply = state(candidate_client, started)
    assert reply["ended_by_proctor"] is True and reply["status"] == status
    refused = candidate_client.post(
        reverse("candidates:exam_answer", args=[started.public_id]),
        {"position": 1, "value": [1], "flagged": False, "seq": 9},
        content_type="application/json",
    )
    assert refused.status_code == 409


def test_a_finished_attempt_cannot_be_paused(started, proctor, candidate_client):
    candidate_client.post(reverse("candidates:exam_submit", args=[started.public_id]))
    with pytest.raises(IllegalTransition):
        services.proctor_pause(attempt=started, by=proctor, reason="too late")


def test_the_whole_session_pauses_and_resumes_but_a_candidate_paused_alone_stays_paused(
    started, session_now, other_candidate, proctor
):
    other_client = Client()
    other_client.force_login(other_candidate)
    other = check_in(other_client, book(session_now, other_candidate))
    admit(other, proctor)
    other = start(other_client, other)
    services.proctor_pause(attempt=other, by=proctor, reason="Bathroom break")

    paused = services.session_pause(session=session_now, by=proctor, reason="Fire alarm")
    assert [a.pk for a in paused] == [started.pk]
    assert services.session_paused(session_now)
    with pytest.raises(ValidationError, match="already paused"):
        services.session_pause(session=session_now, by=proctor, reason="again")

    resumed = services.session_resume(session=session_now, by=proctor, reason="All clear")
    assert [a.pk for a in resumed] == [started.pk]
    assert Attempt.objects.get(pk=started.pk).status == A.IN_PROGRESS
    assert Attempt.objects.get(pk=other.pk).status == A.PAUSED
    assert not services.session_paused(session_now)
