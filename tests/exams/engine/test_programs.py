"""Programs and blueprints: validation, the feasibility check against the bank, the audit trail, coverage."""

import pytest
from django.core.exceptions import ValidationError

from exams.models import Blueprint, CertificationProgram, ProgramEvent
from exams.models.programs import ProgramStatus
from exams.programs import (
    blueprint_check,
    blueprint_feasibility,
    blueprint_save,
    coverage,
    program_publish,
    program_update,
)

from .conftest import blueprint_input, make_items, make_program

pytestmark = pytest.mark.django_db


def test_saving_a_blueprint_the_bank_cannot_fill_names_the_cell_and_the_shortfall(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin, item_count=40)  # Process 24 of 16, Professionalism 16 of 6
    with pytest.raises(ValidationError) as raised:
        blueprint_save(program=program, data=blueprint_input(small_bank), by=program_admin)
    assert raised.value.messages == [
        "Process (PRC): needs 24 approved items, the bank has 16 — 8 short",
        "Professionalism (PRO): needs 16 approved items, the bank has 6 — 10 short",
    ]
    assert not Blueprint.objects.filter(program=program).exists()
    assert not ProgramEvent.objects.filter(program=program, kind=ProgramEvent.Kind.BLUEPRINT).exists()


def test_a_competency_minimum_beyond_the_bank_is_refused_by_name(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin, item_count=15)  # Process 9, Professionalism 6
    data = blueprint_input(small_bank, minimums={"TST-PRC-1": 9})
    with pytest.raises(ValidationError) as raised:
        blueprint_save(program=program, data=data, by=program_admin)
    assert raised.value.messages == ["Skill PRC-1 (TST-PRC-1): needs 9 approved items, the bank has 8 — 1 short"]


def test_an_enemy_group_counts_once_toward_what_the_bank_has(small_bank, author, program_admin):
    competency = small_bank.domains.get(code="PRO").competencies.get()
    make_items(competency, count=3, by=author, enemy_group="same-trick", start=50)
    program = make_program(small_bank, by=program_admin, item_count=20)  # Professionalism needs 8
    cells = {c.label: c for c in blueprint_check(program=program, data=blueprint_input(small_bank))}
    assert (cells["Professionalism (PRO)"].needed, cells["Professionalism (PRO)"].available) == (8, 7)
    lenient = blueprint_input(small_bank, enemy_rule=False)
    cells = {c.label: c for c in blueprint_check(program=program, data=lenient)}
    assert cells["Professionalism (PRO)"].available == 9


def test_weights_must_add_up_to_100(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin)
    with pytest.raises(ValidationError) as raised:
        blueprint_save(
            program=program, data=blueprint_input(small_bank, weights={"PRC": "60", "PRO": "30"}), by=program_admin
        )
    assert raised.value.message_dict == {"domains": ["The weights add up to 90 %, not 100 %."]}


def test_minimums_cannot_exceed_their_domain_count(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin, item_count=10)  # Process gets 6
    data = blueprint_input(small_bank, minimums={"TST-PRC-1": 4, "TST-PRC-2": 3})
    with pytest.raises(ValidationError) as raised:
        blueprint_save(program=program, data=data, by=program_admin)
    assert raised.value.message_dict == {"minimums": ["The minimums in Process add up to 7, more than its 6 items."]}


def test_a_domain_of_another_standard_is_refused(small_bank, program_admin):
    from .conftest import make_standard

    other = make_standard("OTH")
    program = make_program(small_bank, by=program_admin)
    data = blueprint_input(small_bank)
    data.domains[0] = (other.domains.get(code="PRC"), data.domains[0][1])
    with pytest.raises(ValidationError) as raised:
        blueprint_save(program=program, data=data, by=program_admin)
    assert "Process is not a domain of TST." in raised.value.message_dict["domains"]


def test_a_feasible_blueprint_is_saved_with_its_cells(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin, item_count=10)
    blueprint = blueprint_save(
        program=program, data=blueprint_input(small_bank, minimums={"TST-PRC-1": 2}), by=program_admin
    )
    cells = blueprint_feasibility(blueprint)
    assert [(c.kind, c.label, c.needed, c.available, c.ok) for c in cells] == [
        ("domain", "Process (PRC)", 6, 16, True),
        ("domain", "Professionalism (PRO)", 4, 6, True),
        ("competency", "Skill PRC-1 (TST-PRC-1)", 2, 8, True),
    ]


