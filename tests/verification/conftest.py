"""Issued certificates for the verification tests, made through the certificate pipeline (signed,
rendered with the QR code and the credential attached), and the issuer from the certificates tests."""

import pytest
from django.core.cache import cache

from certificates import services
from certificates.models import Certificate
from tests.certificates.conftest import issuer, key_ring, no_network  # noqa: F401  (fixtures)
from tests.certificates.pipeline.conftest import (  # noqa: F401  (fixtures)
    attempt_take,
    exam_program,
    pipeline,
    private_media,
)


def certificate_issue_for(program, holder, *, program_admin) -> Certificate:
    certificate = Certificate.objects.get(attempt=attempt_take(program, holder, program_admin=program_admin))
    services.certificate_process(certificate_id=certificate.pk)
    return Certificate.objects.select_related("program").get(pk=certificate.pk)


@pytest.fixture
def issued(pipeline, exam_program, candidate, program_admin):  # noqa: F811
    """Sofia Marin's issued certificate, with its PDF."""
    return certificate_issue_for(exam_program, candidate, program_admin=program_admin)


@pytest.fixture
def other_issued(pipeline, exam_program, other_candidate, program_admin):  # noqa: F811
    """Jonah Price's issued certificate of the same program."""
    return certificate_issue_for(exam_program, other_candidate, program_admin=program_admin)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with no lookups counted against its client address."""
    cache.clear()
    yield
    cache.clear()
