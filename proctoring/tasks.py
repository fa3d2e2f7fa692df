"""Celery tasks of the proctoring app: shells around services tested without Celery."""

from celery import shared_task

from proctoring import reports

# A report of a few hundred candidates renders in about ten seconds; far above that, something is wrong.
SOFT_TIME_LIMIT = 300
HARD_TIME_LIMIT = 360


@shared_task(
    name="proctoring.session_report",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
    ignore_result=True,
)
def session_report_task(session_id: int, user_id: int) -> str:
    """Renders and stores a session's PDF report (queued on commit by reports.session_report_request).

    Not retried: rendering the same record again would fail the same way, and the person who asked
    sees that no new report appeared and can ask again."""
    return reports.session_report_store(session_id=session_id, by_id=user_id).filename
