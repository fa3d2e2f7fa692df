"""Proctor dashboard: the refresh the live dashboard polls (htmx, every 2 s while candidates are live),
for a session of 300 candidates taking the exam.

Set-up (bulk, before the clock): the standards and a published program of the CSS standard's
competencies (60 items, the demo CSS exam's length); a proctored session open now with 300 candidates, each with a
profile, an admission (a tenth of them late), a frozen form of their own (copied in bulk from one
drawn through exams.programs.form_freeze), an attempt in progress started 5 to 40 minutes ago, answers
to part of the form, a heartbeat (last_seen_at: a twentieth of them silent for over a minute, so
shown offline), 0 to 5 integrity events in the last quarter hour, an open incident for a tenth and
an approved accommodation for a twentieth. A second session of 30 candidates built the same way.

Measured in this process with Django's test Client against the real PostgreSQL database
(certdesk_bench), signed in as the session's proctor, through the whole middleware stack:
GET proctoring:session_rows (the URL the dashboard's table polls), 20 warm-up requests, then
`p95_ms` (and p50/p99/max) over 200 timed requests. `queries_30` and `queries_300`: the refresh's
query count for 30 and for 300 candidates (they should be equal). Target: p95 under 100 ms.
Also reported: this process's CPU per request and the machine's load average, since wall-clock
figures on a shared machine include waiting for a core.

Run: .venv/bin/python bench/proctor_dashboard.py   (or make bench BENCH=proctor_dashboard)
"""

import os
import random
import statistics
import time

from _common import setup, summary_ms, write_results

CANDIDATES = 300
SMALL = 30
ITEMS = 60  # the demo CSS exam's length
WARMUP = 20
REQUESTS = 200
TARGET_P95_MS = 100


def build_program():
    from decimal import Decimal

    from django.core.management import call_command

    from accounts.models import User
    from exams.bank import ItemContent, ItemTags, OptionData, item_create
    from exams.models.bank import VersionStatus
    from exams.programs import BlueprintInput, blueprint_save, program_create, program_publish
    from standards.models import Competency, Standard

    call_command("load_standards", verbosity=0)
    admin = User.objects.create_user(
        username="bench-admin", email="bench-admin@example.org", password=None, first_name="Bench", last_name="Admin"
    )
    standard = Standard.objects.get(code="CSS")
    competencies = list(Competency.objects.filter(domain__standard=standard))
    per_competency = -(-ITEMS // len(competencies))
    for n, competency in enumerate(competencies * per_competency):
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
        item_count=ITEMS,
        duration_minutes=90,
        cut_score_percent=Decimal("70"),
        validity_months=36,
        recertification_window_days=90,
        retake_wait_days=0,
        retake_max_per_year=10,
    )
    blueprint_save(
        program=program,
        data=BlueprintInput(
            domains=[(domain, Decimal(str(domain.weight))) for domain in standard.domains.all()],
            minimums={competency: 1 for competency in competencies},
            difficulty_target=Decimal("3"),
            difficulty_tolerance=Decimal("1"),
            enemy_rule=False,
        ),
        by=admin,
    )
    program_publish(program=program, by=admin, comment="bench")
    return program, admin


