"""Reads for sessions and bookings: the administrators' lists, the candidates' catalogue and dashboard.

Every function here runs a fixed number of queries whatever the number of programs, sessions
or attempts (plus whatever the registered hooks.eligibility_checks cost).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exams import hooks
from exams.delivery import CHECK_IN_EARLY
from exams.models.delivery import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    Attempt,
    AttemptStatus,
    ExamSession,
    SessionStatus,
)
from exams.models.programs import CertificationProgram, ProgramStatus

A = AttemptStatus

# Statuses a finished attempt shows under "Results"; a cancelled booking is simply gone.
RESULT_STATUSES = [A.SUBMITTED, A.SCORED, A.RELEASED, A.TERMINATED, A.VOIDED, A.EXPIRED]


def _with_seats(sessions: QuerySet) -> QuerySet:
    return sessions.annotate(seats_taken=Count("attempts", filter=~Q(attempts__status=A.CANCELLED)))


# --- administrators ----------------------------------------------------------------------------


def sessions_for_admin(
    *, program: CertificationProgram | None = None, when: str = "upcoming", now: datetime | None = None
) -> QuerySet:
    """Upcoming: the start window has not closed yet (soonest first). Past: it has (latest first)."""
    now = now or timezone.now()
    sessions = _with_seats(ExamSession.objects.select_related("program", "proctor"))
    if program is not None:
        sessions = sessions.filter(program=program)
    if when == "past":
        return sessions.filter(closes_at__lt=now).order_by("-opens_at", "-id")
    if when == "upcoming":
        return sessions.filter(closes_at__gte=now).order_by("opens_at", "id")
    return sessions.order_by("-opens_at", "-id")


def session_for_admin(pk: int) -> ExamSession:
    return _with_seats(ExamSession.objects.select_related("program", "proctor", "created_by")).get(pk=pk)


def session_bookings(session: ExamSession) -> list[Attempt]:
    """The session's attempts, each with `candidate_name` (the legal name as the candidates app keeps it)."""
    attempts = list(session.attempts.select_related("candidate").order_by("status", "candidate__last_name", "pk"))
    for attempt in attempts:
        attempt.candidate_name = attempt.legal_name or hooks.legal_name_for(attempt.candidate)
    return attempts


# --- candidates ----------------------------------------------------------------------------------


def _published_programs() -> list[CertificationProgram]:
    return list(
        CertificationProgram.objects.filter(status=ProgramStatus.PUBLISHED)
        .select_related("standard", "level")
        .order_by("code")
    )


def _candidate_attempts(candidate: User) -> list[Attempt]:
    return list(
        Attempt.objects.filter(candidate=candidate).select_related("program", "session").order_by("-booked_at", "-id")
    )


def blockers_for_programs(
    *, candidate: User, programs: list[CertificationProgram], attempts: list[Attempt], now: datetime
) -> dict[int, list[str]]:
    """exams.delivery.booking_blockers for many programs from one list of the candidate's attempts.

    The same rules and the same messages; tests hold the two to the same answers.
    """
    result = {}
    for program in programs:
        reasons = []
        if not program.is_published:
            reasons.append(_("This program is not open for booking."))
        mine = [a for a in attempts if a.program_id == program.pk]
        if any(a.status in OPEN_STATUSES for a in mine):
            reasons.append(_("You already have a booking for this program."))
        fails = [a.submitted_at for a in mine if a.status == A.RELEASED and a.passed is False and a.submitted_at]
        if fails and max(fails) + timedelta(days=program.retake_wait_days) > now:
            retake = (max(fails) + timedelta(days=program.retake_wait_days)).date()
            reasons.append(_("You can retake this exam from %(date)s.") % {"date": retake.isoformat()})
        year = [a for a in mine if a.started_at and a.started_at >= now - timedelta(days=365) and a.status != A.VOIDED]
        if len(year) >= program.retake_max_per_year:
            reasons.append(
                _("You have used the %(n)s attempts allowed in 12 months.") % {"n": program.retake_max_per_year}
            )
        for check in hooks.eligibility_checks:
            reason = check(candidate, program)
            if reason:
                reasons.append(reason)
        result[program.pk] = reasons
    return result


