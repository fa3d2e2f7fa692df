from celery import shared_task

from candidates.booking import reminders_send


@shared_task(
    name="candidates.booking_reminders", ignore_result=False, autoretry_for=(OSError,), retry_backoff=60, max_retries=3
)
def booking_reminders_task() -> int:
    """Every 15 minutes: remind candidates of tomorrow's exam (once per booking). Returns how many were sent."""
    return reminders_send()
