"""Celery tasks: shells around verification.services."""

from celery import shared_task

from verification import services


@shared_task(name="verification.failed_lookups_purge", ignore_result=True)
def failed_lookups_purge_task() -> int:
    """Once a day (the beat): forget failed lookups older than FAILED_LOOKUP_DAYS."""
    return services.failed_lookups_purge()
