from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from standards.models import BehaviourStatement, Competency, Domain, InterviewQuestion, Level, Standard

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "standards"
MODELS = [Standard, Domain, Competency, Level, BehaviourStatement, InterviewQuestion]


def snapshot() -> dict:
    return {model.__name__: sorted(model.objects.values_list()) for model in MODELS}


def test_loading_twice_leaves_exactly_the_same_rows(db):
    Standard.objects.all().delete()  # from an empty database, as on a fresh installation
    call_command("load_standards", verbosity=0)
    first = snapshot()
    call_command("load_standards", verbosity=0)
    assert snapshot() == first
    assert sum(len(rows) for rows in first.values()) > 100


def test_css_has_three_domains_weighted_30_30_40(standards_loaded):
    domains = Domain.objects.filter(standard__code="CSS").order_by("order")
    assert [(d.name, int(d.weight)) for d in domains] == [
        ("Professionalism", 30),
        ("Skills", 30),
        ("Process", 40),
    ]
    for domain in domains:
        assert domain.competencies.count() >= 4


def test_css_covers_the_competencies_the_css_text_names(standards_loaded):
    titles = " ".join(Competency.objects.filter(domain__standard__code="CSS").values_list("title", flat=True)).lower()
    for topic in [
        "role",
        "customer service",
        "communication",
        "teamwork",
        "ethics",
        "processes",
        "terminology",
        "service level",
        "escalation",
        "ownership",
    ]:
        assert topic in titles, topic


def test_ccsm_has_six_areas_and_thirty_five_components(standards_loaded):
    ccsm = Standard.objects.get(code="CCSM")
    assert ccsm.domains.count() == 6
    assert Competency.objects.filter(domain__standard=ccsm).count() == 35
    assert [d.competencies.count() for d in ccsm.domains.order_by("order")] == [8, 3, 4, 9, 7, 4]
    assert sum(d.weight for d in ccsm.domains.all()) == 100


def test_csmg_has_six_levels_in_russian_and_english(standards_loaded):
    levels = Level.objects.filter(standard__code="CSMG").order_by("number")
    assert [level.number for level in levels] == [1, 2, 3, 4, 5, 6]
    for level in levels:
        assert level.name and level.description and level.essence
        assert level.name_original and level.description_original and level.essence_original
        # The original is Russian (Cyrillic) and the translation is not.
        assert any("а" <= ch <= "я" for ch in level.description_original.lower())
        assert not any("а" <= ch <= "я" for ch in level.description.lower())
    assert levels.get(number=5).name.startswith("Ensure")


def test_policies_standard_has_four_levels_and_21_behaviour_statements(standards_loaded):
    policies = Standard.objects.get(code="CSPSP")
    assert policies.levels.count() == 4
    per_level = [level.behaviours.count() for level in policies.levels.order_by("number")]
    assert per_level == [4, 5, 6, 6]
    assert BehaviourStatement.objects.filter(level__standard=policies).count() == 21
    assert InterviewQuestion.objects.filter(standard=policies).count() == 5


def test_every_derived_competency_says_what_it_is_derived_from(standards_loaded):
    for competency in Competency.objects.filter(derived=True):
        assert competency.derived_from.strip(), competency.code


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "standards"
    folder.mkdir(exist_ok=True)
    for source in FIXTURES.glob("*.yaml"):
        text = source.read_text(encoding="utf-8")
        if source.name == name:
            assert old in text
            text = text.replace(old, new, 1)
        (folder / source.name).write_text(text, encoding="utf-8")
    return folder


def test_a_malformed_file_changes_nothing_and_names_the_file_and_entry(standards_loaded, tmp_path):
    before = snapshot()
    folder = _broken_copy(tmp_path, "ccsm.yaml", "title: Performance Stress", "title: ")
    with pytest.raises(CommandError) as error:
        call_command("load_standards", dir=folder, verbosity=0)
    message = str(error.value)
    assert "ccsm.yaml" in message
    assert "CCSM-1.8" in message and "'title'" in message
    assert snapshot() == before


def test_weights_that_do_not_sum_to_100_are_refused(standards_loaded, tmp_path):
    before = snapshot()
    folder = _broken_copy(tmp_path, "css.yaml", "weight: 40", "weight: 45")
    with pytest.raises(CommandError, match=r"css\.yaml.*sum to 105"):
        call_command("load_standards", dir=folder, verbosity=0)
    assert snapshot() == before


def test_a_bad_file_after_good_ones_loads_none_of_them(db, tmp_path):
    Standard.objects.all().delete()
    folder = _broken_copy(tmp_path, "cspsp.yaml", "level_kind: proficiency", "level_kind: [oops")
    with pytest.raises(CommandError, match=r"cspsp\.yaml.*line"):
        call_command("load_standards", dir=folder, verbosity=0)
    assert Standard.objects.count() == 0


def test_a_competency_code_used_twice_is_refused(standards_loaded, tmp_path):
    before = snapshot()
    folder = _broken_copy(tmp_path, "css.yaml", "code: CSS-PRO-ETH", "code: CSS-PRO-ROLE")
    with pytest.raises(CommandError, match=r"css\.yaml.*CSS-PRO-ROLE.*appears twice"):
        call_command("load_standards", dir=folder, verbosity=0)
    assert snapshot() == before


def test_an_edited_file_updates_in_place(standards_loaded, tmp_path):
    competency = Competency.objects.get(code="CCSM-1.8")
    folder = _broken_copy(tmp_path, "ccsm.yaml", "title: Performance Stress", "title: Performance stress")
    call_command("load_standards", dir=folder, verbosity=0)
    competency.refresh_from_db()
    assert competency.title == "Performance stress"
    assert Competency.objects.get(code="CCSM-1.8").pk == competency.pk
