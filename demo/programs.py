"""The five demo certification programs and their blueprints, published and ready to book.

CSS follows HDI's domain weights (Professionalism 30 / Skills 30 / Process 40). CCSM gives each
area the weight the standard gives its components (22.86 / 8.57 / 11.43 / 25.71 / 20 / 11.43).
The SFIA-style CSMG skill is one domain, so each level's exam draws only items of its level.
Difficulty targets sit near the demo bank's mean for each pool, so exposure stays even.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from exams.models import CertificationProgram
from exams.programs import BlueprintInput, blueprint_save, program_create, program_publish
from standards.models import Level, Standard


@dataclass(frozen=True)
class DemoProgram:
    code: str
    name: str
    standard: str
    level: int | None
    item_count: int
    duration_minutes: int
    validity_months: int
    eligibility: str
    weights: dict[str, str] | None  # domain code → percent; None takes the standard's own weights
    min_per_competency: int
    difficulty_target: str
    difficulty_tolerance: str
    cut_score_percent: str = "70"
    recertification_window_days: int = 90


DEMO_PROGRAMS = [
    DemoProgram(
        code="CSS",
        name="HDI Customer Support Specialist",
        standard="CSS",
        level=None,
        item_count=60,
        duration_minutes=90,
        validity_months=36,
        eligibility="Open to anyone working in, or preparing for, a customer support role.",
        weights={"PRO": "30", "SKL": "30", "PRC": "40"},
        min_per_competency=3,
        difficulty_target="2.90",
        difficulty_tolerance="0.30",
    ),
    DemoProgram(
        code="CCSM",
        name="Certified Customer Service Manager",
        standard="CCSM",
        level=None,
        item_count=50,
        duration_minutes=75,
        validity_months=36,
        eligibility="For team leaders and managers of customer service departments.",
        weights=None,
        min_per_competency=1,
        difficulty_target="2.90",
        difficulty_tolerance="0.35",
    ),
    DemoProgram(
        code="CSMG-3",
        name="Customer service support, level 3 (Apply)",
        standard="CSMG",
        level=3,
        item_count=30,
        duration_minutes=45,
        validity_months=24,
        eligibility="For support analysts who handle requests and incidents on their own.",
        weights=None,
        min_per_competency=3,
        difficulty_target="2.40",
        difficulty_tolerance="0.40",
    ),
    DemoProgram(
        code="CSMG-4",
        name="Customer service support, level 4 (Enable)",
        standard="CSMG",
        level=4,
        item_count=30,
        duration_minutes=45,
        validity_months=24,
        eligibility="For senior analysts who guide others and own difficult cases.",
        weights=None,
        min_per_competency=3,
        difficulty_target="3.30",
        difficulty_tolerance="0.40",
    ),
    DemoProgram(
        code="CSMG-5",
        name="Customer service support, level 5 (Ensure, advise)",
        standard="CSMG",
        level=5,
        item_count=30,
        duration_minutes=45,
        validity_months=24,
        eligibility="For people who run a support function: its policies, standards and performance.",
        weights=None,
        min_per_competency=3,
        difficulty_target="2.90",
        difficulty_tolerance="0.40",
    ),
]


def demo_blueprint_input(demo: DemoProgram, standard: Standard) -> BlueprintInput:
    domains = list(standard.domains.all())
    if demo.weights is not None:
        domains = [d for d in domains if d.code in demo.weights]
    weights = [(d, Decimal(demo.weights[d.code]) if demo.weights else d.weight) for d in domains]
    minimums = {c: demo.min_per_competency for d in domains for c in d.competencies.all()}
    return BlueprintInput(
        domains=weights,
        minimums=minimums,
        difficulty_target=Decimal(demo.difficulty_target),
        difficulty_tolerance=Decimal(demo.difficulty_tolerance),
        enemy_rule=True,
    )


@transaction.atomic
def demo_programs_create(*, by: User) -> int:
    """Creates the demo programs not there yet (by code), each with its blueprint; returns how many."""
    created = 0
    for demo in DEMO_PROGRAMS:
        if CertificationProgram.objects.filter(code=demo.code).exists():
            continue
        standard = Standard.objects.prefetch_related("domains__competencies").get(code=demo.standard)
        program = program_create(
            by=by,
            code=demo.code,
            name=demo.name,
            standard=standard,
            level=Level.objects.get(standard=standard, number=demo.level) if demo.level else None,
            item_count=demo.item_count,
            duration_minutes=demo.duration_minutes,
            cut_score_percent=Decimal(demo.cut_score_percent),
            validity_months=demo.validity_months,
            recertification_window_days=demo.recertification_window_days,
            retake_wait_days=14,
            retake_max_per_year=3,
            eligibility=demo.eligibility,
        )
        blueprint_save(program=program, data=demo_blueprint_input(demo, standard), by=by, comment="Demo blueprint")
        program_publish(program=program, by=by, comment="Demo program")
        created += 1
    return created
