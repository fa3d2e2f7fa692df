from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.roles import Role
from exams import delivery, hooks
from exams.delivery import ATTEMPT_TRANSITIONS, AttemptClosed, IllegalTransition, WrongDevice
from exams.models.delivery import Attempt, AttemptStatus, Response
from tests.conftest import make_user

A = AttemptStatus


def _book_now(session, candidate, when=None):
    """Books a seat in an open session (booking closes at opening, so book 'before' it)."""
    return delivery.attempt_book(session=session, candidate=candidate, now=session.opens_at - timedelta(hours=1))


def _start(session, candidate, **kwargs):
    attempt = _book_now(session, candidate)
    delivery.attempt_check_in(attempt=attempt, by=candidate, agreement_accepted=True)
    return delivery.attempt_start(attempt=attempt, by=candidate, driver="browser-1", **kwargs)


def _answer(attempt, position, value, seq, now=None):
    item = attempt.form.items.select_related("item_version").get(position=position)
    return delivery.response_save(
        attempt=Attempt.objects.get(pk=attempt.pk),
        form_item=item,
        value=value,
        flagged=False,
        client_seq=seq,
        driver="browser-1",
        n_options=4,
        now=now,
    )


def test_the_whole_path_from_booking_to_released_result(session_now, candidate):
    attempt = _start(session_now, candidate)
    assert attempt.status == A.IN_PROGRESS and attempt.form.items.count() == 4
    for item in attempt.form.items.select_related("item_version").prefetch_related("item_version__options"):
        key = item.item_version.key()[0]
        _answer(attempt, item.position, [key], seq=1)
    attempt = delivery.attempt_submit(attempt=attempt, by=candidate)
    attempt.refresh_from_db()
    assert attempt.status == A.RELEASED
    assert attempt.passed is True and attempt.percent == 100 and attempt.scaled_score == 1000
    assert attempt.legal_name == "Sofia Marin"
    actions = list(attempt.events.exclude(to_status="").values_list("action", flat=True))
    assert actions == ["check_in", "start", "submit", "score", "release"]


def test_an_attempt_cannot_start_before_the_agreement_is_accepted(session_now, candidate):
    attempt = _book_now(session_now, candidate)
    with pytest.raises(ValidationError, match="agreement"):
        delivery.attempt_check_in(attempt=attempt, by=candidate, agreement_accepted=False)
    with pytest.raises(ValidationError):
        delivery.attempt_start(attempt=attempt, by=candidate, driver="x")
    assert Attempt.objects.get(pk=attempt.pk).status == A.BOOKED


@pytest.mark.parametrize("action", ["start", "pause", "resume", "submit", "score", "release", "void"])
def test_illegal_transitions_from_booked_raise(session_now, candidate, action):
    attempt = _book_now(session_now, candidate)
    with pytest.raises(IllegalTransition):
        with delivery.transaction.atomic():
            delivery._transition(delivery._locked(attempt), action, by=candidate)


def test_the_transition_table_reaches_only_known_statuses():
    for sources, target in ATTEMPT_TRANSITIONS.values():
        assert target in A.values and sources <= set(A.values)


def test_an_answer_replayed_out_of_order_keeps_the_newest(session_now, candidate):
    attempt = _start(session_now, candidate)
    assert _answer(attempt, 1, [3], seq=2) is True
    assert _answer(attempt, 1, [1], seq=1) is False  # late, older request
    assert _answer(attempt, 1, [3], seq=2) is False  # repeated request
    stored = Response.objects.get(attempt=attempt, form_item__position=1)
    assert stored.value == [3] and stored.client_seq == 2


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_submitted(session_now, candidate):
    attempt = _start(session_now, candidate)
    _answer(attempt, 1, [2], seq=1)
    late = attempt.deadline + timedelta(seconds=6)
    with pytest.raises(AttemptClosed, match="Time is up"):
        _answer(attempt, 2, [2], seq=1, now=late)
    attempt.refresh_from_db()
    assert attempt.status in (A.SCORED, A.RELEASED)
    assert not Response.objects.filter(attempt=attempt, form_item__position=2).exists()


def test_an_answer_within_the_grace_still_counts(session_now, candidate):
    attempt = _start(session_now, candidate)
    assert _answer(attempt, 1, [2], seq=1, now=attempt.deadline + timedelta(seconds=3)) is True


def test_the_sweep_submits_attempts_whose_time_ran_out_with_their_saved_answers(session_now, candidate):
    attempt = _start(session_now, candidate)
    _answer(attempt, 1, [2], seq=1)
    result = delivery.attempts_sweep(now=attempt.deadline + timedelta(seconds=30))
    attempt.refresh_from_db()
    assert result["submitted"] == 1 and attempt.submitted_at is not None
    assert attempt.events.filter(action="submit", reason="time ran out").exists()
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_accommodation_and_extensions_move_the_deadline_and_pauses_stop_the_clock(session_now, candidate, proctor):
    attempt = _start(session_now, candidate, extra_time_percent=50)
    assert attempt.allowed_seconds == 45 * 60
    start = attempt.started_at
    delivery.attempt_pause(attempt=attempt, by=proctor, reason="fire alarm", now=start + timedelta(minutes=10))
    paused = Attempt.objects.get(pk=attempt.pk)
    assert paused.remaining_seconds(now=start + timedelta(minutes=15)) == 35 * 60
    delivery.attempt_resume(attempt=paused, by=proctor, reason="all clear", now=start + timedelta(minutes=20))
    delivery.attempt_extend(attempt=paused, seconds=300, by=proctor, reason="lost connection")
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.deadline == start + timedelta(minutes=45 + 10 + 5)