def build_session(program, admin, proctor, count: int, prefix: str, rng: random.Random):
    """One proctored session open now with `count` candidates in the middle of their exam, in bulk."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from candidates.models import AccommodationRequest, CandidateProfile
    from exams.models.delivery import Attempt, AttemptEvent, AttemptStatus, ExamSession, Response, SessionStatus
    from exams.models.programs import ExamForm, FormItem
    from exams.programs import form_freeze
    from proctoring.models import Admission, Incident, IntegrityEvent, IntegrityKind

    now = timezone.now()
    session = ExamSession.objects.create(
        program=program,
        location=f"benchmark {prefix}",
        opens_at=now - timedelta(minutes=45),
        closes_at=now + timedelta(hours=1),
        seats=count,
        status=SessionStatus.PUBLISHED,
        created_by=admin,
        change_cutoff_hours=0,
        proctor=proctor,
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{n}",
                email=f"{prefix}{n}@example.org",
                first_name="Bench",
                last_name=f"Candidate {n}",
                password=password,
            )
            for n in range(count)
        ]
    )
    group = Group.objects.get(name=str(Role.CANDIDATE))
    User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in users])
    CandidateProfile.objects.bulk_create(
        [
            CandidateProfile(user=u, legal_name=f"Bench Candidate {prefix}{n}", time_zone="UTC")
            for n, u in enumerate(users)
        ]
    )
    AccommodationRequest.objects.bulk_create(
        [
            AccommodationRequest(
                candidate=u,
                extra_time_percent=25,
                other_arrangements="Separate desk by the window",
                reason="benchmark",
                evidence="accommodations/benchmark.pdf",
                status=AccommodationRequest.Status.APPROVED,
                decided_by=admin,
                decided_at=now - timedelta(days=3),
            )
            for u in users[::20]
        ]
    )

    # Each attempt has a form of its own (Attempt.form is one-to-one): one drawn, the rest copied.
    template = form_freeze(program=program)
    template_items = list(template.items.all())
    forms = ExamForm.objects.bulk_create(
        [
            ExamForm(program=program, seed=template.seed + n, blueprint_snapshot=template.blueprint_snapshot)
            for n in range(count)
        ]
    )
    items = FormItem.objects.bulk_create(
        [
            FormItem(
                form=form,
                position=item.position,
                item_version_id=item.item_version_id,
                domain_id=item.domain_id,
                competency_id=item.competency_id,
                option_order=item.option_order,
            )
            for form in forms
            for item in template_items
        ]
    )
    items_of: dict[int, list] = {}
    for item in items:
        items_of.setdefault(item.form_id, []).append(item)

    duration = program.duration_minutes * 60
    attempts = []
    for n, (user, form) in enumerate(zip(users, forms, strict=True)):
        arrived = session.opens_at + timedelta(minutes=rng.choice([2, 3, 5, 8, 25]) if n % 10 == 0 else 2)
        started = now - timedelta(minutes=rng.uniform(5, 40))
        silent = n % 20 == 7  # no heartbeat for over a minute: shown offline
        attempts.append(
            Attempt(
                candidate=user,
                program=program,
                session=session,
                status=AttemptStatus.IN_PROGRESS,
                booked_at=now - timedelta(days=7),
                form=form,
                agreement_accepted_at=arrived,
                checked_in_at=arrived,
                started_at=started,
                duration_seconds=duration,
                deadline=started + timedelta(seconds=duration),
                driver=f"bench-driver-{n}",
                last_seen_at=now - timedelta(seconds=rng.uniform(70, 300) if silent else rng.uniform(0, 15)),
                current_position=1,
            )
        )
    attempts = Attempt.objects.bulk_create(attempts)
    AttemptEvent.objects.bulk_create(
        [
            AttemptEvent(attempt=a, from_status=src, to_status=dst, action=action, actor=a.candidate, at=at)
            for a in attempts
            for action, src, dst, at in (
                ("book", "", "booked", a.booked_at),
                ("check_in", "booked", "checked_in", a.checked_in_at),
                ("start", "checked_in", "in_progress", a.started_at),
            )
        ]
    )
    Admission.objects.bulk_create(
        [
            Admission(
                attempt=a,
                admitted_by=proctor,
                admitted_at=a.checked_in_at + timedelta(minutes=1),
                id_name=f"Bench Candidate {prefix}{n}",
                id_document_type="passport",
                id_number_last4=f"{n:04d}"[-4:],
                arrived_at=a.checked_in_at,
                minutes_late=max(0, int((a.checked_in_at - session.opens_at).total_seconds() // 60))
                if (a.checked_in_at - session.opens_at) > timedelta(minutes=10)
                else 0,
            )
            for n, a in enumerate(attempts)
        ]
    )
    responses = []
    for a in attempts:
        mine = items_of[a.form_id]
        answered = rng.randint(len(mine) // 4, len(mine))
        for item in mine[:answered]:
            responses.append(
                Response(
                    attempt=a,
                    form_item=item,
                    value=[rng.randint(1, 4)],
                    flagged=rng.random() < 0.05,
                    client_seq=rng.randint(1, 3),
                    saved_at=now - timedelta(seconds=rng.uniform(0, 600)),
                )
            )
    Response.objects.bulk_create(responses, batch_size=2000)
    browser_kinds = [IntegrityKind.LEFT_PAGE, IntegrityKind.FULLSCREEN_EXIT, IntegrityKind.COPY_PASTE]
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                attempt=a,
                session=session,
                kind=IntegrityKind.LEFT_PAGE,
                summary="Left the exam tab or window: 3 times.",
                event_count=3,
                opened_at=now - timedelta(minutes=4),
            )
            for a in attempts[3::10]
        ]
    )
    incident_of = {i.attempt_id: i for i in incidents}
    events = []
    for a in attempts:
        for k in range(rng.randint(0, 5)):
            events.append(
                IntegrityEvent(
                    attempt=a,
                    session=session,
                    kind=rng.choice(browser_kinds),
                    source="browser",
                    at=now - timedelta(seconds=rng.uniform(0, 900)),
                    detail={"seconds_away": k + 1},
                    incident=incident_of.get(a.pk),
                )
            )
    IntegrityEvent.objects.bulk_create(events, batch_size=2000)
    return session, len(responses), len(events)


def refresh_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: the session's user and cache entries
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def main() -> None:
    setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from accounts.roles import Role

    rng = random.Random(6)
    started = time.monotonic()
    program, admin = build_program()
    proctor = User.objects.create_user(
        username="bench-proctor",
        email="bench-proctor@example.org",
        password=None,
        first_name="Pat",
        last_name="Proctor",
    )
    proctor.set_roles([Role.PROCTOR])
    big, answers, events = build_session(program, admin, proctor, CANDIDATES, "big", rng)
    small, _answers, _events = build_session(program, admin, proctor, SMALL, "small", rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"set-up: {time.monotonic() - started:.1f} s ({answers} answers, {events} integrity events)")

    client = Client()
    client.force_login(proctor)
    big_url = reverse("proctoring:session_rows", args=[big.pk]) + "?show=all"
    small_url = reverse("proctoring:session_rows", args=[small.pk]) + "?show=all"
    queries_30 = refresh_queries(client, small_url)
    queries_300 = refresh_queries(client, big_url)

    for _ in range(WARMUP):
        client.get(big_url)
    samples, cpu = [], []
    size = 0
    load_before = os.getloadavg()[0]
    for _ in range(REQUESTS):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        response = client.get(big_url)
        samples.append(time.perf_counter() - begin)
        cpu.append(time.process_time() - begin_cpu)
        assert response.status_code == 200
        size = len(response.content)
    figures = summary_ms(samples)
    write_results(
        "proctor_dashboard",
        {
            "how": "in-process Django test Client (full middleware stack, signed-in proctor) on PostgreSQL",
            "url": "proctoring:session_rows ?show=all (the dashboard table's htmx poll)",
            "candidates": CANDIDATES,
            "answers": answers,
            "integrity_events": events,
            "requests": REQUESTS,
            **figures,
            # This process's CPU per request (Python: middleware, selector, rendering), without the database's
            # time or waiting for a core: on a shared machine, compare it with the wall-clock figures.
            "python_cpu_p50_ms": round(statistics.median(cpu) * 1000, 2),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "response_kb": round(size / 1024, 1),
            "queries_30": queries_30,
            "queries_300": queries_300,
            "target_p95_ms": TARGET_P95_MS,
            "p95_met": figures["p95_ms"] < TARGET_P95_MS,
            "queries_equal": queries_30 == queries_300,
        },
    )


if __name__ == "__main__":
    main()
