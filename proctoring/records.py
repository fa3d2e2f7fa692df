"""The proctoring record a certification body keeps: a session's (or one attempt's) log of admissions,
proctor actions, the candidates' integrity events, notes, incidents, decisions and reviews, and a
summary per candidate; exported as CSV (one row per entry) and as a PDF session report.

The proctor's pages show the same history through selectors.attempt_log and session_log. Here every
entry also carries a stable kind ("event.left_page", "action.pause", "decision.warned") and source
("browser", "proctor", "reviewer"...), so the CSV can be filtered and compared from one year to the
next whatever language the labels are in. A session's record takes nine queries however many
candidates it has.
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from certdesk import pdf
from exams.interchange.csv_export import csv_cell
from exams.models.delivery import Attempt, AttemptEvent, AttemptStatus, ExamSession
from exams.models.sessions import SessionEvent
from proctoring.models import Admission, Incident, IntegrityEvent, IntegrityKind, ProctorNote, ReviewDecision
from proctoring.selectors import ACTION_LABELS, candidate_name
from proctoring.services import PROCTOR_ACTIONS, SESSION_PAUSE, SESSION_RESUME

A = AttemptStatus

# An attempt's own record starts at check-in: bookings, reschedules and cancellations happen before
# the session, and a score always follows its submission in the same instant.
LEFT_OUT_ACTIONS = ("book", "reschedule", "cancel", "score")
# A session's log keeps what someone did or noticed, as the proctor's session log does; every
# candidate's routine check-in, start, submission and release is in their summary line instead.
SESSION_LOG_ACTIONS = tuple(dict.fromkeys((*PROCTOR_ACTIONS, "void", "claim_device", "unflag", "expire", "rescore")))
SESSION_ACTIONS = (SESSION_PAUSE, SESSION_RESUME, "no_shows")
CSV_COLUMNS = ["time_utc", "attempt_public_id", "candidate", "kind", "source", "detail", "actor", "decision"]
REPORT_TEMPLATE = "proctoring/records/session_report.html"
REPORT_STYLESHEET = "proctoring/session_report.css"


class Source:
    """Where an entry came from: the stable values of the CSV's source column."""

    BROWSER = "browser"  # the candidate's browser reported it
    SERVER = "server"  # certdesk noticed it (an IP change, a second session)
    CANDIDATE = "candidate"
    PROCTOR = "proctor"
    REVIEWER = "reviewer"
    SYSTEM = "system"  # a threshold, the deadline, the sweep


@dataclass
class RecordEntry:
    at: datetime
    kind: str
    label: str
    source: str
    detail: str = ""
    actor: str = ""
    attempt_public_id: str = ""
    candidate: str = ""
    decision: str = ""

    @property
    def category(self) -> str:
        return self.kind.split(".", 1)[0]


@dataclass
class IncidentLine:
    kind: str
    summary: str
    event_count: int
    opened_at: datetime
    status: str
    decided_by: str
    reason: str


@dataclass
class CandidateSummary:
    public_id: str
    name: str
    username: str
    status: str
    status_label: str
    admitted_at: datetime | None
    admitted_by: str
    id_check: str
    minutes_late: int
    events: list[tuple[str, int]]
    incidents: list[IncidentLine]
    result: str
    review: str

    @property
    def event_total(self) -> int:
        return sum(n for _label, n in self.events)


@dataclass
class SessionRecord:
    session: ExamSession
    candidates: list[CandidateSummary]
    entries: list[RecordEntry]
    counts: dict[str, int] = field(default_factory=dict)


