"""The exam screen's line to the proctor: the live version it polls, and the integrity events it and
the server report.

- The live version (exams.live) is read with a signed token instead of the sign-in session, so the
  poll every two seconds reads the cache and nothing else: no session row, no user, no attempt.
- Integrity events go to exams.hooks.report_integrity (the proctoring app stores them). What the
  browser sends is rate-limited per attempt in the cache; what the server notices itself (a second
  browser, an IP or browser change, a silence between heartbeats) is reported at most once a minute
  per kind, so no client can turn it into a flood either.
"""

from datetime import timedelta

from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from exams import hooks
from exams.models.delivery import Attempt

_LIVE_SALT = "certdesk.candidates.exam-live"
LIVE_TOKEN_MAX_AGE = 24 * 60 * 60
LIVE_POLL_SECONDS = 2

# The browser batches its events; a batch at most every 5 s on average is plenty for a real candidate.
REPORTS_PER_MINUTE = 12
# A heartbeat this long after the previous one means the connection (or the page) was gone; longer than
# the minute a browser may stretch a background tab's timers to.
HEARTBEAT_GAP = timedelta(seconds=90)
SERVER_EVENT_EVERY_SECONDS = 60


def live_token(attempt: Attempt) -> str:
    return signing.dumps([attempt.pk, attempt.public_id], salt=_LIVE_SALT, compress=True)


def live_attempt_id(token: str, public_id: str) -> int | None:
    """The attempt id a live token names, if the token is genuine, recent and for this public id."""
    try:
        attempt_id, token_public_id = signing.loads(token, salt=_LIVE_SALT, max_age=LIVE_TOKEN_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return attempt_id if token_public_id == public_id else None


def client_of(request) -> dict:
    return {"ip": request.META.get("REMOTE_ADDR") or None, "user_agent": request.META.get("HTTP_USER_AGENT", "")[:400]}


def report_allowed(attempt: Attempt, now=None) -> tuple[bool, int]:
    """A fixed one-minute window per attempt, counted in the cache: (allowed, seconds until the next window)."""
    now = now or timezone.now()
    window = int(now.timestamp() // 60)
    key = f"exam-integrity-reports:{attempt.pk}:{window}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the window's first report
        cache.set(key, 1, 120)
        count = 1
    return count <= REPORTS_PER_MINUTE, 60 - int(now.timestamp()) % 60


def report_browser_events(request, attempt: Attempt, events: list) -> None:
    clean = [
        {"kind": e.get("kind"), "at": e.get("at"), "detail": e.get("detail"), "source": "browser"}
        for e in events
        if isinstance(e, dict)
    ]
    hooks.report_integrity(attempt, clean, client_of(request))


def report_server_event(request, attempt: Attempt, kind: str, detail: dict) -> None:
    """What the server itself noticed; once a minute per attempt and kind at most."""
    if not cache.add(f"exam-integrity-server:{attempt.pk}:{kind}", 1, SERVER_EVENT_EVERY_SECONDS):
        return
    event = {"kind": kind, "at": None, "detail": detail, "source": "server"}
    hooks.report_integrity(attempt, [event], client_of(request))


def report_heartbeat(request, attempt: Attempt, previous_seen, now=None) -> None:
    """A heartbeat tells the proctoring side the browser's address and name, and any silence before it."""
    now = now or timezone.now()
    events = []
    if previous_seen is not None and now - previous_seen > HEARTBEAT_GAP:
        seconds = int((now - previous_seen).total_seconds())
        events.append(
            {"kind": "connection_lost", "at": None, "detail": {"silent_seconds": seconds}, "source": "server"}
        )
    hooks.report_integrity(attempt, events, client_of(request))
