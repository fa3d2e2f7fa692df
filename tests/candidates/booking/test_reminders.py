"""The reminder a day before: the service (without Celery) and the task through a real worker."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.roles import Role
from candidates.booking import reminders_send
from candidates.models import BookingReminder
from candidates.tasks import booking_reminders_task
from exams import delivery
from exams.models.delivery import SessionStatus
from tests.conftest import make_user
from tests.exams.sessions.factories import give_profile, make_session

NOW = datetime(2031, 3, 9, 13, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_reminders_go_once_to_seats_in_sessions_a_day_ahead_in_each_candidates_zone(
    exam_program, program_admin, candidate, other_candidate
):
    give_profile(candidate, time_zone="America/New_York", legal_name="Sofia Marin Ortega")
    tomorrow = make_session(exam_program, program_admin, opens_at=NOW + timedelta(hours=24, minutes=30))
    too_soon = make_session(exam_program, program_admin, opens_at=NOW + timedelta(hours=23))
    too_far = make_session(exam_program, program_admin, opens_at=NOW + timedelta(hours=26))
    booked_at = NOW - timedelta(days=5)
    mine = delivery.attempt_book(session=tomorrow, candidate=candidate, now=booked_at)
    theirs = delivery.attempt_book(session=tomorrow, candidate=other_candidate, now=booked_at)
    delivery.attempt_cancel(attempt=theirs, by=other_candidate, now=booked_at)
    for session in (too_soon, too_far):
        delivery.attempt_book(
            session=session, candidate=make_user(f"someone{session.pk}", Role.CANDIDATE), now=booked_at
        )

    assert reminders_send(now=NOW) == 1
    [message] = mail.outbox
    assert message.to == [candidate.email]
    assert message.subject == "Reminder: your CSPSP-T exam is tomorrow"
    # 14:00 UTC on 10 March is 10:00 in New York (daylight time since the 9th).
    assert "Monday 10 March 2031, 10:00 – 12:00 EDT (America/New_York)" in message.body
    assert "http://127.0.0.1:8000/candidate/" in message.body
    assert BookingReminder.objects.get().attempt == mine

    assert reminders_send(now=NOW + timedelta(minutes=15)) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_seat_moved_to_another_session_is_reminded_of_the_new_one(exam_program, program_admin, candidate):
    first = make_session(exam_program, program_admin, opens_at=NOW + timedelta(hours=24, minutes=10), cutoff=2)
    second = make_session(exam_program, program_admin, opens_at=NOW + timedelta(days=2, hours=0, minutes=10))
    attempt = delivery.attempt_book(session=first, candidate=candidate, now=NOW - timedelta(days=3))
    assert reminders_send(now=NOW) == 1
    delivery.attempt_reschedule(attempt=attempt, session=second, by=candidate, now=NOW + timedelta(hours=1))
    assert reminders_send(now=NOW + timedelta(days=1)) == 1
    assert BookingReminder.objects.filter(attempt=attempt).count() == 2


@pytest.mark.django_db
def test_a_cancelled_session_sends_no_reminder(exam_program, program_admin, candidate):
    session = make_session(exam_program, program_admin, opens_at=NOW + timedelta(hours=24, minutes=30))
    delivery.attempt_book(session=session, candidate=candidate, now=NOW - timedelta(days=3))
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status"])
    assert reminders_send(now=NOW) == 0
    assert mail.outbox == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_reminder_task_runs_in_a_real_worker_and_sends_once(
    celery_worker_process, exam_program, program_admin, candidate
):
    now = timezone.now()
    session = make_session(exam_program, program_admin, opens_at=now + timedelta(hours=24, minutes=40))
    attempt = delivery.attempt_book(session=session, candidate=candidate, now=now)

    assert booking_reminders_task.delay().get(timeout=60) == 1
    assert BookingReminder.objects.get().attempt_id == attempt.pk
    assert booking_reminders_task.delay().get(timeout=60) == 0
    assert BookingReminder.objects.count() == 1