def name_of(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _detail_text(detail: dict) -> str:
    return ", ".join(f"{key}: {value}" for key, value in (detail or {}).items())


def _action_text(event: AttemptEvent) -> str:
    detail = event.detail or {}
    reason = event.reason or ""
    if event.action == "message":
        return _("“%(text)s” — %(reason)s") % {"text": detail.get("text", ""), "reason": reason}
    if event.action == "extend":
        return _("+%(n)s min. %(reason)s") % {"n": int(detail.get("seconds", 0)) // 60, "reason": reason}
    if event.action == "terminate":
        how = _("answers submitted as they were") if detail.get("outcome") == "submit" else _("voided")
        return f"{how}. {reason}".strip()
    if event.action == "rescore":
        before, after = detail.get("before", {}), detail.get("after", {})
        return _("%(before)s → %(after)s. %(reason)s") % {
            "before": before.get("raw_score", ""),
            "after": after.get("raw_score", ""),
            "reason": reason,
        }
    return reason


def _label(text: str, more: str) -> str:
    return f"{text}: {more}" if more else text


def _entries(
    *,
    attempts: dict[int, Attempt],
    attempt_events: QuerySet,
    integrity: QuerySet,
    notes: QuerySet,
    incidents: list[Incident],
    admissions: list[Admission],
    reviews: list[ReviewDecision],
) -> list[RecordEntry]:
    def who(attempt_id: int | None) -> tuple[str, str]:
        attempt = attempts.get(attempt_id) if attempt_id else None
        return (attempt.public_id, candidate_name(attempt.candidate)) if attempt else ("", "")

    incident_outcome = {i.pk: i.outcome or Incident.Status.OPEN for i in incidents}
    reviewer_of = {r.attempt_id: r.decided_by_id for r in reviews}
    entries: list[RecordEntry] = []

    for event in attempt_events:
        attempt = attempts.get(event.attempt_id)
        if event.actor_id is None:
            source = Source.SYSTEM
        elif attempt is not None and event.actor_id == attempt.candidate_id:
            source = Source.CANDIDATE
        elif reviewer_of.get(event.attempt_id) == event.actor_id and event.action in ("unflag", "release", "void"):
            source = Source.REVIEWER
        else:
            source = Source.PROCTOR
        entries.append(
            RecordEntry(
                event.at,
                f"action.{event.action}",
                str(ACTION_LABELS.get(event.action, event.action)),
                source,
                _action_text(event),
                name_of(event.actor),
                *who(event.attempt_id),
            )
        )
    kinds = dict(IntegrityKind.choices)
    for event in integrity:
        entries.append(
            RecordEntry(
                event.at,
                f"event.{event.kind}",
                str(kinds.get(event.kind, event.kind)),
                Source.SERVER if event.source == IntegrityEvent.Source.SERVER else Source.BROWSER,
                _detail_text(event.detail),
                "",
                *who(event.attempt_id),
                decision=incident_outcome.get(event.incident_id, "") if event.incident_id else "",
            )
        )
    for note in notes:
        entries.append(
            RecordEntry(
                note.at, "note", _("Note"), Source.PROCTOR, note.text, name_of(note.author), *who(note.attempt_id)
            )
        )
    incident_kinds = dict(Incident.KIND_CHOICES)
    for incident in incidents:
        public_id, name = who(incident.attempt_id)
        summary = incident.summary
        if incident.event_count:
            summary += " " + _("(%(n)s events)") % {"n": incident.event_count}
        entries.append(
            RecordEntry(
                incident.opened_at,
                f"incident.{incident.kind}",
                _("Incident opened: %(kind)s") % {"kind": incident_kinds.get(incident.kind, incident.kind)},
                Source.PROCTOR if incident.opened_by_id else Source.SYSTEM,
                summary,
                name_of(incident.opened_by),
                public_id,
                name,
                incident_outcome[incident.pk],
            )
        )
        if incident.decided_at:
            entries.append(
                RecordEntry(
                    incident.decided_at,
                    f"decision.{incident.outcome}",
                    _("Decision: %(outcome)s") % {"outcome": incident.get_outcome_display()},
                    Source.REVIEWER if incident.outcome == Incident.Outcome.REVIEWED else Source.PROCTOR,
                    incident.decision_reason,
                    name_of(incident.decided_by),
                    public_id,
                    name,
                    incident.outcome,
                )
            )
    for admission in admissions:
        text = _("%(doc)s ending %(last4)s, name on it: %(name)s") % {
            "doc": admission.get_id_document_type_display(),
            "last4": admission.id_number_last4,
            "name": admission.id_name,
        }
        if admission.late:
            text += "; " + _("arrived %(n)s min after the window opened") % {"n": admission.minutes_late}
        entries.append(
            RecordEntry(
                admission.admitted_at,
                "admission",
                _("Admitted"),
                Source.PROCTOR,
                text,
                name_of(admission.admitted_by),
                *who(admission.attempt_id),
            )
        )
    for review in reviews:
        entries.append(
            RecordEntry(
                review.decided_at,
                f"review.{review.outcome}",
                _("Review: %(outcome)s") % {"outcome": review.get_outcome_display()},
                Source.REVIEWER,
                review.reason,
                name_of(review.decided_by),
                *who(review.attempt_id),
                decision=review.outcome,
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries


def _result(attempt: Attempt) -> str:
    if attempt.status == A.VOIDED:
        return _("Voided: no result")
    if attempt.status == A.EXPIRED:
        return _("No-show")
    if attempt.passed is None or attempt.percent is None:
        return "—"
    verdict = _("passed") if attempt.passed else _("failed")
    figures = f"{attempt.percent:.1f} % ({verdict})"
    if attempt.status == A.RELEASED:
        return figures
    return _("%(figures)s, held") % {"figures": figures}


def _summaries(
    attempts: list[Attempt],
    integrity: list[IntegrityEvent],
    incidents: list[Incident],
    admissions: dict[int, Admission],
    reviews: dict[int, ReviewDecision],
) -> list[CandidateSummary]:
    labels = dict(IntegrityKind.choices)
    incident_kinds = dict(Incident.KIND_CHOICES)
    events_of: dict[int, Counter] = defaultdict(Counter)
    for event in integrity:
        events_of[event.attempt_id][event.kind] += 1
    incidents_of: dict[int, list[IncidentLine]] = defaultdict(list)
    for incident in incidents:
        incidents_of[incident.attempt_id].append(
            IncidentLine(
                kind=str(incident_kinds.get(incident.kind, incident.kind)),
                summary=incident.summary,
                event_count=incident.event_count,
                opened_at=incident.opened_at,
                status=incident.get_outcome_display() if incident.outcome else _("Open: no decision yet"),
                decided_by=name_of(incident.decided_by),
                reason=incident.decision_reason,
            )
        )
    summaries = []
    for attempt in attempts:
        admission = admissions.get(attempt.pk)
        review = reviews.get(attempt.pk)
        summaries.append(
            CandidateSummary(
                public_id=attempt.public_id,
                name=candidate_name(attempt.candidate),
                username=attempt.candidate.username,
                status=attempt.status,
                status_label=attempt.get_status_display(),
                admitted_at=admission.admitted_at if admission else None,
                admitted_by=name_of(admission.admitted_by) if admission else "",
                id_check=(
                    f"{admission.get_id_document_type_display()} …{admission.id_number_last4}" if admission else ""
                ),
                minutes_late=admission.minutes_late if admission else 0,
                events=sorted(
                    ((str(labels.get(kind, kind)), n) for kind, n in events_of[attempt.pk].items()),
                    key=lambda pair: (-pair[1], pair[0]),
                ),
                incidents=incidents_of[attempt.pk],
                result=_result(attempt),
                review=(
                    _("%(outcome)s (%(by)s): %(reason)s")
                    % {
                        "outcome": review.get_outcome_display(),
                        "by": name_of(review.decided_by),
                        "reason": review.reason,
                    }
                    if review
                    else ""
                ),
            )
        )
    summaries.sort(key=lambda s: (s.name.casefold(), s.public_id))
    return summaries


def _attempts(queryset: QuerySet) -> list[Attempt]:
    return list(
        queryset.exclude(status=A.CANCELLED)
        .select_related("candidate", "candidate__candidate_profile")
        .defer("domain_scores", "competency_scores")
    )


def session_record(session: ExamSession) -> SessionRecord:
    """Everything the certification body keeps of a session: facts, one summary per candidate, the log."""
    attempts = _attempts(Attempt.objects.filter(session=session))
    by_pk = {a.pk: a for a in attempts}
    integrity = list(IntegrityEvent.objects.filter(session=session, attempt_id__in=by_pk))
    incidents = list(
        Incident.objects.filter(session=session, attempt_id__in=by_pk).select_related("opened_by", "decided_by")
    )
    admissions = list(Admission.objects.filter(attempt__session=session).select_related("admitted_by"))
    reviews = list(ReviewDecision.objects.filter(attempt__session=session).select_related("decided_by"))
    entries = _entries(
        attempts=by_pk,
        attempt_events=AttemptEvent.objects.filter(attempt_id__in=by_pk, action__in=SESSION_LOG_ACTIONS).select_related(
            "actor"
        ),
        integrity=integrity,
        notes=ProctorNote.objects.filter(session=session).select_related("author"),
        incidents=incidents,
        admissions=admissions,
        reviews=reviews,
    )
    for event in SessionEvent.objects.filter(session=session, action__in=SESSION_ACTIONS).select_related("actor"):
        detail = event.reason
        if event.action == "no_shows":
            detail = _("%(n)s seats unused") % {"n": (event.detail or {}).get("expired", 0)}
        entries.append(
            RecordEntry(
                event.at,
                f"session.{event.action}",
                str(ACTION_LABELS.get(event.action, event.action)),
                Source.PROCTOR if event.actor_id else Source.SYSTEM,
                detail,
                name_of(event.actor),
            )
        )
    entries.sort(key=lambda e: e.at)
    summaries = _summaries(
        attempts,
        integrity,
        incidents,
        {a.attempt_id: a for a in admissions},
        {r.attempt_id: r for r in reviews},
    )
    statuses = Counter(a.status for a in attempts)
    counts = {
        "candidates": len(attempts),
        "admitted": len(admissions),
        "late": sum(1 for a in admissions if a.late),
        "started": sum(1 for a in attempts if a.started_at),
        "no_shows": statuses[A.EXPIRED],
        "terminated": sum(1 for e in entries if e.kind == "action.terminate"),
        "voided": statuses[A.VOIDED],
        "released": statuses[A.RELEASED],
        "events": len(integrity),
        "incidents": len(incidents),
        "open_incidents": sum(1 for i in incidents if i.is_open),
        "reviews": len(reviews),
    }
    return SessionRecord(session=session, candidates=summaries, entries=entries, counts=counts)


def attempt_record(attempt: Attempt) -> list[RecordEntry]:
    """One attempt's whole record, from check-in to the review."""
    attempt = (
        Attempt.objects.select_related("candidate", "candidate__candidate_profile")
        .defer("domain_scores", "competency_scores")
        .get(pk=attempt.pk)
    )
    return _entries(
        attempts={attempt.pk: attempt},
        attempt_events=AttemptEvent.objects.filter(attempt=attempt)
        .exclude(action__in=LEFT_OUT_ACTIONS)
        .select_related("actor"),
        integrity=IntegrityEvent.objects.filter(attempt=attempt),
        notes=ProctorNote.objects.filter(attempt=attempt).select_related("author"),
        incidents=list(Incident.objects.filter(attempt=attempt).select_related("opened_by", "decided_by")),
        admissions=list(Admission.objects.filter(attempt=attempt).select_related("admitted_by")),
        reviews=list(ReviewDecision.objects.filter(attempt=attempt).select_related("decided_by")),
    )


def event_counts(entries: list[RecordEntry]) -> list[tuple[str, int]]:
    """The integrity events among a record's entries, counted by kind, most frequent first."""
    counts = Counter(e.label for e in entries if e.category == "event")
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


# --- exports -------------------------------------------------------------------------------------


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_csv(entries: list[RecordEntry]) -> bytes:
    """One row per entry, columns CSV_COLUMNS; every cell guarded against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = [
            utc_stamp(entry.at),
            entry.attempt_public_id,
            entry.candidate,
            entry.kind,
            entry.source,
            _label(entry.label, entry.detail),
            entry.actor,
            entry.decision,
        ]
        writer.writerow([csv_cell(value) for value in row])
    # The byte-order mark makes Excel read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode()


def session_csv_filename(session: ExamSession) -> str:
    return f"proctoring-log-{session.program.code}-{session.opens_at.astimezone(UTC):%Y%m%d-%H%M}-{session.pk}.csv"


def session_report_filename(session: ExamSession) -> str:
    """The download's name; the stored file's own name (its generation time) is appended to it."""
    return f"session-report-{session.program.code}-{session.opens_at.astimezone(UTC):%Y%m%d-%H%M}-{session.pk}.pdf"


def session_report_html(record: SessionRecord, *, by: User, now: datetime | None = None) -> str:
    now = now or timezone.now()
    session = record.session
    # The record is kept in UTC whatever the reader's time zone, as its labels say.
    with translation.override(settings.LANGUAGE_CODE), timezone.override(UTC):
        return render_to_string(
            REPORT_TEMPLATE,
            {
                "record": record,
                "session": session,
                "program": session.program,
                "proctor": name_of(session.proctor),
                "generated_at": now.astimezone(UTC),
                "generated_by": name_of(by),
                "counts": record.counts,
            },
        )


def session_report_pdf(session: ExamSession, *, by: User, now: datetime | None = None) -> bytes:
    """The session report as an archivable PDF (PDF/A-3b): fonts embedded, nothing fetched from the network."""
    html = session_report_html(session_record(session), by=by, now=now)
    return pdf.html_to_pdf(html, stylesheets=[pdf.stylesheet(REPORT_STYLESHEET)])
