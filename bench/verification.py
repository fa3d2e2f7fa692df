"""Verification under load: 200 lookups a second against gunicorn and PostgreSQL holding 10,000 certificates.

Writes 10,000 certificates straight into the tables (bulk inserts: users, released attempts and
certificates sharing one genuinely signed credential as their template; a mix of valid, revoked,
suspended, expired and hidden), starts gunicorn (2 sync workers, persistent database connections,
Redis cache for the rate-limit counters, VERIFY_RATE_LIMIT raised out of the way), then a second
process offers an open-loop load of 200 requests a second for 30 seconds: the verification page
and the JSON API by public identifier, the API by number with the surname, and a few unknown
identifiers. Latency is measured from each request's scheduled start, so a server that falls
behind is charged for the queue it builds. Target: p99 under 50 ms.

Run: .venv/bin/python bench/verification.py   (or make bench BENCH=verification)
Exits 0 whatever the figures.
"""

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

from _common import ROOT, percentile, setup, summary_ms, write_results

CERTIFICATES = 10_000
RATE = int(os.environ.get("VERIFY_BENCH_RATE", "200"))  # requests a second; the target is set at 200
DURATION_S = 30
WARMUP_REQUESTS = 400
WORKERS = 2
TARGET_P99_MS = 50
MIX = [("page", 0.45), ("api", 0.35), ("api_number", 0.15), ("unknown", 0.05)]
WORK = Path(tempfile.mkdtemp(prefix="certdesk-bench-verification-"))


def _configure_environment() -> None:
    from certificates.keys import signing_key_generate

    os.environ["PUBLIC_URL"] = "https://certdesk.example"
    os.environ["CERTDESK_SIGNING_KEYS"] = signing_key_generate().secret_key_multibase
    os.environ["PRIVATE_MEDIA_ROOT"] = str(WORK / "private")
    os.environ["MEDIA_ROOT"] = str(WORK / "media")
    os.environ["STATIC_ROOT"] = str(WORK / "static")  # collected below, served by WhiteNoise as in production
    os.environ["VERIFY_RATE_LIMIT"] = str(10**9)  # one client address makes every request here
    os.environ["DB_CONN_MAX_AGE"] = "600"


def _program():
    from decimal import Decimal

    from django.core.management import call_command

    from accounts.models import User
    from exams.programs import program_create
    from standards.models import Standard

    call_command("load_standards", verbosity=0)
    admin = User.objects.create_user(username="bench-admin", password=None)
    program = program_create(
        by=admin,
        code="CSS",
        name="Customer Support Specialist",
        standard=Standard.objects.get(code="CSS"),
        item_count=60,
        duration_minutes=90,
        cut_score_percent=Decimal("70"),
        validity_months=36,
        recertification_window_days=90,
        retake_wait_days=14,
        retake_max_per_year=3,
    )
    return program, admin


def _signed_template(program) -> str:
    """One credential signed for real, stored on every row: the pages read it, nobody re-verifies it here."""
    from datetime import UTC, datetime

    from certificates.credential import credential_build, credential_sign
    from certificates.did import issuer_did
    from certificates.services import criteria_narrative, program_competencies, program_level, status_list_url

    unsigned = credential_build(
        issuer_id=issuer_did(),
        issuer_name="certdesk Certification Body",
        issuer_url="https://certdesk.example",
        certificate_url="https://certdesk.example/verify/template",
        certificate_number="CSS-2025-000000",
        holder_name="Template Holder",
        holder_email="template@example.org",
        holder_email_salt="00",
        program_code=program.code,
        program_name=program.name,
        program_url=f"https://certdesk.example/programs/{program.code}",
        standard=program.standard.full_name or program.standard.name,
        level=program_level(program),
        competencies=program_competencies(program),
        criteria_narrative=criteria_narrative(program),
        valid_from=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        valid_until=datetime(2028, 3, 1, tzinfo=UTC),
        status_list_index=0,
        revocation_list_url=status_list_url("revocation"),
        suspension_list_url=status_list_url("suspension"),
    )
    return json.dumps(credential_sign(unsigned), ensure_ascii=False, indent=2)


SURNAMES = ["Marin", "Price", "Okafor", "Fischer", "Menon", "Alvarez", "Tanaka", "Novak", "Haddad", "Silva"]
GIVEN = ["Sofia", "Jonah", "Amara", "Lena", "Ravi", "Tomas", "Aiko", "Pavel", "Layla", "Joao"]


