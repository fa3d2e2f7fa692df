"""Exam sessions from the administrators' side: create, change, cancel, and record no-shows.

Publishing is exams.delivery.session_publish. Seats change hands only through the attempt's
transition table (exams.delivery); a cancellation announces itself with `session_cancelled`
so the candidates app can tell each candidate in their own time zone without this app
importing it.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from exams import delivery
from exams.models.delivery import Attempt, AttemptStatus, ExamSession, SessionMode, SessionStatus
from exams.models.programs import CertificationProgram
from exams.models.sessions import SessionEvent

A = AttemptStatus

# Sent inside the cancelling transaction: sender=ExamSession, session, attempts (the seats just
# cancelled), reason. Receivers that send mail defer it with transaction.on_commit.
session_cancelled = Signal()

MAX_CUTOFF_HOURS = 24 * 30


def _check(
    *,
    program: CertificationProgram,
    mode: str,
    location: str,
    opens_at: datetime,
    closes_at: datetime,
    seats: int,
    proctor: User | None,
    change_cutoff_hours: int,
) -> None:
    errors: dict[str, str] = {}
    if mode not in SessionMode.values:
        errors["mode"] = _("Choose online or a test centre.")
    elif mode == SessionMode.TEST_CENTRE and not location.strip():
        errors["location"] = _("Name the room or test centre.")
    if closes_at <= opens_at:
        errors["closes_at"] = _("The start window must close after it opens.")
    if seats < 1:
        errors["seats"] = _("A session needs at least one seat.")
    if proctor is not None and not proctor.has_role(Role.PROCTOR):
        errors["proctor"] = _("%(name)s does not have the Proctor role.") % {
            "name": proctor.get_full_name() or proctor.username
        }
    if not 0 <= change_cutoff_hours <= MAX_CUTOFF_HOURS:
        errors["change_cutoff_hours"] = _("Between 0 and %(max)s hours.") % {"max": MAX_CUTOFF_HOURS}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_create(
    *,
    by: User,
    program: CertificationProgram,
    mode: str,
    location: str,
    opens_at: datetime,
    closes_at: datetime,
    seats: int,
    proctor: User | None,
    change_cutoff_hours: int,
    now: datetime | None = None,
) -> ExamSession:
    """A draft session; candidates see it once it is published."""
    now = now or timezone.now()
    fields = {
        "program": program,
        "mode": mode,
        "location": location.strip(),
        "opens_at": opens_at,
        "closes_at": closes_at,
        "seats": seats,
        "proctor": proctor,
        "change_cutoff_hours": change_cutoff_hours,
    }
    _check(**fields)
    if opens_at <= now:
        raise ValidationError({"opens_at": _("The start window must open in the future.")})
    session = ExamSession.objects.create(created_by=by, **fields)
    SessionEvent.objects.create(session=session, action="create", actor=by)
    return session


def _same_minute(a: datetime, b: datetime) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def _seats_taken(session: ExamSession) -> int:
    return session.attempts.exclude(status=A.CANCELLED).count()


@transaction.atomic
def session_update(
    *,
    session: ExamSession,
    by: User,
    program: CertificationProgram,
    mode: str,
    location: str,
    opens_at: datetime,
    closes_at: datetime,
    seats: int,
    proctor: User | None,
    change_cutoff_hours: int,
) -> ExamSession:
    """Changes a session that has not been cancelled.

    Once candidates hold seats, the program and the start window stay as booked: their
    confirmation emails promised that time. Cancel the session (they are told) instead.
    """
    session = ExamSession.objects.select_for_update().get(pk=session.pk)
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("A cancelled session cannot be changed."))
    # The editor works to the minute: a time it shows back unchanged keeps its stored seconds.
    opens_at = session.opens_at if _same_minute(opens_at, session.opens_at) else opens_at
    closes_at = session.closes_at if _same_minute(closes_at, session.closes_at) else closes_at
    fields = {
        "program": program,
        "mode": mode,
        "location": location.strip(),
        "opens_at": opens_at,
        "closes_at": closes_at,
        "seats": seats,
        "proctor": proctor,
        "change_cutoff_hours": change_cutoff_hours,
    }
    _check(**fields)
    taken = _seats_taken(session)
    errors = {}
    if taken:
        if program.pk != session.program_id:
            errors["program"] = _("Candidates have booked this session: its program cannot change.")
        if opens_at != session.opens_at:
            errors["opens_at"] = _("Candidates have booked this window: cancel the session rather than move it.")
        if closes_at != session.closes_at:
            errors["closes_at"] = _("Candidates have booked this window: cancel the session rather than move it.")
        if seats < taken:
            errors["seats"] = _("%(taken)s seats are booked: keep at least that many.") % {"taken": taken}
    if errors:
        raise ValidationError(errors)
    changed = {
        name: str(getattr(value, "pk", value)) for name, value in fields.items() if getattr(session, name) != value
    }
    for name, value in fields.items():
        setattr(session, name, value)
    session.save(update_fields=list(fields))
    SessionEvent.objects.create(session=session, action="update", actor=by, detail={"changed": changed})
    return session


def session_publish(*, session: ExamSession, by: User) -> ExamSession:
    """exams.delivery.session_publish, with the administrators' history."""
    with transaction.atomic():
        session = delivery.session_publish(session=session, by=by)
        SessionEvent.objects.create(session=session, action="publish", actor=by)
    return session


