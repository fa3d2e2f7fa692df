from celery import shared_task

from certdesk.health import health_report


@shared_task(name="certdesk.health_report")
def health_report_task() -> dict:
    """Runs the health report inside a worker, proving broker, worker and database connect."""
    report = health_report()
    report["worker"] = True
    return report