def build_certificates() -> list[dict]:
    """10,000 certificates; returns what the load generator asks for (identifier, number, surname)."""
    from datetime import date, timedelta

    from django.utils import timezone

    from accounts.models import User
    from certificates.models import Certificate, CertificateStatus, Counter, CounterName
    from exams.models.delivery import Attempt, ExamSession, SessionStatus
    from verification.models import CertificateVisibility

    program, admin = _program()
    credential_json = _signed_template(program)
    now = timezone.now()
    session = ExamSession.objects.create(
        program=program,
        opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=399),
        seats=CERTIFICATES,
        status=SessionStatus.PUBLISHED,
        created_by=admin,
    )
    rng = random.Random(42)
    names = [(rng.choice(GIVEN), rng.choice(SURNAMES)) for _ in range(CERTIFICATES)]
    users = User.objects.bulk_create(
        [
            User(username=f"holder{n}", email=f"holder{n}@example.org", first_name=given, last_name=surname)
            for n, (given, surname) in enumerate(names)
        ],
        batch_size=2000,
    )
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                candidate=user,
                program=program,
                session=session,
                status="released",
                passed=True,
                percent=85,
                legal_name=f"{given} {surname}",
                submitted_at=now - timedelta(days=300),
                released_at=now - timedelta(days=300),
            )
            for user, (given, surname) in zip(users, names, strict=True)
        ],
        batch_size=2000,
    )
    today = timezone.localdate()
    rows = []
    for n, (attempt, (given, surname)) in enumerate(zip(attempts, names, strict=True)):
        roll = rng.random()
        status, reason, changed = CertificateStatus.ISSUED, "", None
        issued_on = today - timedelta(days=rng.randint(1, 700))
        expires_on = date(issued_on.year + 3, issued_on.month, min(issued_on.day, 28))
        if roll < 0.04:
            status, reason, changed = CertificateStatus.REVOKED, "bench", now
        elif roll < 0.06:
            status, reason, changed = CertificateStatus.SUSPENDED, "bench", now
        elif roll < 0.09:
            status, issued_on = CertificateStatus.EXPIRED, today - timedelta(days=1200)
            expires_on = issued_on + timedelta(days=1095)
        rows.append(
            Certificate(
                number=f"CSS-{issued_on.year}-{n + 1:06d}",
                status_index=n,
                attempt=attempt,
                holder_id=attempt.candidate_id,
                holder_name=f"{given} {surname}",
                holder_email_salt="00",
                program=program,
                status=status,
                status_reason=reason,
                status_changed_at=changed,
                issued_on=issued_on,
                expires_on=expires_on,
                valid_from=now - timedelta(days=300),
                credential_json=credential_json,
                signed_at=now,
                rendered_at=now,
                issued_at=now,
            )
        )
    certificates = Certificate.objects.bulk_create(rows, batch_size=1000)
    Counter.objects.update_or_create(name=CounterName.STATUS_INDEX, defaults={"value": CERTIFICATES})
    hidden = certificates[::20]  # 5% hidden by their holders: they answer 404, so are never asked for below
    CertificateVisibility.objects.bulk_create(
        [CertificateVisibility(certificate=c, hidden=True, changed_by_id=c.holder_id) for c in hidden]
    )
    hidden_ids = {c.pk for c in hidden}
    return [
        {"id": c.public_id, "number": c.number, "surname": c.holder_name.split()[-1]}
        for c in certificates
        if c.pk not in hidden_ids
    ]


