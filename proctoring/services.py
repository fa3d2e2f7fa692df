"""The proctor's and the reviewer's actions. Each takes the acting user as `by` and a reason, checks
that `by` may act (access.check_proctor, review_blockers), and changes the attempt only through
its own functions in exams.delivery, which log every change as an AttemptEvent and tell the
candidate's screen (exams.live) once the transaction commits.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from exams import delivery, live
from exams import sessions as exam_sessions
from exams.models.delivery import Attempt, AttemptEvent, AttemptStatus, ExamSession
from exams.models.programs import CertificationProgram, ProgramEvent
from exams.models.sessions import SessionEvent
from proctoring.access import check_proctor
from proctoring.models import (
    Admission,
    IdDocument,
    Incident,
    IntegrityKind,
    IntegrityThreshold,
    ProctorNote,
    ReviewDecision,
)

A = AttemptStatus

# A candidate who arrives (checks in) this long after the start window opens is recorded as late.
LATE_AFTER = timedelta(minutes=10)
MAX_EXTRA_MINUTES = 240
# Who may review a held attempt after the session, provided they did not proctor it.
REVIEW_ROLES = (Role.PROGRAM_ADMIN, Role.PROCTOR)
# The attempt-history actions that make their actor one of the attempt's proctors (a reviewer's void is not one).
PROCTOR_ACTIONS = ("pause", "resume", "extend", "message", "move_device", "flag", "terminate")
SESSION_PAUSE, SESSION_RESUME = "proctor_pause", "proctor_resume"


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    return reason


# --- admission ---------------------------------------------------------------------------------


def admission_blocker(attempt: Attempt) -> str | None:
    """exams.hooks.start_blockers entry: in a proctored session, only an admitted candidate starts."""
    if attempt.session.proctor_id is None:
        return None
    if Admission.objects.filter(attempt_id=attempt.pk).exists():
        return None
    return _("Your proctor has not admitted you yet. Stay on this page: it changes as soon as you are admitted.")


def session_paused(session: ExamSession) -> bool:
    latest = (
        SessionEvent.objects.filter(session=session, action__in=[SESSION_PAUSE, SESSION_RESUME])
        .order_by("-at", "-pk")
        .values_list("action", flat=True)
        .first()
    )
    return latest == SESSION_PAUSE


def session_pause_blocker(attempt: Attempt) -> str | None:
    """exams.hooks.start_blockers entry: nobody starts while the proctor has the whole session paused."""
    if attempt.session.proctor_id is None or not session_paused(attempt.session):
        return None
    return _("The proctor has paused the session. You can start when it resumes.")


def minutes_late(session: ExamSession, arrived_at: datetime) -> int:
    if arrived_at <= session.opens_at + LATE_AFTER:
        return 0
    return int((arrived_at - session.opens_at).total_seconds() // 60)


def admission_record(
    *,
    attempt: Attempt,
    by: User,
    id_name: str,
    id_document_type: str,
    id_number_last4: str,
    photo: File | None = None,
    now: datetime | None = None,
) -> Admission:
    """Admits a candidate after the identity check; records the check and whether they came late."""
    now = now or timezone.now()
    check_proctor(by, attempt.session)
    errors = {}
    id_name = (id_name or "").strip()
    last4 = (id_number_last4 or "").strip()
    if not id_name:
        errors["id_name"] = _("Enter the name as it is written on the document.")
    if id_document_type not in IdDocument.values:
        errors["id_document_type"] = _("Choose the kind of document.")
    if len(last4) != 4 or not last4.isascii() or not last4.isalnum():
        errors["id_number_last4"] = _("Enter exactly the last four letters or digits of the document number.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("session").get(pk=attempt.pk)
        session = attempt.session
        if session.proctor_id is None:
            raise ValidationError(_("This session has no proctor: its candidates check themselves in."))
        if attempt.status not in (A.BOOKED, A.CHECKED_IN):
            raise ValidationError(_("Only a candidate who has not started yet can be admitted."))
        if now > session.closes_at:
            raise ValidationError(_("The start window of this session has closed."))
        arrived = attempt.checked_in_at or now
        try:
            with transaction.atomic():
                admission = Admission(
                    attempt=attempt,
                    admitted_by=by,
                    admitted_at=now,
                    id_name=id_name,
                    id_document_type=id_document_type,
                    id_number_last4=last4.upper(),
                    arrived_at=arrived,
                    minutes_late=minutes_late(session, arrived),
                )
                if photo is not None:
                    admission.photo.save(photo.name, photo, save=False)
                admission.save()
        except IntegrityError:
            raise ValidationError(_("This candidate is already admitted.")) from None
        # The candidate's start page waits on the live version to learn it may start.
        transaction.on_commit(lambda: live.bump(attempt.pk))
    return admission


# --- actions on one attempt ----------------------------------------------------------------------


def proctor_pause(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    check_proctor(by, attempt.session)
    return delivery.attempt_pause(attempt=attempt, by=by, reason=_reason(reason))


def proctor_resume(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    check_proctor(by, attempt.session)
    return delivery.attempt_resume(attempt=attempt, by=by, reason=_reason(reason))


def proctor_extend(*, attempt: Attempt, by: User, minutes: int, reason: str) -> Attempt:
    check_proctor(by, attempt.session)
    if not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise ValidationError({"minutes": _("Add between 1 and %(max)s minutes.") % {"max": MAX_EXTRA_MINUTES}})
    return delivery.attempt_extend(attempt=attempt, seconds=minutes * 60, by=by, reason=_reason(reason))


def proctor_message(*, attempt: Attempt, by: User, text: str, reason: str) -> AttemptEvent:
    check_proctor(by, attempt.session)
    return delivery.attempt_message(attempt=attempt, by=by, text=text, reason=_reason(reason))


def proctor_move_device(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    check_proctor(by, attempt.session)
    return delivery.attempt_move_device(attempt=attempt, by=by, reason=_reason(reason))


def proctor_flag(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    check_proctor(by, attempt.session)
    return delivery.attempt_flag_for_review(attempt=attempt, by=by, reason=_reason(reason))


def _settle_incidents(attempt: Attempt, *, by: User, outcome: str, reason: str, now: datetime) -> int:
    return Incident.objects.filter(attempt=attempt, status=Incident.Status.OPEN).update(
        status=Incident.Status.DECIDED, outcome=outcome, decided_by=by, decided_at=now, decision_reason=reason
    )


def proctor_terminate(*, attempt: Attempt, by: User, reason: str, outcome: str) -> Attempt:
    """Ends the exam now: 'void' cancels the result, 'submit' scores the answers as they are and holds
    the result for review. Open incidents are closed as decided by the termination."""
    check_proctor(by, attempt.session)
    reason = _reason(reason)
    with transaction.atomic():
        attempt = delivery.attempt_terminate(attempt=attempt, by=by, reason=reason, outcome=outcome)
        _settle_incidents(attempt, by=by, outcome=Incident.Outcome.TERMINATED, reason=reason, now=timezone.now())
    return attempt


# --- the whole session -----------------------------------------------------------------------------


def session_pause(*, session: ExamSession, by: User, reason: str, now: datetime | None = None) -> list[Attempt]:
    """Pauses every exam in progress in the session (their clocks stop) and holds back new starts."""
    check_proctor(by, session)
    reason = _reason(reason)
    with transaction.atomic():
        # The session row serialises pause and resume of one session.
        session = ExamSession.objects.select_for_update().get(pk=session.pk)
        if session_paused(session):
            raise ValidationError(_("The session is already paused."))
        paused = []
        for attempt in Attempt.objects.filter(session=session, status=A.IN_PROGRESS).order_by("pk"):
            paused.append(delivery.attempt_pause(attempt=attempt, by=by, reason=reason, now=now))
        SessionEvent.objects.create(
            session=session, action=SESSION_PAUSE, actor=by, reason=reason, detail={"attempts": [a.pk for a in paused]}
        )
    return paused


def session_resume(*, session: ExamSession, by: User, reason: str, now: datetime | None = None) -> list[Attempt]:
    """Resumes the exams the session pause stopped; one paused on its own before stays paused."""
    check_proctor(by, session)
    reason = _reason(reason)
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=session.pk)
        pause = (
            SessionEvent.objects.filter(session=session, action__in=[SESSION_PAUSE, SESSION_RESUME])
            .order_by("-at", "-pk")
            .first()
        )
        if pause is None or pause.action != SESSION_PAUSE:
            raise ValidationError(_("The session is not paused."))
        resumed = []
        for attempt in Attempt.objects.filter(pk__in=pause.detail.get("attempts", []), status=A.PAUSED).order_by("pk"):
            resumed.append(delivery.attempt_resume(attempt=attempt, by=by, reason=reason, now=now))
        SessionEvent.objects.create(
            session=session,
            action=SESSION_RESUME,
            actor=by,
            reason=reason,
            detail={"attempts": [a.pk for a in resumed]},
        )
    return resumed


def session_no_shows(*, session: ExamSession, by: User, now: datetime | None = None) -> int:
    """Records as no-shows the seats unused when the start window has closed (the sweep does it too)."""
    check_proctor(by, session)
    return exam_sessions.session_record_no_shows(session=session, by=by, now=now)


# --- notes and incidents ---------------------------------------------------------------------------


def note_add(*, session: ExamSession, by: User, text: str, attempt: Attempt | None = None) -> ProctorNote:
    check_proctor(by, session)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    if attempt is not None and attempt.session_id != session.pk:
        raise ValidationError(_("This attempt belongs to another session."))
    return ProctorNote.objects.create(session=session, attempt=attempt, author=by, text=text)


def incident_open(*, attempt: Attempt, by: User, summary: str) -> Incident:
    """A proctor's own observation (someone else in the room, a phone on the desk) as an open incident."""
    check_proctor(by, attempt.session)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Say what you observed.")})
    try:
        with transaction.atomic():
            return Incident.objects.create(
                attempt=attempt, session_id=attempt.session_id, kind=Incident.OBSERVATION, summary=summary, opened_by=by
            )
    except IntegrityError:
        raise ValidationError(_("An observation on this attempt is already open: decide it first.")) from None


