"""Celery tasks: shells around certificates.services, which hold the rules and are tested alone.

certificate_process_task is queued on commit with the id of a pending certificate. It is
acknowledged only when done (acks_late) and requeued if its worker dies (reject_on_worker_lost);
the attempt cap lives in the database (Certificate.render_max_attempts), so a certificate that
kills every worker that touches it stops being retried.
"""

from datetime import timedelta

from celery import shared_task
from celery.signals import worker_process_init
from django.db import OperationalError
from django.utils import timezone

from certificates import services
from certificates.models import Certificate

# Soft limit: the task gets SoftTimeLimitExceeded and releases its claim; hard limit: the process
# is killed. Both are far above a render (about 0.1 s) and below the claim's lease.
SOFT_TIME_LIMIT = 60
HARD_TIME_LIMIT = 90


@shared_task(
    name="certificates.process",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.CertificateRenderError, OperationalError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=HARD_TIME_LIMIT,
    ignore_result=True,
)
def certificate_process_task(self, certificate_id: int) -> str:
    outcome = services.certificate_process(certificate_id=certificate_id)
    if outcome == "busy":
        # Another worker holds the claim. If it is alive it finishes; if it died, its claim lapses
        # and this retry takes over, so a redelivered task is never dropped.
        claimed_until = Certificate.objects.filter(pk=certificate_id).values_list("claimed_until", flat=True).first()
        wait = (claimed_until - timezone.now()).total_seconds() + 1 if claimed_until else 1
        raise self.retry(countdown=max(1, min(wait, services.claim_seconds())), max_retries=20)
    return outcome


@shared_task(name="certificates.daily", ignore_result=True, acks_late=True)
def certificates_daily_task() -> dict:
    """Once a day (the beat): expire what is due, send the 90- and 30-day notices."""
    expired = services.certificates_expire()
    notices = services.expiry_notices_send()
    return {"expired": expired, "notices": {str(days): count for days, count in notices.items()}}


@shared_task(name="certificates.requeue_stuck", ignore_result=True)
def certificates_requeue_stuck_task() -> int:
    """Every few minutes (the beat): queue again certificates whose task was lost."""
    return services.certificates_requeue_stuck(older_than=timedelta(minutes=10))


def _warm(**kwargs) -> None:
    from certificates.rendering import rendering_warm

    rendering_warm()


# A cold worker would otherwise spend seconds on its first certificate loading fonts and Pango.
# Celery sends this in each prefork child and, for the solo pool, in the worker process itself.
worker_process_init.connect(_warm, dispatch_uid="certificates.warm", weak=False)
