"""Form assembly against the demo bank (as plain tuples): the acceptance checks of the engine."""

import random
from collections import Counter

import pytest

from exams.assembly import Assembler, AssemblyError, assemble_form, domain_counts, option_order

from .conftest import demo_spec

FORMS = 1000


@pytest.fixture(scope="module")
def css_run(demo_pool):
    pool, ids = demo_pool
    spec = demo_spec("CSS", pool, ids)
    usage: dict[int, int] = {}
    forms = Assembler(pool, spec).forms(seed=20260501, count=FORMS, usage=usage)
    return pool, ids, spec, forms, usage


def test_domain_counts_use_largest_remainder_rounding():
    assert domain_counts([(1, 30), (2, 30), (3, 40)], 60) == {1: 18, 2: 18, 3: 24}
    # 50 CCSM items: 11.43 / 4.285 / 5.715 / 12.855 / 10 / 5.715 → the three largest remainders round up.
    ccsm = [(1, "22.86"), (2, "8.57"), (3, "11.43"), (4, "25.71"), (5, "20"), (6, "11.43")]
    from fractions import Fraction

    assert domain_counts([(d, Fraction(w)) for d, w in ccsm], 50) == {1: 11, 2: 4, 3: 6, 4: 13, 5: 10, 6: 6}
    assert domain_counts([(1, 1), (2, 1), (3, 1)], 10) == {1: 4, 2: 3, 3: 3}


def test_every_one_of_1000_css_forms_has_exactly_18_18_24_items(css_run):
    pool, ids, _spec, forms, _usage = css_run
    expected = {ids["domain"][("CSS", "PRO")]: 18, ids["domain"][("CSS", "SKL")]: 18, ids["domain"][("CSS", "PRC")]: 24}
    assert len(forms) == FORMS
    for form in forms:
        assert Counter(slot.domain_id for slot in form.slots) == expected
        assert len({slot.item_id for slot in form.slots}) == 60


def test_every_css_form_covers_each_competency_at_least_its_minimum(css_run):
    _pool, _ids, spec, forms, _usage = css_run
    assert len(spec.minimums) == 13
    for form in forms:
        counts = Counter(slot.competency_id for slot in form.slots)
        for competency, minimum in spec.minimums:
            assert counts[competency] >= minimum


def test_no_css_form_holds_two_items_of_one_enemy_group(css_run):
    pool, _ids, _spec, forms, _usage = css_run
    group = {item.item_id: item.enemy_group for item in pool.items}
    assert sum(1 for g in group.values() if g) > 20, "the demo bank should have enemy groups to test against"
    for form in forms:
        groups = [group[slot.item_id] for slot in form.slots if group[slot.item_id]]
        assert len(groups) == len(set(groups))


def test_css_forms_keep_their_mean_difficulty_within_the_tolerance(css_run):
    pool, _ids, spec, forms, _usage = css_run
    difficulty = {item.item_id: item.difficulty for item in pool.items}
    for form in forms:
        mean = sum(difficulty[slot.item_id] for slot in form.slots) / len(form.slots)
        assert abs(mean - float(spec.difficulty_target)) <= float(spec.difficulty_tolerance) + 1e-9


def test_no_item_is_exposed_more_than_one_and_a_half_times_the_mean(css_run):
    pool, _ids, spec, forms, usage = css_run
    eligible = [item for item in pool.items if item.domain_id in dict(spec.domains)]
    assert len(eligible) == 348
    mean = sum(usage.values()) / len(eligible)  # = 60 × 1000 / 348
    assert mean == pytest.approx(60 * FORMS / 348)
    worst = max(usage.get(item.item_id, 0) for item in eligible)
    assert worst <= 1.5 * mean, f"max exposure {worst} forms, mean {mean:.1f}"
    assert min(usage.get(item.item_id, 0) for item in eligible) > 0


def test_the_same_seed_gives_the_same_form_and_another_seed_another(demo_pool):
    pool, ids = demo_pool
    spec = demo_spec("CSS", pool, ids)
    first = assemble_form(pool, spec, seed=7)
    assert assemble_form(pool, spec, seed=7) == first
    assert assemble_form(pool, spec, seed=8) != first
    # The first form of a many-form run is the single form of that seed.
    assert Assembler(pool, spec).forms(seed=7, count=3)[0] == first


def test_a_run_of_forms_is_reproducible_from_its_seed(demo_pool):
    pool, ids = demo_pool
    spec = demo_spec("CCSM", pool, ids)
    assert Assembler(pool, spec).forms(seed=99, count=20) == Assembler(pool, spec).forms(seed=99, count=20)


@pytest.mark.parametrize("code", ["CCSM", "CSMG-3", "CSMG-4", "CSMG-5"])
def test_the_other_demo_programs_assemble_from_their_own_pool(demo_pool, code):
    pool, ids = demo_pool
    spec = demo_spec(code, pool, ids)
    by_id = {item.item_id: item for item in pool.items}
    for form in Assembler(pool, spec).forms(seed=3, count=50):
        assert len(form.slots) == spec.item_count
        if spec.level_id:
            assert {by_id[slot.item_id].level_id for slot in form.slots} == {spec.level_id}


def test_options_are_shuffled_except_true_false_and_ordering_is_never_shown_keyed(css_run):
    pool, _ids, _spec, forms, _usage = css_run
    kind = {item.item_id: item.type for item in pool.items}
    shuffled = Counter()
    for form in forms[:100]:
        for slot in form.slots:
            keyed = tuple(range(1, len(slot.option_order) + 1))
            assert sorted(slot.option_order) == list(keyed)
            if kind[slot.item_id] == "truefalse":
                assert slot.option_order == (1, 2)
            elif kind[slot.item_id] == "ordering":
                assert slot.option_order != keyed
            else:
                shuffled[slot.option_order != keyed] += 1
    # 4 options: 23 of 24 orders differ from the written one.
    assert shuffled[True] > 0.9 * sum(shuffled.values())


def test_option_order_for_a_two_step_ordering_item_is_reversed():
    assert option_order("ordering", 2, random.Random(1)) == (2, 1)


def test_an_impossible_difficulty_target_is_named(demo_pool):
    from dataclasses import replace
    from fractions import Fraction

    pool, ids = demo_pool
    spec = replace(demo_spec("CSS", pool, ids), difficulty_target=Fraction(5), difficulty_tolerance=Fraction(1, 10))
    with pytest.raises(AssemblyError) as raised:
        assemble_form(pool, spec, seed=1)
    assert raised.value.constraint == "difficulty"
    assert "target 5.00 ± 0.10" in str(raised.value)


def test_a_minimum_the_bank_cannot_meet_names_the_competency(demo_pool):
    from dataclasses import replace

    pool, ids = demo_pool
    spec = demo_spec("CSS", pool, ids)
    competency = ids["competency"]["CSS-PRC-SLA"]
    spec = replace(spec, item_count=100, minimums=((competency, 30),))  # Process gets 40 items
    with pytest.raises(AssemblyError) as raised:
        assemble_form(pool, spec, seed=1)
    assert raised.value.constraint == "competency"
    assert str(raised.value) == "Competency CSS-PRC-SLA needs 30 approved items, the bank has 28."