PROCTOR_OUTCOMES = (
    Incident.Outcome.DISMISSED,
    Incident.Outcome.WARNED,
    Incident.Outcome.REFERRED,
    Incident.Outcome.TERMINATED,
)


def incident_decide(
    *,
    incident: Incident,
    by: User,
    outcome: str,
    reason: str,
    message: str = "",
    terminate_outcome: str = "",
) -> Incident:
    """The proctor's decision on an open incident, and what it sets off: a warning goes to the
    candidate's screen, a referral flags the attempt for review, a termination ends the exam."""
    attempt = incident.attempt
    check_proctor(by, attempt.session)
    reason = _reason(reason)
    if outcome not in PROCTOR_OUTCOMES:
        raise ValidationError({"outcome": _("Choose a decision.")})
    if outcome == Incident.Outcome.WARNED and not message.strip():
        raise ValidationError({"message": _("Write the warning the candidate will see.")})
    if outcome == Incident.Outcome.TERMINATED and terminate_outcome not in ("submit", "void"):
        raise ValidationError({"terminate_outcome": _("Choose to submit the answers as they are or to void.")})
    attempt.refresh_from_db(fields=["status", "review_flag"])
    if outcome in (Incident.Outcome.WARNED, Incident.Outcome.TERMINATED) and attempt.status not in (
        A.CHECKED_IN,
        A.IN_PROGRESS,
        A.PAUSED,
    ):
        raise ValidationError({"outcome": _("The exam is over: decide to dismiss the incident or to refer it.")})
    now = timezone.now()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if not incident.is_open:
            raise ValidationError(_("This incident is already decided."))
        incident.status = Incident.Status.DECIDED
        incident.outcome = outcome
        incident.decision_reason = reason
        incident.decided_by = by
        incident.decided_at = now
        incident.save(update_fields=["status", "outcome", "decision_reason", "decided_by", "decided_at"])
        if outcome == Incident.Outcome.WARNED:
            delivery.attempt_message(attempt=attempt, by=by, text=message, reason=reason)
        elif outcome == Incident.Outcome.REFERRED:
            delivery.attempt_flag_for_review(attempt=attempt, by=by, reason=reason)
        elif outcome == Incident.Outcome.TERMINATED:
            proctor_terminate(attempt=attempt, by=by, reason=reason, outcome=terminate_outcome)
        else:
            # Decided after the candidate submitted: the result this incident held may now go out.
            attempt.refresh_from_db(fields=["status", "review_flag"])
            if attempt.status == A.SCORED:
                delivery.release_if_clear(attempt=attempt, by=by)
    return incident


