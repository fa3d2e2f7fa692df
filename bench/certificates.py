"""Certificates: the pipeline under load with two real Celery workers on the Redis broker.

- burst: 500 pending certificates queued at once → `burst_drain_s` (first queued to last issued)
  and `certs_per_s`;
- steady: 500 passing results released at 8 a second through exams.delivery.attempt_release (the
  certificate is created in the release transaction and queued on commit, as in production) →
  `submit_to_pdf_median_s` / `submit_to_pdf_p95_s`, from the release to the issued certificate;
- rendering in this process: `render_ms_median` (certdesk's renderer: template, QR code, shared
  FontConfiguration, URL fetcher and parsed stylesheet) against `bare_weasyprint_ms_median` (the
  same HTML and CSS through WeasyPrint with nothing reused), interleaved, in the same run.

Self-contained: its own database (certdesk_bench), a fresh signing key, a temporary folder for
the PDFs, a unique queue; it starts and stops its two workers. Exits 0 whatever the figures.

Run: .venv/bin/python bench/certificates.py   (or make bench BENCH=certificates)
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import ROOT, percentile, setup, write_results

BURST = 500
STEADY = 500
STEADY_RATE = 8.0  # releases per second
RENDER_SAMPLES = 40
WORKERS = 2

MEDIA = Path(tempfile.mkdtemp(prefix="certdesk-bench-certificates-"))
QUEUE = f"certdesk-bench-certificates-{uuid.uuid4().hex[:8]}"


def _configure_environment() -> None:
    from certificates.keys import signing_key_generate

    os.environ["PUBLIC_URL"] = "https://certdesk.example"
    os.environ["CERTDESK_SIGNING_KEYS"] = signing_key_generate().secret_key_multibase
    os.environ["PRIVATE_MEDIA_ROOT"] = str(MEDIA / "private")
    os.environ["MEDIA_ROOT"] = str(MEDIA / "media")
    os.environ["CELERY_QUEUE"] = QUEUE
    os.environ["DB_CONN_MAX_AGE"] = "60"


def build_program():
    from decimal import Decimal

    from django.core.management import call_command

    from accounts.models import User
    from exams.bank import ItemContent, ItemTags, OptionData, item_create
    from exams.models.bank import VersionStatus
    from exams.programs import BlueprintInput, blueprint_save, program_create, program_publish
    from standards.models import Competency, Standard

    call_command("load_standards", verbosity=0)
    admin = User.objects.create_user(username="bench-admin", password=None)
    standard = Standard.objects.get(code="CSS")
    competencies = list(Competency.objects.filter(domain__standard=standard))
    for n, competency in enumerate(competencies):
        options = [OptionData(f"Option {letter} for {competency.code}", letter == "A", "") for letter in "ABCD"]
        item_create(
            content=ItemContent(type="single", stem=f"<p>Bench item {n}</p>", options=options, rationale="-"),
            tags=ItemTags(competency=competency, difficulty=3),
            by=admin,
            status=VersionStatus.APPROVED,
        )
    program = program_create(
        by=admin,
        code="BENCH",
        name="Customer Support Specialist (benchmark)",
        standard=standard,
        item_count=len(competencies),
        duration_minutes=60,
        cut_score_percent=Decimal("70"),
        validity_months=36,
        recertification_window_days=90,
        retake_wait_days=0,
        retake_max_per_year=10,
    )
    weights = {domain: Decimal(str(domain.weight)) for domain in standard.domains.all()}
    blueprint_save(
        program=program,
        data=BlueprintInput(
            domains=list(weights.items()),
            minimums={competency: 1 for competency in competencies},
            difficulty_target=Decimal("3"),
            difficulty_tolerance=Decimal("1"),
            enemy_rule=False,
        ),
        by=admin,
    )
    program_publish(program=program, by=admin, comment="bench")
    return program, admin


def make_attempts(program, admin, count: int, status: str, prefix: str):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from exams.models.delivery import Attempt, ExamSession, SessionStatus

    now = timezone.now()
    session = ExamSession.objects.create(
        program=program,
        opens_at=now - timedelta(hours=2),
        closes_at=now - timedelta(hours=1),
        seats=count,
        status=SessionStatus.PUBLISHED,
        created_by=admin,
    )
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.org", first_name="Bench", last_name=f"Holder {n}")
            for n in range(count)
        ]
    )
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                candidate=user,
                program=program,
                session=session,
                status=status,
                passed=True,
                percent=100,
                legal_name=f"Bench Holder {n}",
                submitted_at=now,
                released_at=now if status == "released" else None,
            )
            for n, user in enumerate(users)
        ]
    )
    return attempts


def start_workers() -> list[subprocess.Popen]:
    from certdesk.celery import app

    processes = []
    for n in range(WORKERS):
        log = open(MEDIA / f"worker-{n}.log", "w")  # noqa: SIM115 (closed with the process)
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "certdesk",
                    "worker",
                    "--pool=solo",
                    "--loglevel=WARNING",
                    "-Q",
                    QUEUE,
                    "--without-gossip",
                    "--without-mingle",
                    "-n",
                    f"{QUEUE}-{n}@%h",
                ],
                cwd=ROOT,
                env=os.environ.copy(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5)
        names = {name for reply in replies for name in reply}
        if sum(QUEUE in name for name in names) == WORKERS:
            return processes
    raise SystemExit("The benchmark workers did not start.")


def stop_workers(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_issued(ids, timeout: float) -> bool:
    from certificates.models import Certificate

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Certificate.objects.filter(pk__in=ids, status="issued").count() == len(ids):
            return True
        time.sleep(0.25)
    return False


def burst(program, admin) -> dict:
    from django.db import transaction

    from certificates.models import Certificate
    from certificates.services import certificate_create
    from certificates.tasks import certificate_process_task

    attempts = make_attempts(program, admin, BURST, "released", "burst")
    with transaction.atomic():
        ids = [certificate_create(attempt=attempt).pk for attempt in attempts]
    started = time.monotonic()
    for pk in ids:
        certificate_process_task.delay(pk)
    done = wait_issued(ids, timeout=900)
    elapsed = time.monotonic() - started
    issued = Certificate.objects.filter(pk__in=ids, status="issued").count()
    return {
        "burst_certificates": BURST,
        "burst_issued": issued,
        "burst_completed": done,
        "burst_drain_s": round(elapsed, 2),
        "certs_per_s": round(issued / elapsed, 2),
    }


def steady(program, admin) -> dict:
    from certificates.models import Certificate
    from exams.delivery import attempt_release

    attempts = make_attempts(program, admin, STEADY, "scored", "steady")
    interval = 1 / STEADY_RATE
    started = time.monotonic()
    for n, attempt in enumerate(attempts):
        delay = started + n * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        attempt_release(attempt=attempt, by=None)
    offered = time.monotonic() - started
    ids = list(Certificate.objects.filter(attempt__in=attempts).values_list("pk", flat=True))
    done = wait_issued(ids, timeout=600)
    rows = Certificate.objects.filter(pk__in=ids, status="issued").values_list("attempt__released_at", "issued_at")
    latencies = [(issued - released).total_seconds() for released, issued in rows]
    return {
        "steady_results": STEADY,
        "steady_rate_per_s": round(STEADY / offered, 2),
        "steady_completed": done,
        "submit_to_pdf_median_s": round(statistics.median(latencies), 3),
        "submit_to_pdf_p95_s": round(percentile(latencies, 95), 3),
        "submit_to_pdf_max_s": round(max(latencies), 3),
    }


def render_comparison() -> dict:
    from datetime import UTC, datetime

    from weasyprint import CSS, HTML, Attachment

    from certdesk.pdf import static_file_url
    from certificates import rendering
    from certificates.models import Certificate

    certificate = Certificate.objects.filter(status="issued").order_by("pk").first()
    html = rendering.certificate_html(certificate, certificate.credential)
    css_path = Path(static_file_url(rendering.STYLESHEET).removeprefix("file://"))
    rendering.certificate_pdf(certificate)  # the shared objects exist, as in a warmed worker

    def bare() -> bytes:
        attachment = Attachment(string=certificate.credential_json.encode(), name="credential.json")
        return HTML(string=html).write_pdf(
            stylesheets=[CSS(filename=str(css_path))], pdf_variant="pdf/a-3b", attachments=[attachment]
        )

    bare()
    ours, plain = [], []
    for _ in range(RENDER_SAMPLES):
        started = time.perf_counter()
        rendering.certificate_pdf(certificate)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        bare()
        plain.append(time.perf_counter() - started)
    shared_only = []
    for _ in range(RENDER_SAMPLES):
        started = time.perf_counter()
        rendering.pdf_from_html(html, credential_json=certificate.credential_json, moment=datetime.now(UTC))
        shared_only.append(time.perf_counter() - started)
    render_ms = statistics.median(ours) * 1000
    bare_ms = statistics.median(plain) * 1000
    return {
        "render_ms_median": round(render_ms, 1),
        "render_pdf_only_ms_median": round(statistics.median(shared_only) * 1000, 1),
        "bare_weasyprint_ms_median": round(bare_ms, 1),
        "render_over_bare": round(render_ms / bare_ms, 3),
        "render_samples": RENDER_SAMPLES,
    }


def main() -> None:
    _configure_environment()
    setup()
    from certdesk.celery import app

    app.conf.task_default_queue = QUEUE
    program, admin = build_program()
    workers = start_workers()
    try:
        results = {"workers": WORKERS, "pool": "solo"}
        results.update(burst(program, admin))
        results.update(steady(program, admin))
    finally:
        stop_workers(workers)
    results.update(render_comparison())
    write_results("certificates", results)


if __name__ == "__main__":
    main()
