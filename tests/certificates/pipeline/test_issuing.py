"""From a released result to an issued certificate, without Celery: the service the task calls."""

from pathlib import Path

import pytest
from django.conf import settings

from certificates import rendering, services
from certificates.models import Certificate, CertificateKind, CertificateStatus
from exams import delivery
from exams.models.delivery import Attempt, AttemptStatus
from tests.certificates.pipeline.conftest import attempt_take
from tests.conftest import make_user

S = CertificateStatus


def _pdfs() -> list[str]:
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "certificates"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_a_passing_result_creates_one_pending_certificate_and_queues_it_on_commit(
    pipeline, exam_program, candidate, program_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        attempt = attempt_take(exam_program, candidate, program_admin=program_admin)
    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.status == S.PENDING and certificate.kind == CertificateKind.AWARD
    assert certificate.holder == candidate and certificate.holder_name == "Sofia Marin"
    assert certificate.number == f"CSPSP-T-{certificate.issued_on.year}-000001"
    assert len(certificate.public_id) >= 22  # 128 random bits, URL-safe
    assert certificate.expires_on.year == certificate.issued_on.year + 2
    assert any("certificate_process_task" in repr(callback) or callback for callback in callbacks)
    assert certificate.events.get().action == "create"


def test_the_certificate_commits_or_rolls_back_with_the_release(pipeline, exam_program, candidate, program_admin):
    attempt = attempt_take(exam_program, candidate, program_admin=program_admin, submit=False)
    with pytest.raises(RuntimeError), delivery.transaction.atomic():
        delivery.attempt_submit(attempt=attempt, by=candidate)
        assert Certificate.objects.filter(attempt=attempt).exists()  # made inside the release
        raise RuntimeError("the release transaction fails")
    assert not Certificate.objects.filter(attempt=attempt).exists()


def test_a_failing_attempt_gets_no_certificate(pipeline, exam_program, candidate, program_admin):
    attempt = attempt_take(exam_program, candidate, program_admin=program_admin, correct=False)
    assert attempt.status == AttemptStatus.RELEASED and attempt.passed is False
    assert not Certificate.objects.exists()


def test_a_voided_attempt_never_gets_a_certificate(pipeline, exam_program, candidate, program_admin, proctor):
    attempt = attempt_take(exam_program, candidate, program_admin=program_admin, submit=False)
    delivery.attempt_terminate(attempt=attempt, by=proctor, reason="notes on the desk", outcome="void")
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.VOIDED
    assert services.certificate_create(attempt=Attempt.objects.get(pk=attempt.pk)) is None
    assert not Certificate.objects.exists()


def test_the_task_running_twice_yields_one_certificate_and_one_pdf(pipeline, exam_program, candidate, program_admin):
    attempt = attempt_take(exam_program, candidate, program_admin=program_admin)
    certificate = Certificate.objects.get(attempt=attempt)
    assert services.certificate_process(certificate_id=certificate.pk) == "issued"
    assert services.certificate_process(certificate_id=certificate.pk) == "done"
    assert services.certificate_create(attempt=attempt) == certificate  # the release heard twice
    certificate.refresh_from_db()
    assert certificate.status == S.ISSUED and certificate.render_attempts == 1
    assert Certificate.objects.count() == 1
    assert _pdfs() == [f"{certificate.public_id}.pdf"]
    assert [e.action for e in certificate.events.all()] == ["create", "sign", "render", "issue"]


def test_a_certificate_claimed_by_a_live_worker_is_left_alone(pipeline, exam_program, candidate, program_admin):
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))
    assert services._claim(certificate.pk) is True
    assert services.certificate_process(certificate_id=certificate.pk) == "busy"
    assert Certificate.objects.get(pk=certificate.pk).status == S.PENDING


def test_a_retry_after_a_crash_renders_the_credential_signed_before_it(
    pipeline, exam_program, candidate, program_admin, monkeypatch
):
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))

    def crash(certificate):
        raise OSError("disk full")

    monkeypatch.setattr(rendering, "certificate_pdf", crash)
    with pytest.raises(services.CertificateRenderError, match="disk full"):
        services.certificate_process(certificate_id=certificate.pk)
    signed = Certificate.objects.get(pk=certificate.pk)
    assert signed.status == S.SIGNED and "disk full" in signed.render_error and signed.claimed_until is None
    monkeypatch.undo()
    assert services.certificate_process(certificate_id=certificate.pk) == "issued"
    issued = Certificate.objects.get(pk=certificate.pk)
    assert issued.credential_json == signed.credential_json and issued.render_attempts == 2


def test_production_stops_at_the_attempt_cap_and_an_administrator_can_retry(
    pipeline, exam_program, candidate, program_admin, monkeypatch, django_capture_on_commit_callbacks
):
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))
    assert certificate.render_max_attempts == 3

    def crash(certificate):
        raise RuntimeError("broken template")

    monkeypatch.setattr(rendering, "certificate_pdf", crash)
    for _ in range(3):
        with pytest.raises(services.CertificateRenderError):
            services.certificate_process(certificate_id=certificate.pk)
    assert services.certificate_process(certificate_id=certificate.pk) == "gave-up"
    assert services.certificate_process(certificate_id=certificate.pk) == "gave-up"
    assert Certificate.objects.get(pk=certificate.pk).events.filter(action="give_up").count() == 1
    monkeypatch.undo()
    with django_capture_on_commit_callbacks() as callbacks:
        services.certificate_retry(certificate=certificate, by=program_admin, reason="template fixed")
    assert len(callbacks) == 1
    assert services.certificate_process(certificate_id=certificate.pk) == "issued"


def test_numbers_run_per_program_and_year_and_status_indexes_never_repeat(
    pipeline, exam_program, candidate, other_candidate, program_admin
):
    first = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))
    second = Certificate.objects.get(attempt=attempt_take(exam_program, other_candidate, program_admin=program_admin))
    year = first.issued_on.year
    assert (first.number, second.number) == (f"CSPSP-T-{year}-000001", f"CSPSP-T-{year}-000002")
    assert second.status_index == first.status_index + 1


def test_the_ready_email_goes_once_with_links(pipeline, exam_program, candidate, program_admin, mailoutbox):
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))
    certificate.status = S.ISSUED
    certificate.save()
    assert services.certificate_ready_email_send(certificate.pk) is True
    assert services.certificate_ready_email_send(certificate.pk) is False
    (message,) = [m for m in mailoutbox if certificate.number in m.subject]
    assert message.to == [candidate.email]
    assert "https://certdesk.example/certificates/" in message.body
    assert f"https://certdesk.example/verify/{certificate.public_id}" in message.body


def test_the_legal_name_at_submission_is_printed_not_the_account_name(pipeline, exam_program, program_admin):
    from candidates.models import CandidateProfile

    person = make_user("renamed", first_name="Sam", last_name="Account")
    from accounts.roles import Role

    person.set_roles([Role.CANDIDATE])
    CandidateProfile.objects.create(user=person, legal_name="Samantha Ñúñez-Åkesson")
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, person, program_admin=program_admin))
    assert certificate.holder_name == "Samantha Ñúñez-Åkesson"
