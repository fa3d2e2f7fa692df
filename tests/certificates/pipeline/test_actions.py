"""Suspend, reinstate, revoke and reissue: each audited and reflected in the published status list
at once; renewal and expiry follow the program's rules."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from certificates import services
from certificates.credential import CredentialStatus, credential_verify
from certificates.models import Certificate, CertificateKind, CertificateStatus
from certificates.status_list import StatusPurpose, status_bit_from_encoded_list
from tests.certificates.pipeline.conftest import attempt_take

S = CertificateStatus


@pytest.fixture
def issued(pipeline, exam_program, candidate, program_admin):
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))
    services.certificate_process(certificate_id=certificate.pk)
    return Certificate.objects.get(pk=certificate.pk)


def _published_bit(client, purpose: str, index: int) -> bool:
    response = client.get(f"/status-lists/{purpose}")
    assert response.status_code == 200
    return status_bit_from_encoded_list(response.json()["credentialSubject"]["encodedList"], index)


def _verify(client, certificate):
    lists = [client.get(f"/status-lists/{purpose}").json() for purpose in StatusPurpose.ALL]
    return credential_verify(certificate.credential, status_lists=lists).status


def test_revoking_sets_the_revocation_bit_at_once_and_verifiers_see_revoked(issued, client, program_admin):
    assert _published_bit(client, "revocation", issued.status_index) is False
    services.certificate_revoke(certificate=issued, by=program_admin, reason="exam fraud established")
    issued.refresh_from_db()
    assert issued.status == S.REVOKED and issued.status_reason == "exam fraud established"
    assert _published_bit(client, "revocation", issued.status_index) is True
    assert _verify(client, issued) == CredentialStatus.REVOKED
    event = issued.events.last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "revoke",
        "issued",
        "revoked",
        program_admin,
    )


def test_suspending_and_reinstating_flip_the_suspension_bit(issued, client, program_admin):
    services.certificate_suspend(certificate=issued, by=program_admin, reason="complaint under investigation")
    assert _published_bit(client, "suspension", issued.status_index) is True
    assert _verify(client, issued) == CredentialStatus.SUSPENDED
    services.certificate_reinstate(certificate=issued, by=program_admin, reason="complaint dismissed")
    assert _published_bit(client, "suspension", issued.status_index) is False
    assert _verify(client, issued) == CredentialStatus.VALID
    assert list(issued.events.values_list("action", flat=True))[-2:] == ["suspend", "reinstate"]


def test_an_action_needs_a_reason_and_a_legal_status(issued, program_admin):
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=issued, by=program_admin, reason="  ")
    with pytest.raises(services.IllegalTransition):
        services.certificate_reinstate(certificate=issued, by=program_admin, reason="not suspended")
    assert Certificate.objects.get(pk=issued.pk).status == S.ISSUED


def test_reissue_for_a_name_change_supersedes_the_old_and_issues_a_new_one(issued, client, program_admin):
    new = services.certificate_reissue(
        certificate=issued, by=program_admin, holder_name="Sofia Marin-Hale", reason="married name"
    )
    issued.refresh_from_db()
    assert issued.status == S.SUPERSEDED and new.replaces == issued and new.kind == CertificateKind.REISSUE
    assert _published_bit(client, "revocation", issued.status_index) is True  # the old name stops verifying
    assert services.certificate_process(certificate_id=new.pk) == "issued"
    new.refresh_from_db()
    assert new.holder_name == "Sofia Marin-Hale" and new.number != issued.number
    assert (new.issued_on, new.expires_on) == (issued.issued_on, issued.expires_on)
    assert new.credential["credentialSubject"]["name"] == "Sofia Marin-Hale"
    assert _verify(client, new) == CredentialStatus.VALID


def test_a_pass_inside_the_recertification_window_renews_and_extends_from_the_old_expiry(
    issued, exam_program, candidate, program_admin
):
    window_opens = issued.expires_on - timedelta(days=exam_program.recertification_window_days - 1)
    with time_machine.travel(window_opens, tick=False):
        attempt = attempt_take(exam_program, candidate, program_admin=program_admin)
    renewal = Certificate.objects.get(attempt=attempt)
    assert renewal.kind == CertificateKind.RENEWAL and renewal.replaces == issued
    assert renewal.expires_on == services.add_months(issued.expires_on, exam_program.validity_months)
    services.certificate_process(certificate_id=renewal.pk)
    issued.refresh_from_db()
    assert issued.status == S.SUPERSEDED and issued.events.last().action == "supersede"
    assert Certificate.objects.get(pk=renewal.pk).status == S.ISSUED


def test_a_pass_after_expiry_is_a_new_award(issued, exam_program, candidate, program_admin):
    with time_machine.travel(issued.expires_on + timedelta(days=3), tick=False):
        attempt = attempt_take(exam_program, candidate, program_admin=program_admin)
    fresh = Certificate.objects.get(attempt=attempt)
    assert fresh.kind == CertificateKind.AWARD and fresh.replaces is None


def test_the_daily_sweep_expires_due_certificates_and_sends_each_notice_once(issued, mailoutbox):
    expires = issued.expires_on
    mailoutbox.clear()
    assert services.expiry_notices_send(today=expires - timedelta(days=120)) == {90: 0, 30: 0}
    assert services.expiry_notices_send(today=expires - timedelta(days=89)) == {90: 1, 30: 0}
    assert services.expiry_notices_send(today=expires - timedelta(days=88)) == {90: 0, 30: 0}
    assert services.expiry_notices_send(today=expires - timedelta(days=29)) == {90: 0, 30: 1}
    assert services.expiry_notices_send(today=expires - timedelta(days=2)) == {90: 0, 30: 0}
    assert [m.to for m in mailoutbox] == [[issued.holder.email]] * 2
    assert "expires in 89 days" in mailoutbox[0].body and "expires in 29 days" in mailoutbox[1].body
    assert services.certificates_expire(today=expires - timedelta(days=1)) == 0
    assert services.certificates_expire(today=expires) == 1
    issued.refresh_from_db()
    assert issued.status == S.EXPIRED and issued.events.last().action == "expire"


def test_a_certificate_found_late_gets_only_the_30_day_notice(issued, mailoutbox):
    mailoutbox.clear()
    assert services.expiry_notices_send(today=issued.expires_on - timedelta(days=10)) == {90: 0, 30: 1}
    assert services.expiry_notices_send(today=issued.expires_on - timedelta(days=9)) == {90: 0, 30: 0}
    assert len(mailoutbox) == 1


def test_add_months_keeps_the_day_or_falls_back_to_the_month_end():
    assert services.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert services.add_months(date(2024, 2, 29), 36) == date(2027, 2, 28)
    assert services.add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)
