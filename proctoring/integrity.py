"""Integrity events: what the candidate's browser reports and the server notices, and the thresholds
that turn repeated events into an incident for the proctor.

The candidates app's exam endpoints pass events here through exams.hooks.report_integrity (set up
in ProctoringConfig.ready); the endpoint rate-limits each attempt before anything is stored.
"""

import hashlib
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.models.delivery import LIVE_STATUSES, Attempt
from proctoring.models import (
    BROWSER_KINDS,
    DEFAULT_THRESHOLDS,
    AttemptClient,
    Incident,
    IntegrityEvent,
    IntegrityKind,
    IntegrityThreshold,
)

MAX_EVENTS_PER_REPORT = 20
MAX_DETAIL_KEYS = 6
MAX_DETAIL_TEXT = 200
# A browser clock this far from the server's is not believed; the server's receipt time always counts.
CLIENT_CLOCK_TRUST_SECONDS = 24 * 60 * 60
CLIENT_CACHE_SECONDS = 6 * 60 * 60


def _clean_detail(detail) -> dict:
    """Small, flat, printable: a browser cannot store more than a few short values per event."""
    if not isinstance(detail, dict):
        return {}
    clean = {}
    for key, value in list(detail.items())[:MAX_DETAIL_KEYS]:
        if isinstance(value, bool | int | float):
            clean[str(key)[:40]] = value
        elif isinstance(value, str):
            clean[str(key)[:40]] = value[:MAX_DETAIL_TEXT]
    return clean


def _client_time(value, now: datetime) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        moment = datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if abs((moment - now).total_seconds()) <= CLIENT_CLOCK_TRUST_SECONDS else None


def thresholds_for(program_id: int) -> dict[str, int]:
    own = dict(IntegrityThreshold.objects.filter(program_id=program_id).values_list("kind", "threshold"))
    return {kind: own.get(kind, default) for kind, default in DEFAULT_THRESHOLDS.items()}


def _summary(kind: str, count: int) -> str:
    return _("%(what)s: %(n)s times.") % {"what": IntegrityKind(kind).label, "n": count}


def _escalate(attempt: Attempt, kinds: set[str], now: datetime) -> list[Incident]:
    """Opens an incident for each kind whose events (not yet counted toward one) reach the program's
    threshold; events of a kind with an open incident join it instead."""
    opened = []
    limits = thresholds_for(attempt.program_id)
    for kind in sorted(kinds):
        limit = limits.get(kind, 0)
        if not limit:
            continue
        loose = IntegrityEvent.objects.filter(attempt=attempt, kind=kind, incident__isnull=True)
        current = Incident.objects.filter(attempt=attempt, kind=kind, status=Incident.Status.OPEN).first()
        if current is None:
            count = loose.count()
            if count < limit:
                continue
            try:
                with transaction.atomic():
                    current = Incident.objects.create(
                        attempt=attempt,
                        session_id=attempt.session_id,
                        kind=kind,
                        summary=_summary(kind, count),
                        opened_at=now,
                    )
            except IntegrityError:
                # Another report of this attempt opened it a moment ago: join that one.
                current = Incident.objects.get(attempt=attempt, kind=kind, status=Incident.Status.OPEN)
            else:
                opened.append(current)
        added = loose.update(incident=current)
        Incident.objects.filter(pk=current.pk).update(event_count=F("event_count") + added)
    return opened


def _client_changes(attempt: Attempt, client: dict, now: datetime) -> list[dict]:
    """IP or browser changes since the attempt was first seen. The cache answers the usual 'same as before'."""
    ip = client.get("ip") or None
    user_agent = (client.get("user_agent") or "")[:400]
    if ip is None and not user_agent:
        return []
    fingerprint = hashlib.sha256(f"{ip}|{user_agent}".encode()).hexdigest()[:32]
    key = f"proctoring-client:{attempt.pk}"
    if cache.get(key) == fingerprint:
        return []
    known, created = AttemptClient.objects.get_or_create(
        attempt=attempt, defaults={"ip": ip, "user_agent": user_agent, "updated_at": now}
    )
    changes = []
    if not created:
        if ip and known.ip != ip:
            changes.append({"kind": IntegrityKind.IP_CHANGED, "detail": {"from": known.ip or "", "to": ip}})
        if user_agent and known.user_agent != user_agent:
            changes.append(
                {
                    "kind": IntegrityKind.USER_AGENT_CHANGED,
                    "detail": {"from": known.user_agent[:MAX_DETAIL_TEXT], "to": user_agent[:MAX_DETAIL_TEXT]},
                }
            )
        if changes:
            AttemptClient.objects.filter(pk=known.pk).update(
                ip=ip or known.ip, user_agent=user_agent or known.user_agent, updated_at=now
            )
    cache.set(key, fingerprint, CLIENT_CACHE_SECONDS)
    return changes


def events_record(
    *, attempt: Attempt, events: list[dict], client: dict | None = None, source: str = "browser", now=None
) -> list[IntegrityEvent]:
    """Stores the events of one report and opens incidents where a threshold is reached.

    From the browser only the kinds a browser can see are taken (a browser cannot claim a second
    session or an IP change); at most MAX_EVENTS_PER_REPORT per report. Incidents open only for a
    live attempt in a proctored session, where a proctor is there to decide them; otherwise the events
    stay on record for the reviewer.
    """
    now = now or timezone.now()
    allowed = BROWSER_KINDS if source == IntegrityEvent.Source.BROWSER else set(IntegrityKind.values)
    rows = []
    for event in events[:MAX_EVENTS_PER_REPORT]:
        if not isinstance(event, dict) or event.get("kind") not in allowed:
            continue
        rows.append(
            IntegrityEvent(
                attempt=attempt,
                session_id=attempt.session_id,
                kind=event["kind"],
                source=source,
                at=now,
                client_at=_client_time(event.get("at"), now),
                detail=_clean_detail(event.get("detail")),
            )
        )
    for change in _client_changes(attempt, client or {}, now):
        rows.append(
            IntegrityEvent(
                attempt=attempt,
                session_id=attempt.session_id,
                kind=change["kind"],
                source=IntegrityEvent.Source.SERVER,
                at=now,
                detail=change["detail"],
            )
        )
    if not rows:
        return []
    with transaction.atomic():
        stored = IntegrityEvent.objects.bulk_create(rows)
        if attempt.session.proctor_id and attempt.status in LIVE_STATUSES:
            _escalate(attempt, {row.kind for row in stored}, now)
    return stored


def report(*, attempt: Attempt, events: list[dict], client: dict) -> None:
    """exams.hooks.integrity_reporters entry: the candidates app's report, browser events and server ones."""
    browser = [e for e in events if e.get("source", "browser") == "browser"]
    server = [e for e in events if e.get("source") == "server"]
    if server:
        events_record(attempt=attempt, events=server, source=IntegrityEvent.Source.SERVER)
    events_record(attempt=attempt, events=browser, client=client, source=IntegrityEvent.Source.BROWSER)
