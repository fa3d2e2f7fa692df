"""A candidate's bookings: the exam core's booking services, with the emails that go with them.

The seat rules (eligibility, retakes, seats, cut-off) live in exams.delivery; this module adds
what only the candidates app knows: who to write to, and in which time zone.
"""

from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from candidates import booking_emails
from candidates.models import BookingReminder
from exams import delivery
from exams.models.delivery import Attempt, AttemptStatus, ExamSession, SessionStatus

# The reminder goes out a day ahead; the beat runs every 15 minutes, so an hour-wide band
# gives each booking several chances and BookingReminder makes sure only one is sent.
REMINDER_AHEAD = timedelta(hours=24)
REMINDER_BAND = timedelta(hours=1)


def booking_create(*, session: ExamSession, candidate: User, now: datetime | None = None) -> Attempt:
    with transaction.atomic():
        attempt = delivery.attempt_book(session=session, candidate=candidate, now=now)
        transaction.on_commit(partial(booking_emails.send_booking_confirmed, attempt.pk))
    return attempt


def booking_reschedule(*, attempt: Attempt, session: ExamSession, by: User, now: datetime | None = None) -> Attempt:
    previous = attempt.session_id
    with transaction.atomic():
        attempt = delivery.attempt_reschedule(attempt=attempt, session=session, by=by, now=now)
        transaction.on_commit(partial(booking_emails.send_booking_rescheduled, attempt.pk, previous))
    return attempt


def booking_cancel(*, attempt: Attempt, by: User, now: datetime | None = None) -> Attempt:
    with transaction.atomic():
        attempt = delivery.attempt_cancel(attempt=attempt, by=by, now=now)
        transaction.on_commit(partial(booking_emails.send_booking_cancelled, attempt.pk))
    return attempt


def reminders_due(*, now: datetime | None = None):
    """Seats in published sessions opening 24 to 25 hours from now, not yet reminded for that session."""
    now = now or timezone.now()
    sent = BookingReminder.objects.filter(attempt=OuterRef("pk"), session=OuterRef("session"))
    return (
        Attempt.objects.filter(
            status=AttemptStatus.BOOKED,
            session__status=SessionStatus.PUBLISHED,
            session__opens_at__gte=now + REMINDER_AHEAD,
            session__opens_at__lt=now + REMINDER_AHEAD + REMINDER_BAND,
        )
        .exclude(Exists(sent))
        .select_related("candidate__candidate_profile", "program", "session")
        .order_by("pk")
    )


def reminders_send(*, now: datetime | None = None) -> int:
    """Sends each due reminder once, even with two workers at it; returns how many this call sent.

    The row is written before the email inside one transaction: if sending fails the row goes
    too and the next run tries again; if another worker wrote it first, the unique constraint
    says so and this one skips.
    """
    sent = 0
    for attempt in reminders_due(now=now):
        try:
            with transaction.atomic():
                BookingReminder.objects.create(attempt=attempt, session=attempt.session)
                booking_emails.send_reminder(attempt)
        except IntegrityError:
            continue
        sent += 1
    return sent