@dataclass
class ProgramOffer:
    program: CertificationProgram
    blockers: list[str]
    sessions: list[ExamSession]  # published, not yet open, with a free seat; each has .seats_free
    booking: Attempt | None  # the candidate's open attempt in this program, if any

    @property
    def can_book(self) -> bool:
        return not self.blockers


def booking_catalogue(*, candidate: User, now: datetime | None = None) -> list[ProgramOffer]:
    """Every published program with what stops this candidate booking it and the sessions they could take."""
    now = now or timezone.now()
    programs = _published_programs()
    attempts = _candidate_attempts(candidate)
    blockers = blockers_for_programs(candidate=candidate, programs=programs, attempts=attempts, now=now)
    by_program: dict[int, list[ExamSession]] = {p.pk: [] for p in programs}
    for session in open_sessions(programs=programs, now=now):
        by_program[session.program_id].append(session)
    open_attempts = {a.program_id: a for a in attempts if a.status in OPEN_STATUSES}
    return [ProgramOffer(p, blockers[p.pk], by_program[p.pk], open_attempts.get(p.pk)) for p in programs]


def open_sessions(*, programs, now: datetime | None = None, exclude: ExamSession | None = None) -> list[ExamSession]:
    """Published sessions of these programs that have not opened and still have a free seat."""
    now = now or timezone.now()
    sessions = (
        _with_seats(ExamSession.objects.filter(program__in=programs, status=SessionStatus.PUBLISHED, opens_at__gt=now))
        .filter(seats_taken__lt=F("seats"))
        .order_by("opens_at", "id")
    )
    if exclude is not None:
        sessions = sessions.exclude(pk=exclude.pk)
    result = list(sessions)
    for session in result:
        session.seats_free = session.seats - session.seats_taken
    return result


def bookable_session(pk: int) -> ExamSession:
    """A published session with its program's facts and seat count; DoesNotExist otherwise."""
    session = _with_seats(
        ExamSession.objects.filter(status=SessionStatus.PUBLISHED).select_related("program__standard", "program__level")
    ).get(pk=pk)
    session.seats_free = max(0, session.seats - session.seats_taken)
    return session


@dataclass
class CandidateExams:
    eligible: list[CertificationProgram] = field(default_factory=list)
    upcoming: list[Attempt] = field(default_factory=list)  # booked or checked in
    in_progress: list[Attempt] = field(default_factory=list)
    results: list[Attempt] = field(default_factory=list)


def candidate_exams(*, candidate: User, now: datetime | None = None) -> CandidateExams:
    """The dashboard's exams: two queries (programs, the candidate's attempts) however many there are.

    Each upcoming attempt carries `check_in_open` (from 30 minutes before the window until it
    closes) and `can_change` (before the reschedule and cancel cut-off).
    """
    now = now or timezone.now()
    programs = _published_programs()
    attempts = _candidate_attempts(candidate)
    blockers = blockers_for_programs(candidate=candidate, programs=programs, attempts=attempts, now=now)
    exams = CandidateExams(eligible=[p for p in programs if not blockers[p.pk]])
    for attempt in attempts:
        if attempt.status in (A.BOOKED, A.CHECKED_IN):
            session = attempt.session
            attempt.check_in_open = session.opens_at - CHECK_IN_EARLY <= now <= session.closes_at
            attempt.can_change = attempt.status == A.BOOKED and now < session.change_cutoff
            exams.upcoming.append(attempt)
        elif attempt.status in LIVE_STATUSES:
            exams.in_progress.append(attempt)
        elif attempt.status in RESULT_STATUSES:
            exams.results.append(attempt)
    exams.upcoming.sort(key=lambda a: (a.session.opens_at, a.pk))
    exams.results.sort(key=lambda a: a.submitted_at or a.session.closes_at, reverse=True)
    return exams


__all__ = [
    "CandidateExams",
    "ProgramOffer",
    "blockers_for_programs",
    "bookable_session",
    "booking_catalogue",
    "candidate_exams",
    "open_sessions",
    "session_bookings",
    "session_for_admin",
    "sessions_for_admin",
]
