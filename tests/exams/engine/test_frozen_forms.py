"""Frozen forms: what an attempt is taken on stays as it was drawn, whatever the bank does later."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from exams.bank import ItemContent, OptionData, item_edit, version_approve, version_submit
from exams.models import ExamForm, FixedForm, Item, ProgramEvent, ScoreAdjustment
from exams.models.programs import DeliveryMode, FixedFormStatus
from exams.programs import blueprint_save, exposure_counts, fixed_form_publish, form_freeze, program_update
from exams.scoring import score_adjustment_record, score_form, score_overrides, scoring_items_for_form

from .conftest import blueprint_input, make_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin, item_count=10)
    blueprint_save(program=program, data=blueprint_input(small_bank, minimums={"TST-PRC-2": 2}), by=program_admin)
    return program


def test_a_frozen_form_stores_versions_domains_and_option_orders(program):
    form = form_freeze(program=program, seed=11)
    rows = list(form.items.select_related("item_version__item", "domain", "competency"))
    assert [row.position for row in rows] == list(range(1, 11))
    assert Counter(row.domain.code for row in rows) == {"PRC": 6, "PRO": 4}
    assert sum(1 for row in rows if row.competency.code == "TST-PRC-2") >= 2
    for row in rows:
        assert row.item_version_id == row.item_version.item.approved_version_id
        assert row.competency_id == row.item_version.item.competency_id
        assert sorted(row.option_order) == list(range(1, row.item_version.options.count() + 1))
    assert form.blueprint_snapshot["item_count"] == 10
    assert form.blueprint_snapshot["minimums"]


def test_the_same_seed_freezes_the_same_form_on_an_unused_bank(program):
    first = form_freeze(program=program, seed=5)
    versions = list(first.items.values_list("item_version_id", "option_order"))
    ExamForm.objects.all().delete()  # back to an unused bank: exposure counts are part of the draw
    again = form_freeze(program=program, seed=5)
    assert list(again.items.values_list("item_version_id", "option_order")) == versions


def test_a_bank_edit_after_freezing_leaves_the_frozen_form_unchanged(program, author, reviewer):
    form = form_freeze(program=program, seed=3)
    row = form.items.select_related("item_version__item").filter(item_version__type="single").first()
    old_version = row.item_version
    item = old_version.item
    old_options = list(old_version.options.values_list("position", "text", "is_correct"))
    old_key = old_version.key()

    # The author rewrites the item with a different key, and a reviewer approves it.
    content = ItemContent(
        type="single",
        stem="<p>Rewritten question</p>",
        options=[OptionData("Alpha", True), OptionData("Beta"), OptionData("Gamma")],
    )
    draft = item_edit(item=item, content=content, by=author)
    version_submit(version=draft, by=author, comment="Clearer wording")
    version_approve(version=draft, by=reviewer, comment="Fine")
    item.refresh_from_db()
    assert item.approved_version_id == draft.pk != old_version.pk

    row.refresh_from_db()
    assert row.item_version_id == old_version.pk
    assert list(row.item_version.options.values_list("position", "text", "is_correct")) == old_options
    scoring_item = next(s for s in scoring_items_for_form(form) if s.position == row.position)
    assert scoring_item.version_id == old_version.pk
    assert list(scoring_item.key) == old_key == [2]
    # New forms draw the new version.
    fresh = form_freeze(program=program, seed=3)
    assert old_version.pk not in set(fresh.items.values_list("item_version_id", flat=True))


def test_frozen_forms_spread_the_bank_through_exposure_counts(program):
    for seed in range(10):
        form_freeze(program=program, seed=seed)
    counts = exposure_counts(program)
    assert sum(counts.values()) == 100
    # Process: 16 items share 60 slots, Professionalism: 6 items share 40, so no item lags or leads much.
    process = [n for item, n in counts.items() if Item.objects.get(pk=item).competency.domain.code == "PRC"]
    assert len(process) == 16 and max(process) - min(process) <= 2


def test_scoring_a_frozen_form_uses_its_keys_and_the_program_scale(program):
    form = form_freeze(program=program, seed=8)
    items = scoring_items_for_form(form)
    all_right = {i.position: list(i.key) for i in items}
    result = score_form(items, all_right, scale=program.score_scale())
    assert (result.raw, result.maximum, result.passed, result.scaled) == (10, 10, True, 1000)
    assert [d.label for d in result.domains] == ["Process", "Professionalism"]
    result = score_form(items, {}, scale=program.score_scale())
    assert (result.raw, result.passed, result.scaled) == (0, False, 100)


def test_dropping_and_rekeying_are_recorded_and_read_back_as_overrides(program, reviewer):
    form = form_freeze(program=program, seed=2)
    rows = list(form.items.select_related("item_version").filter(item_version__type="single")[:2])
    first, second = rows[0].item_version, rows[1].item_version
    score_adjustment_record(program=program, item_version=first, kind="drop", by=reviewer, reason="Ambiguous stem")
    score_adjustment_record(program=program, item_version=second, kind="rekey", key=[3], by=reviewer, reason="Key")
    assert score_overrides(program=program) == {first.pk: {"dropped": True}, second.pk: {"key": [3]}}
    score_adjustment_record(program=program, item_version=first, kind="restore", by=reviewer, reason="Reconsidered")
    assert score_overrides(program=program) == {second.pk: {"key": [3]}}
    assert ScoreAdjustment.objects.filter(program=program).count() == 3


def test_a_rekey_naming_an_option_the_item_lacks_is_refused(program, reviewer):
    form = form_freeze(program=program, seed=2)
    version = form.items.filter(item_version__type="single").first().item_version
    with pytest.raises(ValidationError) as raised:
        score_adjustment_record(program=program, item_version=version, kind="rekey", key=[9], by=reviewer, reason="x")
    assert "key" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        score_adjustment_record(program=program, item_version=version, kind="drop", by=reviewer, reason=" ")
    assert "reason" in raised.value.message_dict
    assert not ScoreAdjustment.objects.exists()


def test_a_fixed_form_program_hands_out_its_published_forms(program, program_admin):
    form_a = fixed_form_publish(program=program, label="a", by=program_admin, seed=1)
    form_b = fixed_form_publish(program=program, label="B", by=program_admin, seed=2)
    program_update(program=program, by=program_admin, delivery_mode=DeliveryMode.FIXED)
    frozen = [form_freeze(program=program, seed=seed) for seed in (0, 1)]
    assert [f.fixed_form_id for f in frozen] == [form_a.pk, form_b.pk]
    assert list(frozen[0].items.values_list("item_version_id", "option_order")) == list(
        form_a.items.values_list("item_version_id", "option_order")
    )
    # Publishing form A again retires the old one; attempts on it keep pointing at it.
    new_a = fixed_form_publish(program=program, label="A", by=program_admin, seed=3)
    form_a.refresh_from_db()
    assert form_a.status == FixedFormStatus.RETIRED and new_a.status == FixedFormStatus.PUBLISHED
    assert ProgramEvent.objects.filter(program=program, kind=ProgramEvent.Kind.FIXED_FORM).count() == 3


def test_a_hand_picked_fixed_form_must_meet_the_blueprint(program, program_admin):
    process = Item.objects.filter(competency__domain__code="PRC").values_list("approved_version_id", flat=True)
    with pytest.raises(ValidationError) as raised:
        fixed_form_publish(program=program, label="A", by=program_admin, version_ids=list(process[:10]))
    assert "Domain Process (PRC) has 10 items, the blueprint 6." in raised.value.messages
    assert "Domain Professionalism (PRO) has 0 items, the blueprint 4." in raised.value.messages
    assert not FixedForm.objects.exists()


def test_a_fixed_form_program_without_a_published_form_cannot_freeze_one(program, program_admin):
    from exams.assembly import AssemblyError

    program_update(program=program, by=program_admin, delivery_mode=DeliveryMode.FIXED)
    with pytest.raises(AssemblyError, match="none is published"):
        form_freeze(program=program, seed=1)
    assert not ExamForm.objects.exists()