def session_cancel(*, session: ExamSession, by: User, reason: str) -> list[Attempt]:
    """Cancels the session and every booked seat in it; returns the seats cancelled.

    Refused once anyone has checked in or started: those attempts end through the proctor's
    actions (terminate, void), not by pulling the session away under them.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the session is cancelled: the candidates are told.")})
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().select_related("program").get(pk=session.pk)
        if session.status == SessionStatus.CANCELLED:
            raise ValidationError(_("This session is already cancelled."))
        # Locked in primary-key order, the same order as every other multi-row lock on attempts.
        attempts = list(
            Attempt.objects.select_for_update().filter(session=session).select_related("program").order_by("pk")
        )
        started = [a for a in attempts if a.status not in (A.BOOKED, A.CANCELLED, A.EXPIRED)]
        if started:
            raise ValidationError(
                _(
                    "%(n)s candidates have checked in or taken the exam in this session; "
                    "end their attempts through the proctor before cancelling."
                )
                % {"n": len(started)}
            )
        cancelled = []
        for attempt in attempts:
            if attempt.status == A.BOOKED:
                cancelled.append(delivery.attempt_cancel_with_session(attempt=attempt, by=by, reason=reason))
        session.status = SessionStatus.CANCELLED
        session.save(update_fields=["status"])
        SessionEvent.objects.create(
            session=session, action="cancel", actor=by, reason=reason, detail={"seats_cancelled": len(cancelled)}
        )
        session_cancelled.send(sender=ExamSession, session=session, attempts=cancelled, reason=reason)
    return cancelled


def session_record_no_shows(*, session: ExamSession, by: User, now: datetime | None = None) -> int:
    """Marks as no-shows the seats still unused when the start window has closed.

    The beat's attempts_sweep does the same every few seconds; this lets an administrator close
    the list at once (say, the beat is down) and be named as the one who did.
    """
    now = now or timezone.now()
    if now <= session.closes_at:
        raise ValidationError(_("No-shows are recorded after the start window closes."))
    expired = 0
    pending = Attempt.objects.filter(session=session, status__in=[A.BOOKED, A.CHECKED_IN]).order_by("pk")
    for attempt in pending:
        expired += delivery.attempt_expire(attempt=attempt, by=by)  # False: the sweep got there first
    if expired:
        SessionEvent.objects.create(session=session, action="no_shows", actor=by, detail={"expired": expired})
    return expired