# --- holding and reviewing the result ------------------------------------------------------------


def release_blocker(attempt: Attempt) -> str | None:
    """exams.hooks.release_blockers entry: an open incident holds the result until it is decided."""
    if Incident.objects.filter(attempt_id=attempt.pk, status=Incident.Status.OPEN).exists():
        return _("A proctoring incident is open: the result waits for a decision.")
    return None


def proctors_of(attempt: Attempt) -> set[int]:
    """The users who proctored this attempt: the session's proctor and anyone who acted as one on it."""
    ids = {attempt.session.proctor_id} if attempt.session.proctor_id else set()
    ids |= set(
        AttemptEvent.objects.filter(attempt=attempt, action__in=PROCTOR_ACTIONS, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )
    ids |= set(Admission.objects.filter(attempt=attempt).values_list("admitted_by_id", flat=True))
    ids |= set(ProctorNote.objects.filter(attempt=attempt).values_list("author_id", flat=True))
    for opened, decided, outcome in Incident.objects.filter(attempt=attempt).values_list(
        "opened_by_id", "decided_by_id", "outcome"
    ):
        # Settling an incident in the review is the reviewer's act, not a proctor's.
        ids |= {opened} if outcome == Incident.Outcome.REVIEWED else {opened, decided}
    return ids - {None}


def needs_review(attempt: Attempt) -> bool:
    if attempt.status not in (A.SUBMITTED, A.SCORED, A.TERMINATED):
        return False
    if ReviewDecision.objects.filter(attempt_id=attempt.pk).exists():
        return False
    return attempt.review_flag or Incident.objects.filter(attempt_id=attempt.pk, status=Incident.Status.OPEN).exists()


def may_review(user: User, attempt: Attempt) -> bool:
    """A reviewer has a review role and did not proctor the attempt: nobody judges their own session."""
    return user.is_authenticated and user.has_role(*REVIEW_ROLES) and user.pk not in proctors_of(attempt)


def review_blockers(*, attempt: Attempt, by: User) -> list[str]:
    """Why `by` may not decide this attempt's review now; empty when they may."""
    if not by.is_authenticated or not by.has_role(*REVIEW_ROLES):
        return [_("Only a program administrator or a proctor reviews attempts.")]
    if by.pk in proctors_of(attempt):
        return [_("You proctored this attempt: another reviewer must decide it.")]
    if not needs_review(attempt):
        return [_("This attempt is not waiting for a review.")]
    return []


def _review(*, attempt: Attempt, by: User, reason: str, outcome: str) -> tuple[Attempt, str]:
    reason = _reason(reason)
    attempt = Attempt.objects.select_for_update().select_related("session", "program").get(pk=attempt.pk)
    if not may_review(by, attempt):
        raise PermissionDenied(review_blockers(attempt=attempt, by=by)[0])
    if not needs_review(attempt):
        raise ValidationError(_("This attempt is not waiting for a review."))
    try:
        with transaction.atomic():
            ReviewDecision.objects.create(attempt=attempt, outcome=outcome, reason=reason, decided_by=by)
    except IntegrityError:
        raise ValidationError(_("Another reviewer has just decided this attempt.")) from None
    _settle_incidents(attempt, by=by, outcome=Incident.Outcome.REVIEWED, reason=reason, now=timezone.now())
    return attempt, reason


def review_uphold(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    """The result stands: the review flag comes down and the result is released (certificates follow)."""
    with transaction.atomic():
        attempt, reason = _review(attempt=attempt, by=by, reason=reason, outcome=ReviewDecision.Outcome.UPHELD)
        if attempt.status != A.SCORED:
            raise ValidationError(_("This attempt has no score to release: void it instead."))
        delivery.attempt_flag_for_review(attempt=attempt, by=by, reason=reason, flagged=False)
        attempt.refresh_from_db()
        holds = delivery.release_holds(attempt)
        if holds:
            raise ValidationError(holds)
        attempt = delivery.attempt_release(attempt=attempt, by=by, reason=reason)
    return attempt


def review_void(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    """No result stands: the attempt is voided and can never be released or earn a certificate."""
    with transaction.atomic():
        attempt, reason = _review(attempt=attempt, by=by, reason=reason, outcome=ReviewDecision.Outcome.VOIDED)
        attempt = delivery.attempt_void(attempt=attempt, by=by, reason=reason)
    return attempt


# --- a program's thresholds ------------------------------------------------------------------------


def thresholds_save(*, program: CertificationProgram, by: User, values: dict[str, int]) -> dict[str, int]:
    """Sets how many events of each kind open an incident in this program's sessions (0: never)."""
    if not by.has_role(Role.PROGRAM_ADMIN):
        raise PermissionDenied("Only a program administrator sets the integrity thresholds.")
    errors = {}
    for kind in IntegrityKind.values:
        value = values.get(kind)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            errors[kind] = _("A whole number from 0 to 100.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = dict(IntegrityThreshold.objects.filter(program=program).values_list("kind", "threshold"))
        for kind in IntegrityKind.values:
            IntegrityThreshold.objects.update_or_create(
                program=program, kind=kind, defaults={"threshold": values[kind]}
            )
        after = {kind: values[kind] for kind in IntegrityKind.values}
        ProgramEvent.objects.create(
            program=program,
            kind=ProgramEvent.Kind.UPDATED,
            while_published=program.is_published,
            actor=by,
            comment="integrity thresholds",
            before=before,
            after=after,
        )
    return after
