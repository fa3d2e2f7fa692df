"""Bank browser at 20,000 items: how fast the list page answers, and in how many queries.

Loads the standards, writes 20,000 items straight into the tables (bulk inserts, stems and options
taken from the demo bank so the text has a realistic length and shape), then requests the list page
through Django's test client, signed in as an author: 200 warm requests cycling through no filter,
a text search, a standard and status filter, and page 50. Writes bench/results/bank_browser.json.
Target: p95 under 200 ms. Exits 0 whatever the figures.
"""

import random
import time

from _common import setup, summary_ms, write_results

ITEMS = 20_000
REQUESTS = 200
WARMUP = 20
TARGET_MS = 200
AUTHORS = 6


def _users():
    from accounts.models import User
    from accounts.roles import Role, ensure_role_groups

    ensure_role_groups()
    authors = []
    for n in range(AUTHORS):
        user = User.objects.create_user(
            username=f"bench-author-{n}",
            email=f"bench-author-{n}@example.org",
            password="bench-password-42",
            first_name=random.choice(["Lena", "Marcus", "Aiko", "Tunde", "Sara", "Pavel"]),
            last_name=f"Author{n}",
        )
        user.set_roles([Role.AUTHOR])
        authors.append(user)
    reviewer = User.objects.create_user(username="bench-reviewer", email="bench-reviewer@example.org", password="x")
    reviewer.set_roles([Role.REVIEWER])
    return authors, reviewer


def generate_bank(count: int) -> None:
    """Bulk-writes items, versions, options, one audit event and one tag each, across statuses."""
    from django.db import connection, transaction
    from django.utils import timezone

    from demo.bank import demo_bank_entries
    from exams.models import Item, ItemEvent, ItemOption, ItemVersion, Tag
    from exams.sanitize import clean_stem
    from standards.models import Competency, Level

    rng = random.Random(20_000)
    authors, reviewer = _users()
    entries = demo_bank_entries()
    competencies = {c.code: c for c in Competency.objects.all()}
    levels = {(lv.standard.code, lv.number): lv for lv in Level.objects.select_related("standard")}
    tags = {code: Tag.objects.create(name=f"bank/{code}") for code in ("CSS", "CCSM", "CSMG")}
    statuses = ["approved"] * 14 + ["draft"] * 2 + ["in_review"] * 2 + ["retired"] * 2
    start = timezone.now() - timezone.timedelta(days=400)

    with transaction.atomic():
        items = []
        for n in range(count):
            entry = entries[n % len(entries)]
            items.append(
                Item(
                    ref=f"BNK-{n + 1:06d}",
                    competency=competencies[entry["competency"]],
                    level=levels.get((entry["standard"], entry.get("level"))) if entry.get("level") else None,
                    difficulty=entry["difficulty"],
                    enemy_group=f"EG-{n // 7:05d}" if n % 5 == 0 else "",
                    created_by=authors[n % len(authors)],
                    created_at=start + timezone.timedelta(minutes=n * 20),
                )
            )
            items[-1].updated_at = items[-1].created_at + timezone.timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        Item.objects.bulk_create(items, batch_size=2000)
        stems = {}
        versions = []
        for n, item in enumerate(items):
            entry = entries[n % len(entries)]
            status = rng.choice(statuses)
            if entry["stem"] not in stems:
                stems[entry["stem"]] = clean_stem(entry["stem"])
            versions.append(
                ItemVersion(
                    item=item,
                    number=1,
                    status=status,
                    type=entry["type"],
                    scoring=entry.get("scoring") or "all_or_nothing",
                    stem=stems[entry["stem"]],
                    rationale=entry.get("rationale", ""),
                    created_by=item.created_by,
                    created_at=item.created_at,
                    reviewed_by=reviewer if status in ("approved", "retired") else None,
                    approved_at=item.created_at if status in ("approved", "retired") else None,
                )
            )
        ItemVersion.objects.bulk_create(versions, batch_size=2000)
        options = []
        for n, version in enumerate(versions):
            entry = entries[n % len(entries)]
            for position, option in enumerate(entry["options"], start=1):
                options.append(
                    ItemOption(
                        version=version,
                        position=position,
                        identifier=f"choice_{position}",
                        text=option["text"],
                        is_correct=bool(option.get("correct")) and entry["type"] != "ordering",
                        feedback=option.get("feedback", ""),
                    )
                )
        ItemOption.objects.bulk_create(options, batch_size=5000)
        ItemEvent.objects.bulk_create(
            [
                ItemEvent(
                    item=item,
                    version=version,
                    kind=ItemEvent.Kind.IMPORTED,
                    to_status=version.status,
                    actor=item.created_by,
                    comment="Benchmark bank",
                    at=item.updated_at,
                )
                for item, version in zip(items, versions, strict=True)
            ],
            batch_size=5000,
        )
        through = Item.tags.through
        through.objects.bulk_create(
            [
                through(item_id=item.pk, tag_id=tags[entries[n % len(entries)]["standard"]].pk)
                for n, item in enumerate(items)
            ],
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE exams_item i SET current_version_id = v.id, "
                "approved_version_id = CASE WHEN v.status = 'approved' THEN v.id END "
                "FROM exams_itemversion v WHERE v.item_id = i.id"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the steady state autovacuum would reach on a live bank


def measure() -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from accounts.models import User
    from standards.models import Standard

    css = Standard.objects.get(code="CSS").pk
    variants = {
        "all": "/bank/",
        "search": "/bank/?q=escalat",
        "standard_status": f"/bank/?standard={css}&status=approved",
        "page_50": "/bank/?page=50",
    }
    client = Client()
    client.force_login(User.objects.get(username="bench-author-0"))
    # Plain static storage: the benchmark measures the page, not a collectstatic manifest.
    with override_settings(
        STORAGES={"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    ):
        queries = {}
        for name, url in variants.items():
            with CaptureQueriesContext(connection) as context:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            queries[name] = len(context.captured_queries)
        for n in range(WARMUP):
            client.get(list(variants.values())[n % len(variants)])
        samples: list[float] = []
        by_variant: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        for n in range(REQUESTS):
            name = names[n % len(names)]
            began = time.perf_counter()
            response = client.get(variants[name])
            elapsed = time.perf_counter() - began
            assert response.status_code == 200
            samples.append(elapsed)
            by_variant[name].append(elapsed)
        with CaptureQueriesContext(connection) as context:
            client.get("/bank/?per_page=100")
        queries["all_per_page_100"] = len(context.captured_queries)
    summary = summary_ms(samples)
    return {
        **summary,
        "requests": REQUESTS,
        "target_p95_ms": TARGET_MS,
        "target_met": summary["p95_ms"] < TARGET_MS,
        "queries_per_page": queries["all"],
        "queries_by_variant": queries,
        "p95_ms_by_variant": {name: summary_ms(values)["p95_ms"] for name, values in by_variant.items()},
    }


def main() -> None:
    setup()
    from django.core.management import call_command

    from exams.models import Item

    call_command("load_standards", verbosity=0)
    began = time.perf_counter()
    generate_bank(ITEMS)
    generate_s = time.perf_counter() - began
    results = measure()
    write_results("bank_browser", {"items": Item.objects.count(), "generate_s": round(generate_s, 1), **results})


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - a benchmark reports its failure and still exits 0
        import traceback

        traceback.print_exc()
        write_results("bank_browser", {"error": repr(error)})
