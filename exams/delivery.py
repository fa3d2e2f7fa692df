"""Sessions, booking and the attempt's life: one transition table, one function per action.

Every action locks the attempt row, checks the current status against ATTEMPT_TRANSITIONS,
saves with update_fields and appends an AttemptEvent. Side effects for other apps go out
through exams.hooks (a signal sent inside the transaction; receivers defer with on_commit).
"""

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache, partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exams import hooks, live
from exams.models.bank import ItemType
from exams.models.delivery import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    Attempt,
    AttemptEvent,
    AttemptStatus,
    ExamSession,
    Response,
    SessionStatus,
)
from exams.models.programs import CertificationProgram, FormItem
from exams.programs import form_freeze
from exams.scoring import apply_overrides, score_form, score_overrides, scoring_items_for_form

A = AttemptStatus

# action: (statuses it may start from, status it ends in)
ATTEMPT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "cancel": (frozenset({A.BOOKED}), A.CANCELLED),
    "check_in": (frozenset({A.BOOKED}), A.CHECKED_IN),
    "start": (frozenset({A.CHECKED_IN}), A.IN_PROGRESS),
    "pause": (frozenset({A.IN_PROGRESS}), A.PAUSED),
    "resume": (frozenset({A.PAUSED}), A.IN_PROGRESS),
    "submit": (frozenset({A.IN_PROGRESS, A.PAUSED}), A.SUBMITTED),
    "terminate": (frozenset({A.CHECKED_IN, A.IN_PROGRESS, A.PAUSED}), A.TERMINATED),
    "score": (frozenset({A.SUBMITTED, A.TERMINATED}), A.SCORED),
    "release": (frozenset({A.SCORED}), A.RELEASED),
    "expire": (frozenset({A.BOOKED, A.CHECKED_IN}), A.EXPIRED),
    "void": (frozenset({A.SUBMITTED, A.SCORED, A.TERMINATED}), A.VOIDED),
}

# Answers that arrive this long after the deadline still count: the network is not instant.
DEADLINE_GRACE = timedelta(seconds=5)


class IllegalTransition(ValidationError):
    """The attempt is not in a status this action starts from."""


class AttemptClosed(ValidationError):
    """An answer or action came when the attempt no longer takes answers (deadline, pause, end)."""


def _transition(attempt: Attempt, action: str, *, by: User | None, reason: str = "", detail=None, **fields) -> Attempt:
    """Applies one row of the table to a locked attempt. Call inside transaction.atomic()."""
    sources, target = ATTEMPT_TRANSITIONS[action]
    if attempt.status not in sources:
        raise IllegalTransition(
            _("Cannot %(action)s an attempt that is %(status)s.")
            % {"action": action.replace("_", " "), "status": attempt.get_status_display().lower()}
        )
    source = attempt.status
    attempt.status = target
    for name, value in fields.items():
        setattr(attempt, name, value)
    attempt.save(update_fields=["status", *fields])
    AttemptEvent.objects.create(
        attempt=attempt,
        from_status=source,
        to_status=target,
        action=action,
        actor=by,
        reason=reason,
        detail=detail or {},
    )
    # The candidate's screen polls the live version: it learns of the change once it is committed.
    transaction.on_commit(partial(live.bump, attempt.pk))
    return attempt


def _locked(attempt: Attempt) -> Attempt:
    return Attempt.objects.select_for_update().select_related("program", "session").get(pk=attempt.pk)


def _log(attempt: Attempt, action: str, *, by: User | None, reason: str = "", detail=None) -> AttemptEvent:
    event = AttemptEvent.objects.create(attempt=attempt, action=action, actor=by, reason=reason, detail=detail or {})
    transaction.on_commit(partial(live.bump, attempt.pk))
    return event


# --- sessions --------------------------------------------------------------------------------


def session_seats_taken(session: ExamSession) -> int:
    return session.attempts.exclude(status__in=[A.CANCELLED]).count()


@transaction.atomic
def session_publish(*, session: ExamSession, by: User) -> ExamSession:
    session = ExamSession.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.DRAFT:
        raise ValidationError(_("Only a draft session can be published."))
    if not session.program.is_published:
        raise ValidationError(_("Publish the program before its sessions."))
    session.status = SessionStatus.PUBLISHED
    session.save(update_fields=["status"])
    return session


