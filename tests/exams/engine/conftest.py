"""Banks for the engine tests: the demo bank as plain tuples (no database), and small real ones.

The demo bank's YAML becomes an ItemPool directly, with made-up ids, so the 1,000-form checks
run in memory. Tests that need the demo bank in the database use `demo_db` (module-scoped: the
load takes ~10 s, so a module pays it once and removes everything afterwards).
"""

from fractions import Fraction
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from demo.bank import demo_bank_entries
from demo.programs import DEMO_PROGRAMS, DemoProgram
from exams.assembly import BlueprintSpec, ItemPool, PoolItem

STANDARDS_DIR = Path(settings.BASE_DIR) / "fixtures" / "standards"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _standards() -> dict[str, dict]:
    return {
        data["code"]: data
        for data in (yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(STANDARDS_DIR.glob("*.yaml")))
    }


def yaml_pool() -> tuple[ItemPool, dict]:
    """The demo bank as an ItemPool; ids: domains and competencies numbered in file order, levels 1000+n."""
    domains, competencies, ids = {}, {}, {"domain": {}, "competency": {}}
    for code, standard in _standards().items():
        for order, domain in enumerate(standard["domains"]):
            domain_id = len(domains) + 1
            domains[domain_id] = (str(domain["code"]), domain["name"], order)
            ids["domain"][(code, str(domain["code"]))] = domain_id
            for competency in domain.get("competencies", []):
                competency_id = len(competencies) + 1
                competencies[competency_id] = (competency["code"], domain_id)
                ids["competency"][competency["code"]] = competency_id
    items = []
    for n, entry in enumerate(demo_bank_entries(), start=1):
        competency_id = ids["competency"][entry["competency"]]
        items.append(
            PoolItem(
                item_id=n,
                version_id=10_000 + n,
                domain_id=competencies[competency_id][1],
                competency_id=competency_id,
                level_id=1000 + entry["level"] if entry.get("level") else None,
                difficulty=entry["difficulty"],
                enemy_group=entry.get("enemy_group") or "",
                type=entry["type"],
                n_options=len(entry["options"]),
            )
        )
    return ItemPool(items=items, domains=domains, competencies=competencies), ids


def demo_spec(code: str, pool: ItemPool, ids: dict) -> BlueprintSpec:
    """The demo program's blueprint (demo/programs.py) against the YAML pool's ids."""
    demo: DemoProgram = next(p for p in DEMO_PROGRAMS if p.code == code)
    standard = _standards()[demo.standard]
    domains = [d for d in standard["domains"] if demo.weights is None or str(d["code"]) in demo.weights]
    weights = tuple(
        (
            ids["domain"][(demo.standard, str(d["code"]))],
            Fraction(demo.weights[str(d["code"])]) if demo.weights else Fraction(str(d["weight"])),
        )
        for d in domains
    )
    minimums = tuple(
        (ids["competency"][c["code"]], demo.min_per_competency) for d in domains for c in d.get("competencies", [])
    )
    return BlueprintSpec(
        program=demo.code,
        item_count=demo.item_count,
        domains=weights,
        minimums=minimums,
        level_id=1000 + demo.level if demo.level else None,
        difficulty_target=Fraction(demo.difficulty_target),
        difficulty_tolerance=Fraction(demo.difficulty_tolerance),
    )


@pytest.fixture(scope="session")
def demo_pool():
    return yaml_pool()


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """Standards, demo users, the demo bank and the five programs, committed once for the module."""
    try:
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            call_command("load_standards", verbosity=0)
            call_command("load_demo", allow_production=True, verbosity=0, stdout=StringIO())
        yield
    finally:
        with django_db_blocker.unblock():
            _remove_everything()


def _remove_everything() -> None:
    # As a transactional test would: every table emptied, so later modules start from nothing.
    call_command("flush", interactive=False, verbosity=0)


# --- a small bank in the database ---------------------------------------------------------------

