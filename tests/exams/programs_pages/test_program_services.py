"""The services behind the program pages: audit entries, refusals naming the cell, the sample form,
the overview and coverage reads."""

import pytest
from django.core.exceptions import ValidationError

from exams.bank import items_bulk_retire
from exams.models import Blueprint, ExamForm, Item, ProgramEvent
from exams.programs import (
    blueprint_feasibility,
    blueprint_save,
    blueprint_snapshot,
    cells_by_domain,
    coverage,
    form_preview,
    program_create,
    program_update,
    programs_overview,
)
from standards.models import Competency

from .conftest import css_blueprint

pytestmark = pytest.mark.django_db


def test_an_infeasible_share_is_refused_naming_the_domain_and_its_shortfall(css, css_bank, program_admin):
    before = blueprint_snapshot(css.blueprint)
    with pytest.raises(ValidationError) as raised:
        blueprint_save(
            program=css,
            data=css_blueprint(css_bank.standard, weights={"PRO": "60", "SKL": "10", "PRC": "30"}, minimum=1),
            by=program_admin,
        )
    assert raised.value.messages == ["Professionalism (PRO): needs 36 approved items, the bank has 32 — 4 short"]
    assert blueprint_snapshot(Blueprint.objects.get(program=css)) == before
    assert not ProgramEvent.objects.filter(program=css, actor=program_admin).exists()


def test_a_change_to_a_published_blueprint_is_audited_with_who_before_and_after(css, css_bank, program_admin):
    blueprint_save(
        program=css,
        data=css_blueprint(css_bank.standard, weights={"PRO": "35", "SKL": "25", "PRC": "40"}),
        by=program_admin,
        comment="Job analysis 2026",
    )
    event = ProgramEvent.objects.get(program=css, actor=program_admin)
    assert (event.kind, event.while_published, event.comment) == ("blueprint", True, "Job analysis 2026")
    assert [(c.label, c.before, c.after) for c in event.changes()] == [
        ("weight of PRO (%)", "30.00", "35.00"),
        ("weight of SKL (%)", "30.00", "25.00"),
    ]


def test_a_change_to_a_published_program_reads_as_field_labels_in_its_history(css, program_admin):
    program_update(program=css, by=program_admin, duration_minutes=100, retake_wait_days=30, comment="Longer exam")
    event = ProgramEvent.objects.get(program=css, actor=program_admin)
    assert event.kind == "updated" and event.while_published
    assert [(c.label, c.before, c.after) for c in event.changes()] == [
        ("duration (minutes)", 90, 100),
        ("days to wait before a retake", 14, 30),
    ]


def test_a_first_blueprint_lists_every_share_and_minimum_as_new(css_bank):
    first = ProgramEvent.objects.get(program=css_bank.css, kind="blueprint")
    changes = {c.label: (c.before, c.after) for c in first.changes()}
    assert changes["weight of PRC (%)"] == (None, "40.00")
    assert changes["minimum items of CSS-PRO-ETH"] == (None, 3)
    assert changes["target mean difficulty"] == (None, "3.00")


def test_cells_are_grouped_under_their_domain_in_the_blueprints_order(css):
    groups = cells_by_domain(blueprint_feasibility(css.blueprint))
    assert [(d.label, d.needed, d.available) for d, _m in groups] == [
        ("Professionalism (PRO)", 18, 32),
        ("Skills (SKL)", 18, 32),
        ("Process (PRC)", 24, 40),
    ]
    professionalism = [c.label.rsplit("(", 1)[1] for c in groups[0][1]]
    assert professionalism == ["CSS-PRO-ROLE)", "CSS-PRO-SERV)", "CSS-PRO-ETH)", "CSS-PRO-OWN)"]


def test_a_sample_form_meets_the_blueprint_saves_nothing_and_a_seed_draws_it_again(css):
    forms_before = ExamForm.objects.count()
    preview = form_preview(program=css, seed=1234)
    assert preview.error == "" and preview.seed == 1234 and preview.item_count == 60
    assert [(d.label, d.target, d.drawn) for d in preview.domains] == [
        ("Professionalism (PRO)", 18, 18),
        ("Skills (SKL)", 18, 18),
        ("Process (PRC)", 24, 24),
    ]
    assert all(m.ok for m in preview.minimums) and len(preview.minimums) == 13
    assert preview.difficulty_ok and abs(preview.mean_difficulty - 3) <= 0.5
    first = preview.domains[0].items[0]
    assert [o.text for o in first.options if o.correct] == ["Acknowledge and own it"]
    again = form_preview(program=css, seed=1234)
    assert [i.ref for d in again.domains for i in d.items] == [i.ref for d in preview.domains for i in d.items]
    assert ExamForm.objects.count() == forms_before


def test_a_sample_form_without_a_blueprint_or_the_items_says_why(css, css_bank, program_admin):
    assert form_preview(program=css_bank.draft).error == "CCSM has no blueprint yet."
    retired = Item.objects.filter(competency__code="CSS-PRO-ETH")[:6]
    items_bulk_retire(items=retired, by=program_admin, comment="Outdated")
    preview = form_preview(program=css, seed=1)
    assert preview.error == "Competency CSS-PRO-ETH needs 3 approved items, the bank has 2."
    assert preview.domains == []


def test_the_overview_reads_each_standards_bank_once_and_flags_shortfalls(
    css, css_bank, program_admin, django_assert_num_queries
):
    # programs, two prefetches, one pool (3 queries) for CSS, competency titles
    with django_assert_num_queries(7):
        overview = {row.program.code: row for row in programs_overview()}
    assert not overview["CCSM"].has_blueprint
    assert overview["CSS"].has_blueprint and overview["CSS"].shortfalls == []
    items_bulk_retire(items=Item.objects.filter(competency__code="CSS-SKL-TEAM")[:7], by=program_admin, comment="Old")
    (short,) = programs_overview()[1].shortfalls
    assert short.message == "Teamwork (CSS-SKL-TEAM): needs 3 approved items, the bank has 1 — 2 short"


def test_coverage_columns_line_up_with_the_programs_and_mark_gaps(css, css_bank, program_admin):
    # A second CSS blueprint that needs Ethics only.
    second = program_create(
        by=program_admin,
        code="CSS-ETH",
        name="Ethics module",
        standard=css_bank.standard,
        item_count=10,
        duration_minutes=20,
        cut_score_percent=70,
        validity_months=12,
        recertification_window_days=30,
    )
    ethics = Competency.objects.get(code="CSS-PRO-ETH")
    data = css_blueprint(css_bank.standard, weights={"PRO": "100"}, minimum=0)
    data.minimums = {ethics: 6}
    blueprint_save(program=second, data=data, by=program_admin)
    items_bulk_retire(items=Item.objects.filter(competency=ethics)[:3], by=program_admin, comment="Old")

    (standard,) = coverage()
    assert [p.code for p in standard.programs] == ["CSS", "CSS-ETH"]
    rows = {row.competency.code: row for domain in standard.domains for row in domain.rows}
    assert [(n.program, n.needed, n.available) if n else None for n in rows["CSS-PRO-ETH"].columns] == [
        ("CSS", 3, 5),
        ("CSS-ETH", 6, 5),
    ]
    assert [n.program if n else None for n in rows["CSS-PRC-SLA"].columns] == ["CSS", None]
    assert [(label, need.program, need.shortfall) for label, need in standard.gaps] == [
        ("Ethics (CSS-PRO-ETH)", "CSS-ETH", 1)
    ]