# --- booking ---------------------------------------------------------------------------------


def booking_blockers(*, program: CertificationProgram, candidate: User, now=None) -> list[str]:
    """Why this candidate cannot book this program now; empty when they can."""
    now = now or timezone.now()
    reasons = []
    if not program.is_published:
        reasons.append(_("This program is not open for booking."))
    attempts = Attempt.objects.filter(candidate=candidate, program=program)
    if attempts.filter(status__in=OPEN_STATUSES).exists():
        reasons.append(_("You already have a booking for this program."))
    last_fail = (
        attempts.filter(status=A.RELEASED, passed=False)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    if last_fail and last_fail + timedelta(days=program.retake_wait_days) > now:
        retake = (last_fail + timedelta(days=program.retake_wait_days)).date()
        reasons.append(_("You can retake this exam from %(date)s.") % {"date": retake.isoformat()})
    year = attempts.filter(started_at__gte=now - timedelta(days=365)).exclude(status=A.VOIDED).count()
    if year >= program.retake_max_per_year:
        reasons.append(_("You have used the %(n)s attempts allowed in 12 months.") % {"n": program.retake_max_per_year})
    for check in hooks.eligibility_checks:
        reason = check(candidate, program)
        if reason:
            reasons.append(reason)
    return reasons


def earliest_retake(attempt: Attempt):
    if attempt.passed is not False or attempt.submitted_at is None:
        return None
    return (attempt.submitted_at + timedelta(days=attempt.program.retake_wait_days)).date()


def _check_seat(session: ExamSession, now) -> None:
    if session.status != SessionStatus.PUBLISHED:
        raise ValidationError(_("This session is not open for booking."))
    if session.opens_at <= now:
        raise ValidationError(_("This session has already started; choose a later one."))
    if session_seats_taken(session) >= session.seats:
        raise ValidationError(_("This session is full."))


def attempt_book(*, session: ExamSession, candidate: User, now=None) -> Attempt:
    """Holds a seat. The session row is locked so two candidates cannot take the last seat."""
    now = now or timezone.now()
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().select_related("program").get(pk=session.pk)
        _check_seat(session, now)
        reasons = booking_blockers(program=session.program, candidate=candidate, now=now)
        if reasons:
            raise ValidationError(reasons)
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    candidate=candidate,
                    program=session.program,
                    session=session,
                    duration_seconds=session.program.duration_minutes * 60,
                )
        except IntegrityError:
            raise ValidationError(_("You already have a booking for this program.")) from None
        _log(attempt, "book", by=candidate, detail={"session": session.pk})
    return attempt


def _before_cutoff(attempt: Attempt, now) -> None:
    if now >= attempt.session.change_cutoff:
        raise ValidationError(
            _("Changes close %(hours)s hours before the session starts.")
            % {"hours": attempt.session.change_cutoff_hours}
        )


@transaction.atomic
def attempt_reschedule(*, attempt: Attempt, session: ExamSession, by: User, now=None) -> Attempt:
    now = now or timezone.now()
    attempt = _locked(attempt)
    if attempt.status != A.BOOKED:
        raise IllegalTransition(_("Only a booked seat can be moved."))
    if session.program_id != attempt.program_id:
        raise ValidationError(_("Choose a session of the same program."))
    _before_cutoff(attempt, now)
    session = ExamSession.objects.select_for_update().get(pk=session.pk)
    _check_seat(session, now)
    previous = attempt.session_id
    attempt.session = session
    attempt.save(update_fields=["session"])
    _log(attempt, "reschedule", by=by, detail={"from_session": previous, "to_session": session.pk})
    return attempt


@transaction.atomic
def attempt_cancel(*, attempt: Attempt, by: User, reason: str = "", now=None) -> Attempt:
    now = now or timezone.now()
    attempt = _locked(attempt)
    _before_cutoff(attempt, now)
    return _transition(attempt, "cancel", by=by, reason=reason or "cancelled by the candidate")


