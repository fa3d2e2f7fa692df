"""Reads for the proctoring pages and the exports: the session list, the live dashboard's rows, the
incident log of an attempt or a session, and the review queue.

The dashboard refresh runs the same six queries whether the session has 3 candidates or 300
(tests/proctoring/test_dashboard.py pins it); everything per row is worked out in Python.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from exams import hooks
from exams.models.delivery import LIVE_STATUSES, Attempt, AttemptEvent, AttemptStatus, ExamSession, Response
from exams.models.delivery import SessionStatus as ExamSessionStatus
from exams.models.sessions import SessionEvent
from proctoring.models import Admission, Incident, IntegrityEvent, IntegrityKind, ProctorNote, ReviewDecision
from proctoring.services import LATE_AFTER, PROCTOR_ACTIONS, SESSION_PAUSE, SESSION_RESUME

A = AttemptStatus

# A live attempt not heard from for this long is shown offline: the exam page beats every 15 s.
ONLINE_WITHIN = timedelta(seconds=40)
# Integrity events shown on a dashboard row: the newest few of the last quarter hour.
RECENT_EVENTS = timedelta(minutes=15)
RECENT_PER_ROW = 3
RECENT_LIMIT = 3000


def candidate_name(user: User) -> str:
    return hooks.legal_name_for(user)


# --- the session list ------------------------------------------------------------------------


def sessions_for_proctor(user: User, *, past: bool = False, now: datetime | None = None) -> QuerySet:
    """Published sessions this user proctors (a program administrator: every one), with live counts."""
    now = now or timezone.now()
    sessions = ExamSession.objects.filter(status=ExamSessionStatus.PUBLISHED).select_related("program", "proctor")
    if not user.has_role(Role.PROGRAM_ADMIN):
        sessions = sessions.filter(proctor=user)
    # A session stays "current" for a day after its last start: its exams and incidents are still open.
    boundary = now - timedelta(days=1)
    sessions = (
        sessions.filter(closes_at__lt=boundary).order_by("-opens_at")
        if past
        else sessions.filter(closes_at__gte=boundary).order_by("opens_at", "pk")
    )
    return sessions.annotate(
        candidates=Count("attempts", filter=~Q(attempts__status=A.CANCELLED), distinct=True),
        live=Count("attempts", filter=Q(attempts__status__in=LIVE_STATUSES), distinct=True),
        open_incidents=Count("incidents", filter=Q(incidents__status=Incident.Status.OPEN), distinct=True),
    )


# --- the dashboard -------------------------------------------------------------------------------

STATE_LABELS = {
    "not_arrived": gettext_lazy("Not arrived"),
    "waiting": gettext_lazy("Waiting for admission"),
    "admitted": gettext_lazy("Admitted, not checked in"),
    "ready": gettext_lazy("Ready to start"),
    A.IN_PROGRESS: gettext_lazy("In progress"),
    A.PAUSED: gettext_lazy("Paused"),
    A.SUBMITTED: gettext_lazy("Submitted"),
    A.SCORED: gettext_lazy("Submitted"),
    A.RELEASED: gettext_lazy("Result released"),
    A.TERMINATED: gettext_lazy("Terminated"),
    A.VOIDED: gettext_lazy("Voided"),
    A.EXPIRED: gettext_lazy("No-show"),
}
STATE_BADGES = {
    "not_arrived": "text-bg-light border",
    "waiting": "text-bg-warning",
    "admitted": "text-bg-info",
    "ready": "text-bg-info",
    A.IN_PROGRESS: "text-bg-success",
    A.PAUSED: "text-bg-secondary",
    A.SUBMITTED: "text-bg-primary",
    A.SCORED: "text-bg-primary",
    A.RELEASED: "text-bg-primary",
    A.TERMINATED: "text-bg-danger",
    A.VOIDED: "text-bg-danger",
    A.EXPIRED: "text-bg-dark",
}
GROUPS = {
    "all": gettext_lazy("All"),
    "waiting": gettext_lazy("Waiting for admission"),
    "live": gettext_lazy("Taking the exam"),
    "attention": gettext_lazy("Needs attention"),
    "finished": gettext_lazy("Finished"),
}


def _clock(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _Words:
    """The dashboard's words, translated once per refresh rather than once per row."""

    def __init__(self):
        self.seconds_ago = _("%(n)s s ago")
        self.minutes_ago = _("%(n)s min ago")
        self.hours_ago = _("%(n)s h ago")
        self.extra_minutes = _("+%(n)s min")
        self.extra_percent = _("+%(n)s%% time")
        self.late = _("late %(n)s min")
        self.events = _("%(n)s in all")
        self.incidents = _("%(n)s open")
        self.states = {key: str(label) for key, label in STATE_LABELS.items()}
        self.kinds = {key: str(label) for key, label in IntegrityKind.choices}

    def ago(self, moment: datetime | None, now: datetime) -> str:
        if moment is None:
            return "—"
        seconds = max(0, int((now - moment).total_seconds()))
        if seconds < 60:
            return self.seconds_ago % {"n": seconds}
        if seconds < 3600:
            return self.minutes_ago % {"n": seconds // 60}
        return self.hours_ago % {"n": seconds // 3600}


class Row(dict):
    """One candidate on the dashboard, every value ready to print: the template does no work.

    A dict, read as attributes in Python: the template engine tries a key lookup first, so 300 rows of
    a dozen values each render without an exception per value.
    """

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class Dashboard:
    rows: list[Row]
    counts: dict[str, int] = field(default_factory=dict)
    show: str = "all"
    live: bool = False


def _accommodations(session: ExamSession, today, attempt_id: int | None = None) -> dict[int, tuple[int, str]]:
    """Approved, current accommodations of the session's candidates: extra time and other arrangements.

    Read through the user's reverse relation by name, so proctoring does not import the candidates app.
    """
    current = Q(accommodation_requests__status="approved") & (
        Q(accommodation_requests__valid_until__isnull=True) | Q(accommodation_requests__valid_until__gte=today)
    )
    seats = Q(attempts__session=session) if attempt_id is None else Q(attempts__pk=attempt_id)
    rows = (
        User.objects.filter(seats, current)
        .values_list("pk", "accommodation_requests__extra_time_percent", "accommodation_requests__other_arrangements")
        .distinct()
    )
    found: dict[int, tuple[int, str]] = {}
    for user_id, percent, other in rows:
        best, notes = found.get(user_id, (0, ""))
        found[user_id] = (max(best, percent or 0), "; ".join(filter(None, [notes, (other or "").strip()])))
    return found


def _state(status: str, admitted: bool, proctored: bool) -> str:
    if status == A.BOOKED:
        return "admitted" if admitted else "not_arrived"
    if status == A.CHECKED_IN:
        return "ready" if admitted or not proctored else "waiting"
    return status


def _group(state: str) -> str:
    if state in ("not_arrived", "waiting", "admitted", "ready"):
        return "waiting"
    if state in LIVE_STATUSES:
        return "live"
    return "finished"


_ATTEMPT_COLUMNS = (
    "pk",
    "public_id",
    "status",
    "candidate_id",
    "candidate__username",
    "candidate__first_name",
    "candidate__last_name",
    "candidate__candidate_profile__legal_name",
    "admission__pk",
    "admission__minutes_late",
    "started_at",
    "deadline",
    "paused_at",
    "last_seen_at",
    "checked_in_at",
    "review_flag",
    "accommodation_seconds",
)


def _rows(session: ExamSession, *, now: datetime, attempt_id: int | None = None) -> list[Row]:
    """The rows of a session (or of one of its attempts) in six queries, whatever their number.

    Plain values, no model instances: at 300 candidates building four objects per row would cost more
    than the six queries together.
    """
    attempts = Attempt.objects.filter(session=session).exclude(status=A.CANCELLED)
    answers = Response.objects.filter(attempt__session=session)
    events = IntegrityEvent.objects.filter(session=session)
    incidents = Incident.objects.filter(session=session, status=Incident.Status.OPEN)
    if attempt_id is not None:
        attempts, answers = attempts.filter(pk=attempt_id), answers.filter(attempt_id=attempt_id)
        events, incidents = events.filter(attempt_id=attempt_id), incidents.filter(attempt_id=attempt_id)
    words = _Words()
    answered = {
        attempt: (n, last)
        for attempt, n, last in answers.exclude(value=[])
        .values("attempt_id")
        .annotate(n=Count("pk"), last=Max("saved_at"))
        .values_list("attempt_id", "n", "last")
    }
    totals = dict(events.values("attempt_id").annotate(n=Count("pk")).values_list("attempt_id", "n"))
    recent: dict[int, list[dict]] = defaultdict(list)
    for event_attempt, kind, at in (
        events.filter(at__gte=now - RECENT_EVENTS)
        .order_by("-at", "-pk")
        .values_list("attempt_id", "kind", "at")[:RECENT_LIMIT]
    ):
        if len(recent[event_attempt]) < RECENT_PER_ROW:
            recent[event_attempt].append({"kind": kind, "label": words.kinds.get(kind, kind), "at": words.ago(at, now)})
    open_incidents = dict(incidents.values("attempt_id").annotate(n=Count("pk")).values_list("attempt_id", "n"))
    accommodations = _accommodations(session, timezone.localdate(now), attempt_id)

    proctored = session.proctor_id is not None
    late_after = session.opens_at + LATE_AFTER
    total_items = session.program.item_count
    url = reverse("proctoring:attempt", args=["PUBLIC-ID"])
    admit_url = reverse("proctoring:admit", args=["PUBLIC-ID"])
    rows = []
    for (
        pk,
        public_id,
        status,
        candidate_id,
        username,
        first_name,
        last_name,
        legal_name,
        admission_id,
        admission_late,
        started_at,
        deadline,
        paused_at,
        last_seen_at,
        checked_in_at,
        review_flag,
        accommodation_seconds,
    ) in attempts.values_list(*_ATTEMPT_COLUMNS):
        admitted = admission_id is not None
        state = _state(status, admitted, proctored)
        live = status in LIVE_STATUSES
        paused = status == A.PAUSED
        online = None
        remaining = "—"
        if live:
            online = last_seen_at is not None and now - last_seen_at <= ONLINE_WITHIN
            # The stored deadline already counts the pauses so far; a paused clock stands at the pause.
            reference = paused_at if paused and paused_at else now
            remaining = _clock(int((deadline - reference).total_seconds())) if deadline else "—"
        late = admission_late or 0
        if not admitted and proctored and state in ("not_arrived", "waiting"):
            arrived = checked_in_at or now
            if arrived > late_after:
                late = int((arrived - session.opens_at).total_seconds() // 60)
        n_answered, last_answer = answered.get(pk, (0, None))
        approved = accommodations.get(candidate_id)
        extra = []
        if accommodation_seconds:
            extra.append(words.extra_minutes % {"n": accommodation_seconds // 60})
        elif approved and approved[0]:
            extra.append(words.extra_percent % {"n": approved[0]})
        if approved and approved[1]:
            extra.append(approved[1])
        n_events, n_incidents = totals.get(pk, 0), open_incidents.get(pk, 0)
        # The same rule as the candidates app's legal-name provider, read in the query instead of per row.
        name = legal_name or f"{first_name} {last_name}".strip() or username
        attention = bool(n_incidents) or online is False or state == "waiting"
        rows.append(
            Row(
                public_id=public_id,
                url=url.replace("PUBLIC-ID", public_id),
                admit_url=admit_url.replace("PUBLIC-ID", public_id),
                name=name,
                username=username,
                state=state,
                state_label=words.states.get(state, status),
                state_badge=STATE_BADGES.get(state, "text-bg-light"),
                group=_group(state),
                live=live,
                paused=paused,
                minutes_late=late,
                late_text=words.late % {"n": late} if late else "",
                flagged=review_flag,
                answered=n_answered,
                total=total_items,
                remaining=remaining,
                online=online,
                last_seen=words.ago(last_seen_at, now) if started_at else "—",
                last_activity=words.ago(last_answer or started_at, now) if started_at else "—",
                event_total=n_events,
                events_text=words.events % {"n": n_events} if n_events else "",
                recent=recent.get(pk, []),
                open_incidents=n_incidents,
                incidents_text=words.incidents % {"n": n_incidents},
                accommodation=" · ".join(extra) or "—",
                can_admit=proctored and not admitted and status in (A.BOOKED, A.CHECKED_IN),
                attention=attention,
                tr_class="table-danger" if n_incidents else ("table-warning" if online is False else ""),
            )
        )
    rows.sort(key=lambda r: (r["name"].casefold(), r["public_id"]))
    return rows


def dashboard(session: ExamSession, *, show: str = "all", now: datetime | None = None) -> Dashboard:
    """The dashboard of a session: its rows, filtered to one group, and the count of every group."""
    now = now or timezone.now()
    rows = _rows(session, now=now)
    counts = {key: 0 for key in GROUPS}
    counts.update({"paused": 0, "offline": 0, "incidents": 0})
    for row in rows:
        counts["all"] += 1
        counts[row["group"]] += 1
        counts["attention"] += row["attention"]
        counts["paused"] += row["paused"]
        counts["offline"] += row["online"] is False
        counts["incidents"] += row["open_incidents"]
    show = show if show in GROUPS else "all"
    if show == "attention":
        shown = [r for r in rows if r["attention"]]
    elif show != "all":
        shown = [r for r in rows if r["group"] == show]
    else:
        shown = rows
    return Dashboard(rows=shown, counts=counts, show=show, live=counts["live"] > 0 or counts["waiting"] > 0)


def attempt_row(attempt: Attempt, *, now: datetime | None = None) -> Row | None:
    """The dashboard's row of one attempt, for the top of its proctor page."""
    rows = _rows(attempt.session, now=now or timezone.now(), attempt_id=attempt.pk)
    return rows[0] if rows else None


# --- the incident log ------------------------------------------------------------------------------

ACTION_LABELS = {
    "book": gettext_lazy("Booked"),
    "reschedule": gettext_lazy("Moved to another session"),
    "cancel": gettext_lazy("Cancelled"),
    "check_in": gettext_lazy("Checked in"),
    "start": gettext_lazy("Started"),
    "pause": gettext_lazy("Paused"),
    "resume": gettext_lazy("Resumed"),
    "extend": gettext_lazy("Time added"),
    "message": gettext_lazy("Message sent"),
    "move_device": gettext_lazy("Allowed to move to another device"),
    "claim_device": gettext_lazy("Continued on another device"),
    "flag": gettext_lazy("Flagged for review"),
    "unflag": gettext_lazy("Review flag lowered"),
    "submit": gettext_lazy("Submitted"),
    "score": gettext_lazy("Scored"),
    "rescore": gettext_lazy("Rescored"),
    "release": gettext_lazy("Result released"),
    "terminate": gettext_lazy("Terminated"),
    "void": gettext_lazy("Voided"),
    "expire": gettext_lazy("No-show"),
    SESSION_PAUSE: gettext_lazy("Session paused"),
    SESSION_RESUME: gettext_lazy("Session resumed"),
    "no_shows": gettext_lazy("No-shows recorded"),
}


@dataclass
class LogEntry:
    """One line of an incident log, as the page and the CSV/PDF exports print it."""

    at: datetime
    category: str  # admission, action, event, note, incident, decision, review, session
    label: str
    text: str = ""
    actor: str = ""
    attempt_public_id: str = ""
    candidate: str = ""
    incident_id: int | None = None


def _actor(user: User | None, fallback: str = "") -> str:
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


def _event_text(event: AttemptEvent) -> str:
    detail = event.detail or {}
    if event.action == "message":
        text = _("“%(text)s”") % {"text": detail.get("text", "")}
        return f"{text} — {event.reason}" if event.reason else text
    if event.action == "extend":
        minutes = int(detail.get("seconds", 0)) // 60
        return _("%(n)s min. %(reason)s") % {"n": minutes, "reason": event.reason}
    if event.action == "terminate":
        outcome = _("answers submitted as they were") if detail.get("outcome") == "submit" else _("voided")
        return f"{outcome}. {event.reason}".strip()
    return event.reason


def _integrity_text(event: IntegrityEvent) -> str:
    detail = event.detail or {}
    parts = [f"{key}: {value}" for key, value in detail.items()]
    source = _("server") if event.source == IntegrityEvent.Source.SERVER else _("browser")
    return f"({source}) " + ", ".join(parts) if parts else f"({source})"


def _entries(
    *,
    attempt_events: QuerySet,
    integrity: QuerySet,
    notes: QuerySet,
    incidents: QuerySet,
    admissions: QuerySet,
    reviews: QuerySet,
    names: dict[int, tuple[str, str]],
) -> list[LogEntry]:
    def who(attempt_id: int | None) -> tuple[str, str]:
        return names.get(attempt_id, ("", "")) if attempt_id else ("", "")

    entries: list[LogEntry] = []
    for event in attempt_events:
        public_id, name = who(event.attempt_id)
        entries.append(
            LogEntry(
                event.at,
                "action",
                str(ACTION_LABELS.get(event.action, event.action)),
                _event_text(event),
                _actor(event.actor, _("certdesk")),
                public_id,
                name,
            )
        )
    labels = dict(IntegrityKind.choices)
    for event in integrity:
        public_id, name = who(event.attempt_id)
        entries.append(
            LogEntry(
                event.at,
                "event",
                str(labels.get(event.kind, event.kind)),
                _integrity_text(event),
                _("candidate's browser") if event.source == IntegrityEvent.Source.BROWSER else _("server"),
                public_id,
                name,
                event.incident_id,
            )
        )
    for note in notes:
        public_id, name = who(note.attempt_id)
        entries.append(LogEntry(note.at, "note", _("Note"), note.text, _actor(note.author), public_id, name))
    kinds = dict(Incident.KIND_CHOICES)
    for incident in incidents:
        public_id, name = who(incident.attempt_id)
        entries.append(
            LogEntry(
                incident.opened_at,
                "incident",
                _("Incident opened: %(kind)s") % {"kind": kinds.get(incident.kind, incident.kind)},
                incident.summary,
                _actor(incident.opened_by, _("threshold")),
                public_id,
                name,
                incident.pk,
            )
        )
        if incident.decided_at:
            entries.append(
                LogEntry(
                    incident.decided_at,
                    "decision",
                    _("Decision: %(outcome)s") % {"outcome": incident.get_outcome_display()},
                    incident.decision_reason,
                    _actor(incident.decided_by),
                    public_id,
                    name,
                    incident.pk,
                )
            )
    for admission in admissions:
        public_id, name = who(admission.attempt_id)
        text = _("%(doc)s ending %(last4)s, name on it: %(name)s") % {
            "doc": admission.get_id_document_type_display(),
            "last4": admission.id_number_last4,
            "name": admission.id_name,
        }
        if admission.late:
            text += " · " + _("arrived %(n)s min after the window opened") % {"n": admission.minutes_late}
        actor = _actor(admission.admitted_by)
        entries.append(LogEntry(admission.admitted_at, "admission", _("Admitted"), text, actor, public_id, name))
    for review in reviews:
        public_id, name = who(review.attempt_id)
        entries.append(
            LogEntry(
                review.decided_at,
                "review",
                _("Review: %(outcome)s") % {"outcome": review.get_outcome_display()},
                review.reason,
                _actor(review.decided_by),
                public_id,
                name,
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries


def attempt_log(attempt: Attempt) -> list[LogEntry]:
    """Everything that happened to one attempt: its whole history, events, notes, incidents, decisions."""
    names = {attempt.pk: (attempt.public_id, candidate_name(attempt.candidate))}
    return _entries(
        attempt_events=AttemptEvent.objects.filter(attempt=attempt).select_related("actor"),
        integrity=IntegrityEvent.objects.filter(attempt=attempt),
        notes=ProctorNote.objects.filter(attempt=attempt).select_related("author"),
        incidents=Incident.objects.filter(attempt=attempt).select_related("opened_by", "decided_by"),
        admissions=Admission.objects.filter(attempt=attempt).select_related("admitted_by"),
        reviews=ReviewDecision.objects.filter(attempt=attempt).select_related("decided_by"),
        names=names,
    )


def session_log(session: ExamSession) -> list[LogEntry]:
    """The session's incident log: proctor actions, candidates' events, notes, incidents, decisions,
    admissions and reviews of every attempt, and the session-wide pauses. Bookings and answers are not in it."""
    attempts = Attempt.objects.filter(session=session).select_related("candidate", "candidate__candidate_profile")
    names = {a.pk: (a.public_id, candidate_name(a.candidate)) for a in attempts}
    entries = _entries(
        attempt_events=AttemptEvent.objects.filter(
            attempt__session=session, action__in=[*PROCTOR_ACTIONS, "void", "claim_device", "unflag", "expire"]
        ).select_related("actor"),
        integrity=IntegrityEvent.objects.filter(session=session),
        notes=ProctorNote.objects.filter(session=session).select_related("author"),
        incidents=Incident.objects.filter(session=session).select_related("opened_by", "decided_by"),
        admissions=Admission.objects.filter(attempt__session=session).select_related("admitted_by"),
        reviews=ReviewDecision.objects.filter(attempt__session=session).select_related("decided_by"),
        names=names,
    )
    for event in SessionEvent.objects.filter(
        session=session, action__in=[SESSION_PAUSE, SESSION_RESUME, "no_shows"]
    ).select_related("actor"):
        entries.append(
            LogEntry(event.at, "session", str(ACTION_LABELS[event.action]), event.reason, _actor(event.actor))
        )
    entries.sort(key=lambda e: e.at)
    return entries


# --- after the session: the review queue -----------------------------------------------------------


def review_queue() -> QuerySet:
    """Attempts whose result waits for a reviewer: flagged, or with an open incident, and not yet decided."""
    return (
        Attempt.objects.filter(status__in=[A.SUBMITTED, A.SCORED, A.TERMINATED], review_decision__isnull=True)
        .annotate(open_incidents=Count("incidents", filter=Q(incidents__status=Incident.Status.OPEN)))
        .filter(Q(review_flag=True) | Q(open_incidents__gt=0))
        .select_related("program", "session", "session__proctor", "candidate", "candidate__candidate_profile")
        .defer("domain_scores", "competency_scores")
        .order_by("submitted_at", "pk")
    )