KINDS = ["single", "multiple", "truefalse", "ordering"]


def make_standard(code: str = "TST"):
    """A standard with Process (PRC, 60 %: two competencies) and Professionalism (PRO, 40 %: one)."""
    from standards.models import Competency, Domain, Standard

    standard = Standard.objects.create(
        code=code,
        name=f"{code} test standard",
        full_name=f"{code} test standard",
        source="tests",
        language="en",
        level_kind=Standard.LevelKind.NONE,
        description="For the engine tests.",
    )
    prc = Domain.objects.create(standard=standard, code="PRC", name="Process", weight=60, order=1)
    pro = Domain.objects.create(standard=standard, code="PRO", name="Professionalism", weight=40, order=2)
    for domain, codes in ((prc, ["PRC-1", "PRC-2"]), (pro, ["PRO-1"])):
        for order, competency in enumerate(codes):
            Competency.objects.create(
                domain=domain, code=f"{code}-{competency}", title=f"Skill {competency}", order=order
            )
    return standard


def make_items(competency, *, count: int, by, enemy_group: str = "", start: int = 0) -> list:
    """`count` approved items of the competency, types and difficulties in turn (mean difficulty 3)."""
    from exams.bank import ItemContent, ItemTags, OptionData, item_create

    items = []
    for n in range(start, start + count):
        kind = KINDS[n % len(KINDS)]
        if kind == "truefalse":
            options = [OptionData("True", True), OptionData("False")]
        elif kind == "ordering":
            options = [OptionData("First"), OptionData("Second"), OptionData("Third")]
        elif kind == "multiple":
            options = [OptionData("Alpha", True), OptionData("Beta", True), OptionData("Gamma"), OptionData("Delta")]
        else:
            options = [OptionData("Alpha"), OptionData("Beta", True), OptionData("Gamma"), OptionData("Delta")]
        items.append(
            item_create(
                content=ItemContent(type=kind, stem=f"<p>{competency.code} question {n}</p>", options=options),
                tags=ItemTags(competency=competency, difficulty=[2, 3, 4][n % 3], enemy_group=enemy_group),
                by=by,
                ref=f"{competency.code}-{n:03d}",
                status="approved",
            )
        )
    return items


def make_program(standard, *, by, item_count: int = 10, code: str = "TP", **extra):
    from exams.programs import program_create

    fields = dict(
        code=code,
        name=f"{code} program",
        standard=standard,
        item_count=item_count,
        duration_minutes=30,
        cut_score_percent=70,
        validity_months=24,
        recertification_window_days=60,
    )
    fields.update(extra)
    return program_create(by=by, **fields)


def blueprint_input(standard, *, weights=None, minimums=None, target="3.00", tolerance="0.50", enemy_rule=True):
    """Weights and minimums by code: weights={"PRC": "60", "PRO": "40"}, minimums={"TST-PRC-1": 2}."""
    from decimal import Decimal

    from exams.programs import BlueprintInput
    from standards.models import Competency

    weights = weights or {"PRC": "60", "PRO": "40"}
    domains = {d.code: d for d in standard.domains.all()}
    competencies = {c.code: c for c in Competency.objects.filter(domain__standard=standard)}
    return BlueprintInput(
        domains=[(domains[code], Decimal(w)) for code, w in weights.items()],
        minimums={competencies[code]: n for code, n in (minimums or {}).items()},
        difficulty_target=Decimal(target),
        difficulty_tolerance=Decimal(tolerance),
        enemy_rule=enemy_rule,
    )


@pytest.fixture
def small_bank(db, author):
    """TST: 8 items in each Process competency, 6 in Professionalism."""
    standard = make_standard()
    for competency in standard.domains.get(code="PRC").competencies.all():
        make_items(competency, count=8, by=author)
    make_items(standard.domains.get(code="PRO").competencies.get(), count=6, by=author)
    return standard