def attempt_cancel_with_session(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    """Cancels a booking because its session is cancelled. No cut-off applies: the candidate's own
    cancel stops at it, the session going away does not. The caller holds the attempt's lock (the
    session's cancellation locks all its attempts in one statement)."""
    return _transition(
        attempt,
        "cancel",
        by=by,
        reason=_("The session was cancelled: %(reason)s") % {"reason": reason},
        detail={"session_cancelled": attempt.session_id},
    )


def attempt_expire(*, attempt: Attempt, by: User | None, reason: str = "no-show: the start window closed") -> bool:
    """Records a seat never used (booked or checked in, never started) as a no-show; False when the
    attempt moved on meanwhile (started, cancelled, or expired by someone else)."""
    with transaction.atomic():
        locked = _locked(attempt)
        if locked.status not in (A.BOOKED, A.CHECKED_IN):
            return False
        _transition(locked, "expire", by=by, reason=reason)
    return True


# --- check-in and start ----------------------------------------------------------------------

CHECK_IN_EARLY = timedelta(minutes=30)


@transaction.atomic
def attempt_check_in(*, attempt: Attempt, by: User, agreement_accepted: bool, now=None) -> Attempt:
    """The candidate accepts the candidate agreement; check-in opens 30 minutes before the window.

    The candidate's form is drawn and frozen here rather than at the start: on an exam morning the
    candidates of a session check in over half an hour but press "Start" in the same minute, and a
    start that only starts the clock keeps that minute fast. The form stays unseen until the start
    (every view of it requires an attempt in progress).
    """
    now = now or timezone.now()
    attempt = _locked(attempt)
    if not agreement_accepted:
        raise ValidationError({"agreement": _("Accept the candidate agreement to check in.")})
    if now < attempt.session.opens_at - CHECK_IN_EARLY:
        raise ValidationError(_("Check-in opens 30 minutes before the session."))
    if now > attempt.session.closes_at:
        raise ValidationError(_("The start window of this session has closed."))
    form = attempt.form or form_freeze(program=attempt.program)
    return _transition(attempt, "check_in", by=by, form=form, agreement_accepted_at=now, checked_in_at=now)


def start_blockers(attempt: Attempt) -> list[str]:
    return [reason for check in hooks.start_blockers if (reason := check(attempt))]


@transaction.atomic
def attempt_start(*, attempt: Attempt, by: User, driver: str, extra_time_percent: int = 0, now=None) -> Attempt:
    """Starts the clock on the form frozen at check-in (drawn now for an attempt that has none)."""
    now = now or timezone.now()
    attempt = _locked(attempt)
    if attempt.agreement_accepted_at is None:
        raise ValidationError(_("Accept the candidate agreement before starting."))
    if now < attempt.session.opens_at:
        raise ValidationError(_("The session has not opened yet."))
    if now > attempt.session.closes_at:
        raise ValidationError(_("The start window of this session has closed."))
    reasons = start_blockers(attempt)
    if reasons:
        raise ValidationError(reasons)
    form_id = attempt.form_id or form_freeze(program=attempt.program).pk
    duration = attempt.program.duration_minutes * 60
    accommodation = duration * max(0, extra_time_percent) // 100
    attempt.started_at = now
    attempt.duration_seconds, attempt.accommodation_seconds = duration, accommodation
    return _transition(
        attempt,
        "start",
        by=by,
        form_id=form_id,
        started_at=now,
        duration_seconds=duration,
        accommodation_seconds=accommodation,
        deadline=now + timedelta(seconds=duration + accommodation + attempt.extension_seconds),
        driver=driver,
        last_seen_at=now,
        detail={"extra_time_percent": extra_time_percent},
    )


# --- the clock and the driver ----------------------------------------------------------------


class WrongDevice(PermissionDenied):
    """Another browser session is driving this attempt."""


def check_driver(attempt: Attempt, driver: str) -> None:
    if attempt.driver and attempt.driver != driver:
        raise WrongDevice(
            _("This exam is open in another browser. Continue there; ask your proctor to move it if you cannot.")
        )


def enforce_deadline(attempt: Attempt, now=None) -> Attempt:
    """Submits an attempt whose time is up (plus the network grace); a no-op otherwise."""
    now = now or timezone.now()
    if attempt.status == A.IN_PROGRESS and attempt.deadline and now > attempt.deadline + DEADLINE_GRACE:
        return attempt_submit(attempt=attempt, by=None, reason="time ran out", now=now)
    return attempt


@transaction.atomic
def attempt_pause(*, attempt: Attempt, by: User, reason: str, now=None) -> Attempt:
    now = now or timezone.now()
    attempt = _locked(attempt)
    return _transition(attempt, "pause", by=by, reason=reason, paused_at=now)


@transaction.atomic
def attempt_resume(*, attempt: Attempt, by: User, reason: str, now=None) -> Attempt:
    now = now or timezone.now()
    attempt = _locked(attempt)
    # Rounded, not truncated: a pause moves the clock by at most half a second either way.
    paused = round((now - attempt.paused_at).total_seconds()) if attempt.paused_at else 0
    attempt.paused_seconds += paused
    return _transition(
        attempt,
        "resume",
        by=by,
        reason=reason,
        paused_at=None,
        paused_seconds=attempt.paused_seconds,
        deadline=attempt.compute_deadline(),
        detail={"paused_seconds": paused},
    )


@transaction.atomic
def attempt_extend(*, attempt: Attempt, seconds: int, by: User, reason: str) -> Attempt:
    """A proctor's extra time: moves the deadline, logged with the reason."""
    if seconds <= 0 or seconds > 4 * 3600:
        raise ValidationError({"seconds": _("Add between 1 second and 4 hours.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    attempt = _locked(attempt)
    if attempt.status not in (A.CHECKED_IN, *LIVE_STATUSES):
        raise IllegalTransition(_("Time can only be added before or during the exam."))
    attempt.extension_seconds += seconds
    attempt.deadline = attempt.compute_deadline()
    attempt.save(update_fields=["extension_seconds", "deadline"])
    _log(attempt, "extend", by=by, reason=reason, detail={"seconds": seconds})
    return attempt


def attempt_heartbeat(*, attempt: Attempt, driver: str, now=None) -> Attempt:
    now = now or timezone.now()
    check_driver(attempt, driver)
    Attempt.objects.filter(pk=attempt.pk).update(last_seen_at=now)
    attempt.last_seen_at = now
    return enforce_deadline(attempt, now)


# --- answers ---------------------------------------------------------------------------------


def _clean_value(item_type: str, value: Sequence, n_options: int) -> list[int]:
    try:
        positions = [int(v) for v in value]
    except (TypeError, ValueError):
        raise ValidationError(_("An answer is a list of option numbers.")) from None
    if len(set(positions)) != len(positions) or any(not 1 <= p <= n_options for p in positions):
        raise ValidationError(_("The answer names an option the item does not have."))
    if item_type in (ItemType.SINGLE, ItemType.TRUE_FALSE) and len(positions) > 1:
        raise ValidationError(_("Choose one option."))
    if item_type == ItemType.ORDERING and positions and len(positions) != n_options:
        raise ValidationError(_("Put every step in order."))
    return positions


_UPSERT = """
INSERT INTO exams_response (attempt_id, form_item_id, value, flagged, client_seq, saved_at)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (attempt_id, form_item_id) DO UPDATE
SET value = EXCLUDED.value, flagged = EXCLUDED.flagged, client_seq = EXCLUDED.client_seq, saved_at = EXCLUDED.saved_at
WHERE exams_response.client_seq < EXCLUDED.client_seq
"""


def response_save(
    *,
    attempt: Attempt,
    form_item: FormItem,
    value: Sequence,
    flagged: bool,
    client_seq: int,
    driver: str,
    n_options: int,
    now=None,
) -> bool:
    """Stores an answer unless a newer one (higher client sequence) is already stored.

    One statement, no lock: a late or repeated request can never overwrite a newer answer, and
    two requests for one item cannot both win. Returns whether this request's answer is stored.
    """
    import json

    now = now or timezone.now()
    check_driver(attempt, driver)
    if attempt.status == A.PAUSED:
        raise AttemptClosed(_("Your exam is paused. Answers are saved again when it resumes."))
    if attempt.status != A.IN_PROGRESS:
        raise AttemptClosed(_("This exam no longer takes answers."))
    if attempt.deadline and now > attempt.deadline + DEADLINE_GRACE:
        enforce_deadline(attempt, now)
        raise AttemptClosed(_("Time is up: answers after the deadline are not accepted."))
    positions = _clean_value(form_item.item_version.type, value, n_options)
    if client_seq < 0:
        raise ValidationError(_("The sequence number must not be negative."))
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [attempt.pk, form_item.pk, json.dumps(positions), flagged, client_seq, now])
        stored = cursor.rowcount == 1
    if attempt.current_position != form_item.position:
        Attempt.objects.filter(pk=attempt.pk).update(current_position=form_item.position, last_seen_at=now)
    return stored


# The answer, its conditions and the move to the item in one statement. The attempt row is
# updated first, only while it is in progress, driven by this browser and within its time
# (deadline plus the grace): its row lock orders the answer against a pause or a submission, which
# lock it too, so an answer is either in before the attempt closes (and scored) or refused.
_UPSERT_IF_LIVE = """
WITH live AS (
    UPDATE exams_attempt SET current_position = %(position)s, last_seen_at = %(now)s
    WHERE id = %(attempt)s AND candidate_id = %(candidate)s AND status = %(in_progress)s
      AND (driver = '' OR driver = %(driver)s) AND deadline >= %(cutoff)s
    RETURNING id, deadline
)
INSERT INTO exams_response (attempt_id, form_item_id, value, flagged, client_seq, saved_at)
SELECT id, %(form_item)s, %(value)s::jsonb, %(flagged)s, %(seq)s, %(now)s FROM live
ON CONFLICT (attempt_id, form_item_id) DO UPDATE
SET value = EXCLUDED.value, flagged = EXCLUDED.flagged, client_seq = EXCLUDED.client_seq,
    saved_at = EXCLUDED.saved_at
WHERE exams_response.client_seq < EXCLUDED.client_seq
RETURNING (SELECT deadline FROM live),
    (SELECT coalesce(max(id), 0) FROM exams_attemptevent WHERE attempt_id = %(attempt)s)
"""


# The statement is prepared once on each persistent database connection: planning it costs
# PostgreSQL about as much again as running it (0.2 of 0.47 ms measured), and every candidate
# sends it once a second. A connection that lost it (a restart, a pooler handing out another
# server connection) gets the plain statement, so nothing depends on the preparation.
_ANSWER_STATEMENT = "certdesk_answer_if_live"
_ANSWER_PARAMS = "attempt candidate in_progress driver cutoff form_item value flagged seq now position".split()


def _numbered(sql: str, names: Sequence[str]) -> str:
    """The statement with PREPARE's $1, $2… in place of its %(name)s placeholders."""
    for n, name in enumerate(names, start=1):
        sql = sql.replace(f"%({name})s", f"${n}")
    return sql


_PREPARED_UPSERT_IF_LIVE = _numbered(_UPSERT_IF_LIVE, _ANSWER_PARAMS)
_NO_SUCH_STATEMENT = "26000"  # PostgreSQL's invalid_sql_statement_name
_EXECUTE_ANSWER = f"EXECUTE {_ANSWER_STATEMENT} ({', '.join(['%s'] * len(_ANSWER_PARAMS))})"


def _execute_answer(cursor, params: dict) -> None:
    # Not inside a transaction (where a missing statement would abort it), and only on connections
    # that outlive the request: on a new connection per request preparing is one more round trip.
    if connection.in_atomic_block or connection.settings_dict.get("CONN_MAX_AGE") == 0:
        cursor.execute(_UPSERT_IF_LIVE, params)
        return
    raw = connection.connection
    if getattr(connection, "_answer_prepared_on", None) is not raw:
        cursor.execute(f"PREPARE {_ANSWER_STATEMENT} AS {_PREPARED_UPSERT_IF_LIVE}")
        connection._answer_prepared_on = raw
    try:
        cursor.execute(_EXECUTE_ANSWER, [params[name] for name in _ANSWER_PARAMS])
    except DatabaseError as error:
        if getattr(error.__cause__, "pgcode", None) != _NO_SUCH_STATEMENT:
            raise
        connection._answer_prepared_on = None
        cursor.execute(_UPSERT_IF_LIVE, params)


@lru_cache(maxsize=4096)
def form_item_shapes(form_id: int) -> dict[int, tuple[int, str, int]]:
    """position → (form item id, item type, option count) of a frozen form. A frozen form never
    changes, so each process keeps the shapes of the forms it has served (read them, never change them)."""
    rows = FormItem.objects.filter(form_id=form_id).values_list("position", "pk", "item_version__type", "option_order")
    return {position: (pk, item_type, len(order)) for position, pk, item_type, order in rows}


def response_save_if_live(
    *,
    attempt_id: int,
    candidate_id: int,
    form_id: int,
    position: int,
    value: Sequence,
    flagged: bool,
    client_seq: int,
    driver: str,
    now=None,
) -> tuple[int, int] | None:
    """response_save for the common case, in one database round trip: a valid answer, newer than
    the stored one, to an attempt in progress that this browser drives, within its time.

    Returns (seconds remaining, the attempt's last event id: see last_event_id) when the answer is
    stored; None for anything else (a bad answer, an older sequence, a pause, another browser, time
    up, another candidate's attempt): response_save then decides and says why. Nothing is stored
    then; an older sequence to a live attempt still moves it to the item, as response_save does.
    """
    import json

    if connection.vendor != "postgresql":
        # _UPSERT_IF_LIVE is PostgreSQL's (an UPDATE inside WITH): on the embedded SQLite database
        # of `make run` every answer takes the checked path, which stores it the same way.
        return None
    now = now or timezone.now()
    shape = form_item_shapes(form_id).get(position)
    if shape is None or client_seq < 0:
        return None
    form_item_id, item_type, n_options = shape
    try:
        positions = _clean_value(item_type, value, n_options)
    except ValidationError:
        return None
    with connection.cursor() as cursor:
        _execute_answer(
            cursor,
            {
                "attempt": attempt_id,
                "candidate": candidate_id,
                "in_progress": A.IN_PROGRESS.value,
                "driver": driver,
                "cutoff": now - DEADLINE_GRACE,
                "form_item": form_item_id,
                "value": json.dumps(positions),
                "flagged": flagged,
                "seq": client_seq,
                "now": now,
                "position": position,
            },
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    # In progress, the deadline is the clock: every transition that moves it stores compute_deadline().
    return max(0, int((row[0] - now).total_seconds())), row[1]


def attempt_refresh_with_last_event(attempt: Attempt, fields: Sequence[str]) -> int:
    """Re-reads these fields of the attempt and returns its last event id, from one statement: one
    snapshot, so the state read is exactly the state as of that event (see last_event_id)."""
    newest = AttemptEvent.objects.filter(attempt_id=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    row = Attempt.objects.filter(pk=attempt.pk).values(*fields, last_event=Coalesce(Subquery(newest), 0)).get()
    for name in fields:
        setattr(attempt, name, row[name])
    return row["last_event"]


def last_event_id(attempt_id: int) -> int:
    """The id of the attempt's newest event, 0 before any.

    Every transition and every logged action (a proctor's message, extra time, a device move) adds
    an event, so the exam screen compares this number with the one it holds to learn that it should
    fetch the attempt's state; autosave replies carry it at no extra round trip (_UPSERT_IF_LIVE).
    """
    return AttemptEvent.objects.filter(attempt_id=attempt_id).aggregate(last=Max("pk"))["last"] or 0


# --- submit, score, release ------------------------------------------------------------------


def attempt_submit(*, attempt: Attempt, by: User | None, reason: str = "", now=None) -> Attempt:
    """Makes the answers final, copies the legal name for the certificate, scores, and releases
    at once unless something holds the result for review."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked(attempt)
        if attempt.status not in ATTEMPT_TRANSITIONS["submit"][0]:
            if attempt.status in (A.SUBMITTED, A.SCORED, A.RELEASED):
                return attempt  # the deadline task and the candidate may race: once is enough
            raise IllegalTransition(_("This attempt cannot be submitted."))
        _transition(
            attempt,
            "submit",
            by=by,
            reason=reason or "submitted by the candidate",
            submitted_at=now,
            legal_name=hooks.legal_name_for(attempt.candidate),
            paused_at=None,
        )
        attempt_score(attempt=attempt, by=by)
        if not release_holds(attempt):
            _release(attempt, by=by)  # the attempt is locked already
    return attempt


def _responses_by_position(attempt: Attempt) -> dict[int, list[int]]:
    return dict(Response.objects.filter(attempt=attempt).values_list("form_item__position", "value"))


def attempt_score(*, attempt: Attempt, by: User | None, reason: str = "") -> Attempt:
    """Scores (or rescores) from the frozen form, the stored answers and the program's adjustments."""
    items = apply_overrides(scoring_items_for_form(attempt.form), score_overrides(program=attempt.program))
    result = score_form(items, _responses_by_position(attempt), scale=attempt.program.score_scale())
    summary = result.as_dict()
    fields = {
        "raw_score": Decimal(str(round(float(result.raw), 3))),
        "max_score": result.maximum,
        "percent": Decimal(str(summary["percent"])),
        "scaled_score": result.scaled,
        "passed": result.passed,
        "domain_scores": summary["domains"],
        "competency_scores": summary["competencies"],
        "scored_at": timezone.now(),
    }
    if attempt.status in ATTEMPT_TRANSITIONS["score"][0]:
        return _transition(attempt, "score", by=by, reason=reason, **fields)
    if attempt.status in (A.SCORED, A.RELEASED):  # a rescore: same status, new figures, audited
        before = {"raw_score": str(attempt.raw_score), "passed": attempt.passed}
        for name, value in fields.items():
            setattr(attempt, name, value)
        attempt.save(update_fields=list(fields))
        _log(
            attempt,
            "rescore",
            by=by,
            reason=reason,
            detail={"before": before, "after": {"raw_score": str(attempt.raw_score), "passed": attempt.passed}},
        )
        return attempt
    raise IllegalTransition(_("This attempt cannot be scored."))


def release_holds(attempt: Attempt) -> list[str]:
    reasons = [_("Flagged for review.")] if attempt.review_flag else []
    return reasons + [reason for check in hooks.release_blockers if (reason := check(attempt))]


def release_if_clear(*, attempt: Attempt, by: User | None) -> bool:
    if release_holds(attempt):
        return False
    attempt_release(attempt=attempt, by=by)
    return True


def attempt_release(*, attempt: Attempt, by: User | None, reason: str = "") -> Attempt:
    """Shows the result; certificates and emails listen to `result_released` (inside this transaction)."""
    with transaction.atomic():
        return _release(_locked(attempt), by=by, reason=reason)


def _release(attempt: Attempt, *, by: User | None, reason: str = "") -> Attempt:
    """attempt_release on an attempt this transaction has locked."""
    _transition(attempt, "release", by=by, reason=reason, released_at=timezone.now())
    hooks.result_released.send(sender=Attempt, attempt=attempt)
    return attempt


@transaction.atomic
def attempt_terminate(*, attempt: Attempt, by: User, reason: str, outcome: str) -> Attempt:
    """Ends an attempt now. outcome 'submit' scores the answers as they are; 'void' cancels the result."""
    if outcome not in ("submit", "void"):
        raise ValidationError({"outcome": _("Choose to submit the answers as they are or to void the attempt.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    attempt = _locked(attempt)
    _transition(
        attempt,
        "terminate",
        by=by,
        reason=reason,
        submitted_at=timezone.now(),
        legal_name=hooks.legal_name_for(attempt.candidate),
        paused_at=None,
        detail={"outcome": outcome},
    )
    if outcome == "void":
        return _transition(attempt, "void", by=by, reason=reason)
    if attempt.started_at:  # the form is frozen at check-in; only an exam that began has answers to score
        attempt_score(attempt=attempt, by=by, reason=reason)
        # A terminated exam is reviewed before anyone sees the result.
        Attempt.objects.filter(pk=attempt.pk).update(review_flag=True)
        attempt.review_flag = True
    return attempt


@transaction.atomic
def attempt_void(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    return _transition(_locked(attempt), "void", by=by, reason=reason)


# --- a proctor's actions that change no status -------------------------------------------------

MESSAGE_MAX_LENGTH = 1000
# Stored as the driver while an attempt moves: no browser matches it until one claims the attempt.
MOVING = "moving"
# Statuses in which the result is not yet settled, so a flag can still hold it.
FLAGGABLE_STATUSES = (A.CHECKED_IN, A.IN_PROGRESS, A.PAUSED, A.SUBMITTED, A.SCORED, A.TERMINATED)


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    return reason.strip()


@transaction.atomic
def attempt_message(*, attempt: Attempt, by: User, text: str, reason: str) -> AttemptEvent:
    """A proctor's message to the candidate's screen, kept in the attempt's history with the reason."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the message.")})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"text": _("Keep the message under %(n)s characters.") % {"n": MESSAGE_MAX_LENGTH}})
    reason = _require_reason(reason)
    attempt = _locked(attempt)
    if attempt.status not in (A.CHECKED_IN, *LIVE_STATUSES):
        raise IllegalTransition(_("Messages reach a candidate only before or during the exam."))
    return _log(attempt, "message", by=by, reason=reason, detail={"text": text})


def attempt_messages(attempt: Attempt, *, after: int = 0) -> list[AttemptEvent]:
    return list(attempt.events.filter(action="message", pk__gt=after).order_by("pk").only("pk", "detail", "at"))


@transaction.atomic
def attempt_move_device(*, attempt: Attempt, by: User, reason: str) -> Attempt:
    """Lets the exam go on in another browser: the one driving it now is shut out at its next request,
    and the first browser of the candidate's to open the exam afterwards drives it (attempt_claim_driver)."""
    reason = _require_reason(reason)
    attempt = _locked(attempt)
    if attempt.status not in LIVE_STATUSES:
        raise IllegalTransition(_("Only an exam in progress can move to another device."))
    previous = attempt.driver
    attempt.driver = MOVING
    attempt.save(update_fields=["driver"])
    # A prefix of the keyed hash is enough to recognise the old browser later and reveals nothing.
    _log(attempt, "move_device", by=by, reason=reason, detail={"from_driver": previous[:16]})
    return attempt


def attempt_claim_driver(*, attempt: Attempt, driver: str) -> bool:
    """Makes this browser the driver of an attempt a proctor let move; False when it is not moving.

    One conditional UPDATE: when two browsers open the exam at once, exactly one claims it.
    """
    if attempt.driver != MOVING:
        return False
    with transaction.atomic():
        now = timezone.now()
        claimed = Attempt.objects.filter(pk=attempt.pk, driver=MOVING).update(driver=driver, last_seen_at=now)
        if claimed:
            attempt.driver = driver
            AttemptEvent.objects.create(
                attempt=attempt, action="claim_device", actor_id=attempt.candidate_id, detail={"driver": driver[:16]}
            )
    return bool(claimed)


def moved_away(attempt: Attempt, driver: str) -> bool:
    """Whether this browser drove the attempt until a proctor moved the exam to another device."""
    return attempt.events.filter(action="move_device", detail__from_driver=driver[:16]).exists()


@transaction.atomic
def attempt_flag_for_review(*, attempt: Attempt, by: User, reason: str, flagged: bool = True) -> Attempt:
    """Raises (or lowers) the review flag; while it is up the result is not released (release_holds)."""
    reason = _require_reason(reason)
    attempt = _locked(attempt)
    if attempt.status not in FLAGGABLE_STATUSES:
        raise IllegalTransition(_("The result of this attempt is already settled."))
    if attempt.review_flag == flagged:
        return attempt
    attempt.review_flag = flagged
    attempt.save(update_fields=["review_flag"])
    _log(attempt, "flag" if flagged else "unflag", by=by, reason=reason)
    return attempt


# --- the beat's sweep ------------------------------------------------------------------------


def attempts_sweep(now=None) -> dict[str, int]:
    """Submits attempts whose time is up (even with the browser closed) and expires no-shows."""
    now = now or timezone.now()
    submitted = expired = 0
    for attempt in Attempt.objects.filter(status=A.IN_PROGRESS, deadline__lt=now - DEADLINE_GRACE).order_by("pk"):
        attempt_submit(attempt=attempt, by=None, reason="time ran out", now=now)
        submitted += 1
    for attempt in Attempt.objects.filter(
        Q(status=A.BOOKED) | Q(status=A.CHECKED_IN), session__closes_at__lt=now
    ).order_by("pk"):
        expired += attempt_expire(attempt=attempt, by=None)
    return {"submitted": submitted, "expired": expired}
