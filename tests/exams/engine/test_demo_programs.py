"""The five demo programs on the demo bank in the database, and the assemble_form command."""

import json
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from exams.models import CertificationProgram, ExamForm, Item, ProgramEvent
from exams.models.programs import ProgramStatus
from exams.programs import blueprint_feasibility, coverage, form_freeze
from exams.scoring import score_form, scoring_items_for_form

pytestmark = pytest.mark.django_db


def assemble(*args: str) -> str:
    out = StringIO()
    call_command("assemble_form", *args, stdout=out)
    return out.getvalue()


def test_load_demo_creates_five_published_programs_with_their_blueprints(demo_db):
    programs = {p.code: p for p in CertificationProgram.objects.select_related("standard", "level")}
    assert sorted(programs) == ["CCSM", "CSMG-3", "CSMG-4", "CSMG-5", "CSS"]
    assert all(p.status == ProgramStatus.PUBLISHED for p in programs.values())
    css = programs["CSS"]
    assert (css.item_count, css.duration_minutes, css.cut_score_percent, css.validity_months) == (60, 90, 70, 36)
    assert (css.retake_wait_days, css.retake_max_per_year) == (14, 3)
    assert (css.scale_min, css.scale_cut, css.scale_max) == (100, 700, 1000)
    weights = {row.domain.code: row.weight for row in css.blueprint.domains.select_related("domain")}
    assert weights == {"PRO": Decimal(30), "SKL": Decimal(30), "PRC": Decimal(40)}
    assert css.blueprint.competencies.count() == 13
    ccsm = {row.domain.code: str(row.weight) for row in programs["CCSM"].blueprint.domains.select_related("domain")}
    assert ccsm == {"1": "22.86", "2": "8.57", "3": "11.43", "4": "25.71", "5": "20.00", "6": "11.43"}
    assert programs["CCSM"].item_count == 50
    for level in (3, 4, 5):
        program = programs[f"CSMG-{level}"]
        assert (program.item_count, program.level.number, program.standard.code) == (30, level, "CSMG")


def test_load_demo_a_second_time_changes_no_program(demo_db):
    events = ProgramEvent.objects.count()
    call_command("load_demo", allow_production=True, verbosity=0, stdout=StringIO())
    assert CertificationProgram.objects.count() == 5
    assert ProgramEvent.objects.count() == events


def test_every_demo_blueprint_is_feasible_on_the_demo_bank(demo_db):
    for program in CertificationProgram.objects.select_related("blueprint"):
        short = [cell.message for cell in blueprint_feasibility(program.blueprint) if not cell.ok]
        assert short == [], program.code


def test_assemble_form_prints_exactly_the_documented_json(demo_db):
    forms_before = ExamForm.objects.count()  # the demo's certified candidate sat one form
    data = json.loads(assemble("--program", "CSS", "--seed", "42", "--count", "3", "--json"))
    assert set(data) == {"program", "seed", "forms"}
    assert (data["program"], data["seed"], len(data["forms"])) == ("CSS", 42, 3)
    approved = dict(Item.objects.values_list("pk", "approved_version_id"))
    for form in data["forms"]:
        assert set(form) == {"items"}
        assert len(form["items"]) == 60
        for entry in form["items"]:
            assert set(entry) == {"item_id", "version_id", "domain", "competency"}
            assert approved[entry["item_id"]] == entry["version_id"]
        assert Counter(e["domain"] for e in form["items"]) == {"Professionalism": 18, "Skills": 18, "Process": 24}
        assert {e["competency"] for e in form["items"]} >= {"CSS-PRO-ROLE", "CSS-SKL-COMM", "CSS-PRC-SLA"}
    # Exposure control across the run: three forms of one run share few items.
    first, second = ({e["item_id"] for e in f["items"]} for f in data["forms"][:2])
    assert len(first & second) < 30
    assert ExamForm.objects.count() == forms_before  # nothing saved


def test_assemble_form_gives_the_same_forms_for_the_same_seed(demo_db):
    args = ("--program", "CSMG-4", "--seed", "9", "--count", "2", "--json")
    assert assemble(*args) == assemble(*args)
    assert assemble("--program", "CSMG-4", "--seed", "10", "--json") != assemble(
        "--program", "CSMG-4", "--seed", "9", "--json"
    )


def test_assemble_form_refuses_an_unknown_program(demo_db):
    with pytest.raises(CommandError, match="Unknown program 'NOPE'. Programs: CCSM, CSMG-3, CSMG-4, CSMG-5, CSS."):
        assemble("--program", "NOPE", "--seed", "1", "--json")


def test_assemble_form_says_which_cell_an_emptied_bank_cannot_fill(demo_db, program_admin):
    from exams.bank import items_bulk_retire

    process = Item.objects.filter(competency__domain__code="PRC", competency__domain__standard__code="CSS")
    items_bulk_retire(items=list(process[:120]), by=program_admin, comment="Withdrawn for review")
    with pytest.raises(CommandError, match=r"CSS cannot be assembled: Domain Process \(PRC\) needs 24 approved items"):
        assemble("--program", "CSS", "--seed", "1", "--json")


def test_a_css_attempt_form_frozen_from_the_demo_bank_scores_as_its_keys_say(demo_db):
    program = CertificationProgram.objects.get(code="CSS")
    form = form_freeze(program=program, seed=77)
    items = scoring_items_for_form(form)
    assert len(items) == 60
    responses = {i.position: list(i.key) for i in items[:45]}  # 45 of 60 right: 75 %
    result = score_form(items, responses, scale=program.score_scale())
    assert (result.raw, result.percent, result.passed) == (45, 75, True)
    assert result.scaled == 700 + 300 * 5 // 30
    assert sum(d.maximum for d in result.domains) == 60
    assert [d.label for d in result.domains] == ["Professionalism", "Skills", "Process"]


def test_coverage_of_the_demo_bank_has_no_gaps(demo_db):
    standards = {s.standard.code: s for s in coverage()}
    assert sorted(standards) == ["CCSM", "CSMG", "CSS"]
    css = standards["CSS"]
    rows = [row for domain in css.domains for row in domain.rows]
    assert len(rows) == 13 and not any(domain.has_gap for domain in css.domains)
    csmg_rows = [row for domain in standards["CSMG"].domains for row in domain.rows]
    assert {need.program for row in csmg_rows for need in row.needs} == {"CSMG-3", "CSMG-4", "CSMG-5"}
