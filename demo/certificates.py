"""The demo candidate, Sofia Marin, has passed CSS and holds a current certificate, so a new user
can try the employer's side (scan, verify, download) at once.

The exam is taken through the exam services like any other (book, check in, start, answer,
submit), and the certificate is issued directly through the certificate service: no worker needed.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_create, certificate_process
from exams import delivery
from exams.models.delivery import Attempt, AttemptStatus, ExamSession, SessionMode, SessionStatus
from exams.models.programs import CertificationProgram

DEMO_PROGRAM = "CSS"
DRIVER = "demo-loader"


def _passing_attempt(program: CertificationProgram, candidate: User, admin: User) -> Attempt:
    now = timezone.now()
    session = ExamSession.objects.create(
        program=program,
        mode=SessionMode.TEST_CENTRE,
        location="Demo centre (taken when the demo data was loaded)",
        opens_at=now - timedelta(minutes=10),
        closes_at=now + timedelta(minutes=10),
        seats=1,
        status=SessionStatus.PUBLISHED,
        created_by=admin,
        change_cutoff_hours=0,
    )
    attempt = delivery.attempt_book(session=session, candidate=candidate, now=session.opens_at - timedelta(hours=1))
    delivery.attempt_check_in(attempt=attempt, by=candidate, agreement_accepted=True)
    attempt = delivery.attempt_start(attempt=attempt, by=candidate, driver=DRIVER)
    items = attempt.form.items.select_related("item_version").prefetch_related("item_version__options")
    for item in items:
        delivery.response_save(
            attempt=attempt,
            form_item=item,
            value=item.item_version.key(),
            flagged=False,
            client_seq=1,
            driver=DRIVER,
            n_options=item.item_version.options.count(),
        )
    return delivery.attempt_submit(attempt=attempt, by=candidate)


def demo_certificate_create(*, candidate: User, admin: User) -> Certificate | None:
    """Issues Sofia's CSS certificate; returns None when she already holds one (a second run)."""
    program = CertificationProgram.objects.filter(code=DEMO_PROGRAM).first()
    if program is None or not program.is_published:
        return None
    if Certificate.objects.filter(holder=candidate, program=program, status=CertificateStatus.ISSUED).exists():
        return None
    attempt = (
        Attempt.objects.filter(candidate=candidate, program=program, status=AttemptStatus.RELEASED, passed=True)
        .order_by("-released_at")
        .first()
    )
    if attempt is None:
        attempt = _passing_attempt(program, candidate, admin)
    certificate = certificate_create(attempt=attempt)
    if certificate is None:
        return None
    certificate_process(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    return certificate