def test_every_change_to_a_published_blueprint_is_audited_with_before_and_after(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin, item_count=10)
    blueprint_save(program=program, data=blueprint_input(small_bank), by=program_admin)
    program_publish(program=program, by=program_admin)
    blueprint_save(
        program=program,
        data=blueprint_input(small_bank, weights={"PRC": "50", "PRO": "50"}, minimums={"TST-PRO-1": 2}),
        by=program_admin,
        comment="More weight on professionalism after the job analysis.",
    )
    event = ProgramEvent.objects.filter(program=program, kind=ProgramEvent.Kind.BLUEPRINT).first()
    assert event.while_published and event.actor == program_admin
    assert event.before["domains"] == {"PRC": "60.00", "PRO": "40.00"}
    assert event.after["domains"] == {"PRC": "50.00", "PRO": "50.00"}
    assert event.before["minimums"] == {} and event.after["minimums"] == {"TST-PRO-1": 2}
    assert event.comment.startswith("More weight")
    # Saving the same blueprint again is no change and writes nothing.
    count = ProgramEvent.objects.count()
    blueprint_save(
        program=program,
        data=blueprint_input(small_bank, weights={"PRC": "50", "PRO": "50"}, minimums={"TST-PRO-1": 2}),
        by=program_admin,
    )
    assert ProgramEvent.objects.count() == count


def test_a_program_cannot_open_without_a_blueprint(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin)
    with pytest.raises(ValidationError, match="blueprint before publishing"):
        program_publish(program=program, by=program_admin)
    program.refresh_from_db()
    assert program.status == ProgramStatus.DRAFT


def test_growing_a_program_past_what_the_bank_holds_is_refused_and_changes_nothing(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin, item_count=10)
    blueprint_save(program=program, data=blueprint_input(small_bank), by=program_admin)
    with pytest.raises(ValidationError) as raised:
        program_update(program=program, by=program_admin, item_count=30)
    assert raised.value.messages == [
        "Process (PRC): needs 18 approved items, the bank has 16 — 2 short",
        "Professionalism (PRO): needs 12 approved items, the bank has 6 — 6 short",
    ]
    program.refresh_from_db()
    assert program.item_count == 10
    program_update(program=program, by=program_admin, item_count=12, duration_minutes=40)
    event = ProgramEvent.objects.filter(program=program, kind=ProgramEvent.Kind.UPDATED).get()
    assert (event.before["item_count"], event.after["item_count"]) == (10, 12)
    assert (event.before["duration_minutes"], event.after["duration_minutes"]) == (30, 40)


def test_a_program_refuses_a_scale_that_does_not_rise_and_a_cut_of_100(small_bank, program_admin):
    with pytest.raises(ValidationError) as raised:
        make_program(small_bank, by=program_admin, scale_cut=1000, cut_score_percent=100)
    assert raised.value.message_dict == {
        "cut_score_percent": ["The cut score is a percent above 0 and below 100."],
        "scale_cut": ["The passing scaled score must lie between the lowest and the highest."],
    }
    assert not CertificationProgram.objects.exists()


def test_coverage_shows_each_competency_against_each_blueprint_and_flags_gaps(small_bank, program_admin, author):
    program = make_program(small_bank, by=program_admin, item_count=10)
    blueprint_save(program=program, data=blueprint_input(small_bank, minimums={"TST-PRO-1": 4}), by=program_admin)
    (standard,) = coverage()
    assert [p.code for p in standard.programs] == ["TP"]
    rows = {row.competency.code: row for domain in standard.domains for row in domain.rows}
    assert rows["TST-PRO-1"].approved == 6
    assert [(n.program, n.needed, n.available) for n in rows["TST-PRO-1"].needs] == [("TP", 4, 6)]
    assert not any(domain.has_gap for domain in standard.domains)
    # Retiring items opens a gap the coverage view shows.
    from exams.bank import items_bulk_retire
    from exams.models import Item

    retired = Item.objects.filter(competency__code="TST-PRO-1")[:3]
    items_bulk_retire(items=retired, by=program_admin, comment="Outdated")
    (standard,) = coverage()
    rows = {row.competency.code: row for domain in standard.domains for row in domain.rows}
    assert rows["TST-PRO-1"].has_gap and rows["TST-PRO-1"].needs[0].shortfall == 1