def _cpu_seconds(master_pid: int) -> float:
    """CPU time used so far by gunicorn's workers: the server's own cost, whatever else runs on the machine."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    log = open(WORK / "gunicorn.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "certdesk.wsgi",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            # The workers' heartbeat file on tmpfs: on a disk-backed /tmp its writes can stall a worker.
            "--worker-tmp-dir",
            "/dev/shm",  # noqa: S108 (gunicorn's own advice; holds only heartbeat files)
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: {(WORK / 'gunicorn.log').read_text()[-2000:]}")
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/verify/api/")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 60 s.")


# --- the load generator: runs in its own process ---------------------------------------------


def _paths(targets: list[dict], count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    kinds = [kind for kind, _share in MIX]
    weights = [share for _kind, share in MIX]
    paths = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        target = rng.choice(targets)
        if kind == "page":
            paths.append((kind, f"/verify/{target['id']}"))
        elif kind == "api":
            paths.append((kind, f"/api/v1/verify/{target['id']}"))
        elif kind == "api_number":
            paths.append((kind, f"/api/v1/verify/{target['number']}?surname={target['surname']}"))
        else:
            paths.append(
                (kind, "/verify/" + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijk0123456789", k=22)))
            )
    return paths


def load(port: int, targets_file: str, out_file: str, rate: float, count: int, seed: int) -> None:
    """Open loop: request i is due at start + i/rate whatever happened to the others."""
    targets = json.loads(Path(targets_file).read_text())
    paths = _paths(targets, count, seed)
    samples: list[tuple[str, float, int]] = []
    lock = threading.Lock()

    def one(kind: str, path: str, due: float) -> None:
        # A bare HTTP/1.0 request on a plain socket: the generator shares the machine's two cores
        # with the server, so it spends as little CPU per request as it can.
        status = -1
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
                connection.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
                received = b""
                while chunk := connection.recv(65536):
                    received += chunk
            status = int(received.split(b" ", 2)[1])
        except (OSError, ValueError, IndexError):
            pass
        with lock:
            samples.append((kind, time.perf_counter() - due, status))

    started = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=128) as pool:
        for n, (kind, path) in enumerate(paths):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, kind, path, due)
    elapsed = time.perf_counter() - started
    Path(out_file).write_text(json.dumps({"elapsed_s": elapsed, "samples": samples}))


def run_load(port: int, targets_file: Path, *, rate: float, count: int, seed: int) -> dict:
    out = WORK / f"load-{seed}.json"
    subprocess.run(
        [sys.executable, __file__, "--load", str(port), str(targets_file), str(out), str(rate), str(count), str(seed)],
        check=True,
        cwd=ROOT / "bench",
    )
    return json.loads(out.read_text())


def summarise(result: dict) -> dict:
    samples = result["samples"]
    latencies = [latency for _kind, latency, _status in samples]
    expected = {"page": 200, "api": 200, "api_number": 200, "unknown": 404}
    # A hidden certificate is never a target, so every other answer is wrong.
    errors = sum(1 for kind, _latency, status in samples if status != expected[kind])
    figures = summary_ms(latencies)
    by_kind = {}
    for kind, _share in MIX:
        chosen = [latency for k, latency, _status in samples if k == kind]
        if chosen:
            by_kind[kind] = {
                "requests": len(chosen),
                "p50_ms": round(percentile(chosen, 50) * 1000, 2),
                "p99_ms": round(percentile(chosen, 99) * 1000, 2),
            }
    return {
        **figures,
        "requests": len(samples),
        "requests_per_s": round(len(samples) / result["elapsed_s"], 1),
        "errors": errors,
        "by_kind": by_kind,
    }


def main() -> None:
    _configure_environment()
    setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.monotonic()
    targets = build_certificates()
    built_s = time.monotonic() - started
    targets_file = WORK / "targets.json"
    targets_file.write_text(json.dumps(targets))
    from django.db import connections

    connections.close_all()  # the bench's own connection is not part of the load
    port = _free_port()
    server = start_gunicorn(port)
    try:
        run_load(port, targets_file, rate=RATE, count=WARMUP_REQUESTS, seed=1)
        load_before, cpu_before = os.getloadavg()[0], _cpu_seconds(server.pid)
        figures = summarise(run_load(port, targets_file, rate=RATE, count=RATE * DURATION_S, seed=2))
        figures["server_cpu_ms_per_request"] = round(
            (_cpu_seconds(server.pid) - cpu_before) * 1000 / figures["requests"], 2
        )
        figures["machine_load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        figures["cpu_cores"] = os.cpu_count()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    write_results(
        "verification",
        {
            "certificates": CERTIFICATES,
            "build_s": round(built_s, 1),
            "server": f"gunicorn, {WORKERS} sync workers, DB_CONN_MAX_AGE=600, Redis cache",
            "offered_rate_per_s": RATE,
            "duration_s": DURATION_S,
            "mix": dict(MIX),
            **figures,
            "target_p99_ms": TARGET_P99_MS,
            "meets_target": figures["p99_ms"] < TARGET_P99_MS and figures["errors"] == 0,
        },
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--load"]:
        port, targets_file, out_file, rate, count, seed = sys.argv[2:8]
        load(int(port), targets_file, out_file, float(rate), int(count), int(seed))
    else:
        main()
