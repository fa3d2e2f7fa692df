"""Session reports as stored PDFs: a proctor or administrator asks for one, a worker renders it
(records.session_report_pdf), and it is kept with the session's personal data in private storage
until newer ones replace it.

A session of 300 candidates makes a report of some fifty pages, which takes WeasyPrint about ten
seconds of CPU: too long for a web request (gunicorn's workers time out at 30 s), so it is
rendered by a Celery worker, as certificates are. Each report is a snapshot: its footer says when
it was generated and by whom. No database row is needed: the file name carries the time, and a
cache entry marks the one being prepared.
"""

import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from exams.models.delivery import ExamSession
from proctoring import records
from proctoring.access import check_proctor
from proctoring.models import private_storage

log = logging.getLogger(__name__)

REPORTS_DIR = "session-reports"
KEEP_PER_SESSION = 5
# Long enough for the largest session on a busy worker; a lost task stops blocking new requests after it.
PENDING_SECONDS = 15 * 60
FILENAME = re.compile(r"^(?P<stamp>\d{8}-\d{6})-[A-Za-z0-9]{8}\.pdf$")


@dataclass(frozen=True)
class StoredReport:
    filename: str
    generated_at: datetime
    size: int


@dataclass(frozen=True)
class Pending:
    requested_at: datetime
    requested_by: str


def _folder(session_id: int) -> Path:
    return Path(private_storage.path(f"{REPORTS_DIR}/{int(session_id)}"))


def _pending_key(session_id: int) -> str:
    return f"proctoring-report-pending:{int(session_id)}"


def session_reports(session: ExamSession) -> list[StoredReport]:
    """The session's stored reports, newest first."""
    folder = _folder(session.pk)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = FILENAME.match(path.name)
        if match:
            stamp = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            found.append(StoredReport(path.name, stamp, path.stat().st_size))
    return sorted(found, key=lambda r: (r.generated_at, r.filename), reverse=True)


def session_report_pending(session: ExamSession) -> Pending | None:
    """The report being prepared, if any. A report stored since the request settles it, even when the
    worker could not clear the mark (a per-process cache in development)."""
    value = cache.get(_pending_key(session.pk))
    if not value:
        return None
    requested_at = datetime.fromisoformat(value["at"])
    newest = next(iter(session_reports(session)), None)
    if newest and newest.generated_at >= requested_at.replace(microsecond=0):
        return None
    return Pending(requested_at, value["by"])


def session_report_request(*, session: ExamSession, by: User, now: datetime | None = None) -> bool:
    """Queues a new report of the session for a worker, once the transaction commits.

    False when one is already being prepared: a second click does not render it twice."""
    from proctoring.tasks import session_report_task

    check_proctor(by, session)
    now = now or timezone.now()
    if session_report_pending(session) is not None:
        return False
    cache.set(_pending_key(session.pk), {"at": now.isoformat(), "by": records.name_of(by)}, PENDING_SECONDS)
    session_id, user_id = session.pk, by.pk
    transaction.on_commit(lambda: session_report_task.delay(session_id, user_id))
    return True


def session_report_store(*, session_id: int, by_id: int, now: datetime | None = None) -> StoredReport:
    """Renders the report and stores it; what the worker's task runs. Keeps the newest few per session."""
    session = ExamSession.objects.select_related("program", "proctor").get(pk=session_id)
    by = User.objects.get(pk=by_id)
    now = (now or timezone.now()).astimezone(UTC)
    try:
        pdf = records.session_report_pdf(session, by=by, now=now)
        folder = _folder(session_id)
        folder.mkdir(parents=True, exist_ok=True)
        filename = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.pdf"
        # Written aside and renamed: a page listing the folder never offers a half-written file.
        partial = folder / f".{filename}.part"
        partial.write_bytes(pdf)
        os.replace(partial, folder / filename)
    finally:
        cache.delete(_pending_key(session_id))
    for old in session_reports(session)[KEEP_PER_SESSION:]:
        (folder / old.filename).unlink(missing_ok=True)
    log.info("Session report %s stored for session %s (%s bytes)", filename, session_id, len(pdf))
    return StoredReport(filename, now.replace(microsecond=0), len(pdf))


def session_report_path(session: ExamSession, filename: str) -> Path | None:
    """The stored file, if `filename` names one of the session's reports; None for anything else."""
    if not FILENAME.match(filename or ""):
        return None
    path = _folder(session.pk) / filename
    return path if path.is_file() else None
