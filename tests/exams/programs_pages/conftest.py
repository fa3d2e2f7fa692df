"""A CSS program on a small bank of the real CSS standard, for the program pages' tests.

The bank: 8 approved items per CSS competency (difficulties 2, 3, 4 in turn), so Professionalism and
Skills hold 32 items each and Process 40. The CSS program asks 60 items at 30/30/40 % (18/18/24) with
3 per competency: feasible. A 60 % share of Professionalism (36 items) is 4 short.

`css_bank` commits it once per module (building 104 items through the bank's services takes a
second or two) and removes exactly what it made afterwards; each test still runs in its own
rolled-back transaction. `build_css_bank` is the same for tests with a live server.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import User
from accounts.roles import Role
from exams.bank import ItemContent, ItemTags, OptionData, item_create
from exams.models import CertificationProgram, Item
from exams.models.bank import VersionStatus
from exams.programs import BlueprintInput, blueprint_save, program_create, program_publish
from standards.models import Competency, Standard
from tests.conftest import make_user

ITEMS_PER_COMPETENCY = 8
CSS_WEIGHTS = {"PRO": "30", "SKL": "30", "PRC": "40"}
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class CssBank:
    builder: User
    css: CertificationProgram  # published, with a feasible blueprint
    draft: CertificationProgram  # CCSM, a draft without a blueprint
    standard: Standard


def css_blueprint(standard: Standard, *, weights=None, minimum: int = 3, target="3.00", tolerance="0.50"):
    weights = weights or CSS_WEIGHTS
    domains = {d.code: d for d in standard.domains.all()}
    competencies = Competency.objects.filter(domain__code__in=weights, domain__standard=standard)
    return BlueprintInput(
        domains=[(domains[code], Decimal(w)) for code, w in weights.items()],
        minimums={c: minimum for c in competencies},
        difficulty_target=Decimal(target),
        difficulty_tolerance=Decimal(tolerance),
        enemy_rule=True,
    )


def build_css_bank(username: str = "bankbuilder") -> CssBank:
    builder = make_user(username, Role.AUTHOR, Role.PROGRAM_ADMIN, first_name="Bea", last_name="Builder")
    standard = Standard.objects.get(code="CSS")
    options = [OptionData("Acknowledge and own it", True), OptionData("Blame the tool"), OptionData("Wait")]
    for competency in Competency.objects.filter(domain__standard=standard).order_by("pk"):
        for n in range(ITEMS_PER_COMPETENCY):
            item_create(
                content=ItemContent(
                    type="single", stem=f"<p>{competency.title}: case {n}. What comes first?</p>", options=options
                ),
                tags=ItemTags(competency=competency, difficulty=[2, 3, 4][n % 3]),
                by=builder,
                ref=f"T-{competency.code}-{n}",
                status=VersionStatus.APPROVED,
            )
    css = program_create(
        by=builder,
        code="CSS",
        name="HDI Customer Support Specialist",
        standard=standard,
        item_count=60,
        duration_minutes=90,
        cut_score_percent=Decimal("70"),
        validity_months=36,
        recertification_window_days=90,
        retake_wait_days=14,
        retake_max_per_year=3,
        eligibility="Anyone working in customer support.",
    )
    blueprint_save(program=css, data=css_blueprint(standard), by=builder, comment="First blueprint")
    program_publish(program=css, by=builder, comment="Open for booking")
    draft = program_create(
        by=builder,
        code="CCSM",
        name="Certified Customer Service Manager",
        standard=Standard.objects.get(code="CCSM"),
        item_count=50,
        duration_minutes=75,
        cut_score_percent=Decimal("70"),
        validity_months=36,
        recertification_window_days=90,
    )
    return CssBank(builder=builder, css=css, draft=draft, standard=standard)


def remove_css_bank(bank: CssBank) -> None:
    CertificationProgram.objects.filter(created_by=bank.builder).delete()
    Item.objects.filter(created_by=bank.builder).delete()
    User.objects.filter(pk=bank.builder.pk).delete()


@pytest.fixture(scope="module")
def css_bank(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        # A transactional test earlier in the run (browser tests) may have flushed the standards.
        if Standard.objects.count() < 4:
            call_command("load_standards", verbosity=0)
        bank = build_css_bank()
    try:
        yield bank
    finally:
        with django_db_blocker.unblock():
            remove_css_bank(bank)


@pytest.fixture
def css(db, css_bank) -> CertificationProgram:
    return CertificationProgram.objects.get(pk=css_bank.css.pk)


def blueprint_post(program: CertificationProgram, *, weights=None, minimum: int | str = 3, **extra) -> dict:
    """The editor's POST data: shares by domain code, one minimum for every competency of a shared domain."""
    weights = CSS_WEIGHTS if weights is None else weights
    data = {"difficulty_target": "3.00", "difficulty_tolerance": "0.50", "enemy_rule": "on", "comment": ""}
    for domain in program.standard.domains.prefetch_related("competencies"):
        share = weights.get(domain.code, "")
        data[f"weight_{domain.pk}"] = share
        for competency in domain.competencies.all():
            data[f"min_{competency.pk}"] = str(minimum) if share else ""
    data.update(extra)
    return data
