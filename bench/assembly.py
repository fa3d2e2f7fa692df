"""Form assembly: 1,000 forms of 100 items from a generated 10,000-item bank in PostgreSQL.

Builds a synthetic standard (5 domains × 8 competencies, 250 approved items per competency, a
tenth of them in enemy pairs, realistic types and difficulties) with bulk inserts, a program
with a 100-item blueprint, loads the bank's metadata once (`load_ms`), then assembles 1,000
forms in this one warm process with exposure control across them. Reports per-form p50/p95,
the highest item exposure over the mean (`max_exposure_ratio`), and what freezing a form for an
attempt costs (`freeze_*`: pool load, exposure counts, draw and insert, as delivery does it).

Run: .venv/bin/python bench/assembly.py   (or make bench BENCH=assembly)
"""

import random
import statistics
import time

from _common import setup, summary_ms, write_results

FORMS = 1000
ITEMS_PER_FORM = 100
BANK_SIZE = 10_000
DOMAINS = [("D1", 24), ("D2", 20), ("D3", 20), ("D4", 16), ("D5", 20)]
COMPETENCIES_PER_DOMAIN = 8
FREEZES = 50


def build_bank(rng: random.Random):
    from django.utils import timezone

    from accounts.models import User
    from exams.models import Item, ItemOption, ItemVersion
    from standards.models import Competency, Domain, Standard

    author = User.objects.create_user(username="bench-author", password=None)
    standard = Standard.objects.create(
        code="BENCH",
        name="Benchmark standard",
        full_name="Synthetic standard for the assembly benchmark",
        source="bench/assembly.py",
        language="en",
        level_kind=Standard.LevelKind.NONE,
        description="Generated.",
    )
    competencies = []
    for order, (code, weight) in enumerate(DOMAINS):
        domain = Domain.objects.create(standard=standard, code=code, name=f"Domain {code}", weight=weight, order=order)
        for n in range(COMPETENCIES_PER_DOMAIN):
            competencies.append(
                Competency.objects.create(domain=domain, code=f"BENCH-{code}-{n}", title=f"Skill {code}.{n}", order=n)
            )
    kinds = ["single"] * 70 + ["multiple"] * 12 + ["truefalse"] * 10 + ["ordering"] * 8
    difficulties = [1] * 15 + [2] * 25 + [3] * 30 + [4] * 20 + [5] * 10
    items = []
    for n in range(BANK_SIZE):
        # Every tenth item pairs with the next one: they cue each other.
        group = f"pair-{n // 2}" if n % 20 in (0, 1) else ""
        items.append(
            Item(
                ref=f"BENCH-{n:05d}",
                competency=competencies[n % len(competencies)],
                difficulty=rng.choice(difficulties),
                enemy_group=group,
                created_by=author,
            )
        )
    items = Item.objects.bulk_create(items, batch_size=2000)
    now = timezone.now()
    versions = []
    for item in items:
        kind = rng.choice(kinds)
        versions.append(
            ItemVersion(
                item=item,
                number=1,
                status="approved",
                type=kind,
                scoring="partial" if kind == "multiple" and rng.random() < 0.5 else "all_or_nothing",
                stem=f"<p>Generated question {item.ref}</p>",
                created_by=author,
                approved_at=now,
            )
        )
    versions = ItemVersion.objects.bulk_create(versions, batch_size=2000)
    options = []
    for version in versions:
        count = {"truefalse": 2, "multiple": 5}.get(version.type, 4)
        keyed = {1} if version.type != "multiple" else {1, 3}
        for position in range(1, count + 1):
            options.append(
                ItemOption(
                    version=version,
                    position=position,
                    identifier=f"choice_{position}",
                    text=f"Option {position}",
                    is_correct=version.type != "ordering" and position in keyed,
                )
            )
    ItemOption.objects.bulk_create(options, batch_size=5000)
    for item, version in zip(items, versions, strict=True):
        item.current_version = item.approved_version = version
    Item.objects.bulk_update(items, ["current_version", "approved_version"], batch_size=2000)
    return standard, author, len(options)


def build_program(standard, author):
    from decimal import Decimal

    from exams.programs import BlueprintInput, blueprint_save, program_create, program_publish

    program = program_create(
        by=author,
        code="BENCH",
        name="Benchmark program",
        standard=standard,
        item_count=ITEMS_PER_FORM,
        duration_minutes=150,
        cut_score_percent=Decimal(70),
        validity_months=36,
        recertification_window_days=90,
    )
    domains = list(standard.domains.all())
    blueprint_save(
        program=program,
        data=BlueprintInput(
            domains=[(d, d.weight) for d in domains],
            minimums={c: 2 for d in domains for c in d.competencies.all()},
            difficulty_target=Decimal("2.90"),
            difficulty_tolerance=Decimal("0.30"),
        ),
        by=author,
    )
    program_publish(program=program, by=author)
    return program


def main() -> None:
    setup()
    from exams.assembly import Assembler, BlueprintSpec, ItemPool
    from exams.programs import form_freeze

    rng = random.Random(2026)
    started = time.perf_counter()
    standard, author, option_count = build_bank(rng)
    program = build_program(standard, author)
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    pool = ItemPool.load(standard_id=standard.pk)
    load_ms = (time.perf_counter() - started) * 1000
    spec = BlueprintSpec.of(program.blueprint)
    started = time.perf_counter()
    assembler = Assembler(pool, spec)
    prepare_ms = (time.perf_counter() - started) * 1000

    warm = random.Random(1)
    for _n in range(20):  # warm-up forms, counted nowhere
        assembler.assemble(warm, {})

    usage: dict[int, int] = {}
    run = assembler.run(seed=42, usage=usage)  # one random stream; each form counts toward the next's exposure
    samples = []
    for _n in range(FORMS):
        started = time.perf_counter()
        next(run)
        samples.append(time.perf_counter() - started)
    eligible = len(assembler.items)
    counts = [usage.get(item.item_id, 0) for item in assembler.items]
    mean = sum(counts) / eligible

    freezes = []
    for seed in range(FREEZES):
        started = time.perf_counter()
        form_freeze(program=program, seed=seed)
        freezes.append(time.perf_counter() - started)
    freeze = summary_ms(freezes)

    write_results(
        "assembly",
        {
            "forms": FORMS,
            "items": ITEMS_PER_FORM,
            "bank_items": len(pool.items),
            "bank_options": option_count,
            "build_bank_s": round(build_s, 1),
            "load_ms": round(load_ms, 1),
            "prepare_ms": round(prepare_ms, 1),
            **summary_ms(samples),
            "mean_ms": round(statistics.fmean(samples) * 1000, 2),
            "max_exposure_ratio": round(max(counts) / mean, 3),
            "min_exposure_ratio": round(min(counts) / mean, 3),
            "mean_exposure_forms": round(mean, 2),
            "freeze_forms": FREEZES,
            "freeze_p50_ms": freeze["p50_ms"],
            "freeze_p95_ms": freeze["p95_ms"],
            "target_p95_ms": 25,
        },
    )


if __name__ == "__main__":
    main()
