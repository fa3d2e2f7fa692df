"""A real worker on the Redis broker is killed while it renders; another finishes the job, and
there is still exactly one certificate and one PDF."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateStatus
from tests.certificates.pipeline.conftest import attempt_take
from tests.conftest import ROOT

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _start_worker(queue: str, env: dict, log_path: Path) -> subprocess.Popen:
    from certdesk.celery import app

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.certificates.pipeline.worker_app",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}-{uuid.uuid4().hex[:4]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The worker exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        replies = app.control.ping(timeout=0.5)
        if any(queue in name for reply in replies for name in reply):
            return process
    process.kill()
    pytest.fail("The worker did not answer a ping within 60 s.")


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"Timed out waiting for {what}.")


@pytest.fixture
def worker_env(pipeline, tmp_path, settings):
    if not settings.REDIS_URL:
        pytest.fail("Worker tests need REDIS_URL (make test sets it).")
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("Worker tests need PostgreSQL (make test sets DATABASE_URL).")
    queue = f"certdesk-certpipe-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "DB_CONN_MAX_AGE": "0",
        "PUBLIC_URL": settings.PUBLIC_URL,
        "CERTDESK_SIGNING_KEYS": settings.CERTDESK_SIGNING_KEYS,
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    from certdesk.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue, env
    app.conf.task_default_queue = previous


def test_a_worker_killed_mid_render_still_yields_exactly_one_certificate_and_one_pdf(
    worker_env, exam_program, candidate, program_admin, tmp_path
):
    queue, env = worker_env
    gate = tmp_path / "gate"
    first = _start_worker(queue, {**env, "CERTPIPE_GATE": str(gate)}, tmp_path / "first.log")
    second = None
    try:
        attempt = attempt_take(exam_program, candidate, program_admin=program_admin)  # queues the task on commit
        _wait_for(lambda: Path(f"{gate}.entered").exists(), 60, "the first worker to start rendering")
        certificate = Certificate.objects.get(attempt=attempt)
        assert certificate.status == CertificateStatus.SIGNED  # signed and stored before rendering
        signed_json = certificate.credential_json

        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

        second = _start_worker(queue, env, tmp_path / "second.log")
        # Redis hands the unacknowledged message out again after the visibility timeout, but kombu
        # checks only every 100 s under a Redis-wide lock. The beat's sweep re-queues certificates
        # whose claim lapsed; run it as the beat would. Two deliveries must still make one certificate.
        _wait_for(
            lambda: (
                Certificate.objects.filter(pk=certificate.pk)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now()))
                .exists()
            ),
            30,
            "the killed worker's claim to lapse (or a redelivery to finish)",
        )
        services.certificates_requeue_stuck(older_than=timedelta(0))
        _wait_for(
            lambda: Certificate.objects.filter(attempt=attempt, status=CertificateStatus.ISSUED).exists(),
            90,
            "the second worker to issue the certificate",
        )
    finally:
        for process in (first, second):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()

    assert Certificate.objects.filter(attempt=attempt).count() == 1
    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.credential_json == signed_json  # the retry rendered the credential signed before the kill
    assert certificate.render_attempts == 2
    pdfs = list((Path(settings.PRIVATE_MEDIA_ROOT) / "certificates").iterdir())
    assert [path.name for path in pdfs] == [f"{certificate.public_id}.pdf"]
    actions = list(certificate.events.values_list("action", flat=True))
    assert actions == ["create", "sign", "render", "issue"]