def test_a_paused_attempt_takes_no_answers(session_now, candidate, proctor):
    attempt = _start(session_now, candidate)
    delivery.attempt_pause(attempt=attempt, by=proctor, reason="check")
    with pytest.raises(AttemptClosed, match="paused"):
        _answer(attempt, 1, [1], seq=1)


def test_a_second_browser_cannot_drive_the_attempt(session_now, candidate):
    attempt = _start(session_now, candidate)
    item = attempt.form.items.get(position=1)
    with pytest.raises(WrongDevice):
        delivery.response_save(
            attempt=attempt,
            form_item=item,
            value=[1],
            flagged=False,
            client_seq=1,
            driver="another-browser",
            n_options=4,
        )


def test_one_open_booking_per_program(session_now, session_later, candidate):
    _book_now(session_now, candidate)
    with pytest.raises(ValidationError, match="already have a booking"):
        delivery.attempt_book(session=session_later, candidate=candidate)


def test_a_full_session_takes_no_more_bookings(session_later, candidate, other_candidate):
    third = make_user("third", Role.CANDIDATE)
    delivery.attempt_book(session=session_later, candidate=candidate)
    delivery.attempt_book(session=session_later, candidate=other_candidate)
    with pytest.raises(ValidationError, match="full"):
        delivery.attempt_book(session=session_later, candidate=third)


def test_cancelling_after_the_cutoff_is_refused(session_later, candidate):
    attempt = delivery.attempt_book(session=session_later, candidate=candidate)
    with pytest.raises(ValidationError, match="hours before"):
        delivery.attempt_cancel(attempt=attempt, by=candidate, now=session_later.opens_at - timedelta(hours=2))
    delivery.attempt_cancel(attempt=attempt, by=candidate)
    assert Attempt.objects.get(pk=attempt.pk).status == A.CANCELLED


def test_a_failed_candidate_waits_before_a_retake(session_now, session_later, candidate):
    attempt = _start(session_now, candidate)
    delivery.attempt_submit(attempt=attempt, by=candidate)  # nothing answered: a fail
    attempt.refresh_from_db()
    assert attempt.status == A.RELEASED and attempt.passed is False
    with pytest.raises(ValidationError, match="retake"):
        delivery.attempt_book(session=session_later, candidate=candidate)
    assert delivery.earliest_retake(attempt) == (attempt.submitted_at + timedelta(days=14)).date()


def test_no_shows_expire_when_the_window_closes(session_now, candidate):
    attempt = _book_now(session_now, candidate)
    delivery.attempts_sweep(now=session_now.closes_at + timedelta(minutes=1))
    attempt.refresh_from_db()
    assert attempt.status == A.EXPIRED


def test_an_attempt_that_moved_on_is_not_expired_and_the_sweep_goes_on(session_now, candidate, program_admin):
    started = _start(session_now, candidate)
    assert delivery.attempt_expire(attempt=started, by=program_admin) is False  # it began meanwhile
    assert Attempt.objects.get(pk=started.pk).status == A.IN_PROGRESS
    other = _book_now(session_now, make_user("late", Role.CANDIDATE))
    assert delivery.attempt_expire(attempt=other, by=program_admin) is True
    assert Attempt.objects.get(pk=other.pk).status == A.EXPIRED
    assert delivery.attempt_expire(attempt=other, by=None) is False  # once is enough


def test_a_release_blocker_holds_the_result_until_review(session_now, candidate, reviewer):
    hooks.release_blockers.append(lambda attempt: "open incident")
    try:
        attempt = _start(session_now, candidate)
        delivery.attempt_submit(attempt=attempt, by=candidate)
        attempt.refresh_from_db()
        assert attempt.status == A.SCORED and attempt.released_at is None
    finally:
        hooks.release_blockers.pop()
    delivery.attempt_release(attempt=attempt, by=reviewer, reason="incident reviewed")
    assert Attempt.objects.get(pk=attempt.pk).status == A.RELEASED


def test_release_announces_itself_once(session_now, candidate):
    heard = []

    def receiver(sender, attempt, **kwargs):
        heard.append(attempt.pk)

    hooks.result_released.connect(receiver)
    try:
        attempt = _start(session_now, candidate)
        delivery.attempt_submit(attempt=attempt, by=candidate)
        delivery.attempt_submit(attempt=attempt, by=candidate)  # a second submit changes nothing
    finally:
        hooks.result_released.disconnect(receiver)
    assert heard == [attempt.pk]


def test_termination_void_leaves_no_result(session_now, candidate, proctor):
    attempt = _start(session_now, candidate)
    delivery.attempt_terminate(attempt=attempt, by=proctor, reason="notes on desk", outcome="void")
    attempt.refresh_from_db()
    assert attempt.status == A.VOIDED and attempt.passed is None


def test_the_frozen_form_is_kept_on_resume(session_now, candidate):
    attempt = _start(session_now, candidate)
    form_id = attempt.form_id
    versions = list(attempt.form.items.values_list("item_version_id", flat=True))
    again = Attempt.objects.get(pk=attempt.pk)
    assert again.form_id == form_id
    assert list(again.form.items.values_list("item_version_id", flat=True)) == versions
    assert timezone.now() < again.deadline
