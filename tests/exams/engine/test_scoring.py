"""Scoring: the rules per item type, dropped and rekeyed items, sub-scores and the scaled score."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exams.scoring import ScoreScale, ScoringItem, item_credit, rescore, score_form

SCALE = ScoreScale(cut_percent=Fraction(70), minimum=100, maximum=1000, cut_point=700)


def item(position, type="single", key=(2,), scoring="all_or_nothing", domain="Process", competency="C1", version=None):
    return ScoringItem(
        position=position,
        version_id=version or 100 + position,
        type=type,
        scoring=scoring,
        key=tuple(key),
        domain=domain,
        competency=competency,
    )


def test_single_and_true_false_score_one_only_for_the_keyed_option_alone():
    assert item_credit(item(1, key=(2,)), [2]) == 1
    assert item_credit(item(1, key=(2,)), [3]) == 0
    assert item_credit(item(1, key=(2,)), [2, 3]) == 0
    assert item_credit(item(1, key=(2,)), []) == 0
    assert item_credit(item(1, key=(2,)), None) == 0
    assert item_credit(item(1, type="truefalse", key=(1,)), [1]) == 1
    assert item_credit(item(1, type="truefalse", key=(1,)), [2]) == 0


def test_multiple_all_or_nothing_needs_exactly_the_key():
    multiple = item(1, type="multiple", key=(1, 3))
    assert item_credit(multiple, [3, 1]) == 1
    assert item_credit(multiple, [1]) == 0
    assert item_credit(multiple, [1, 3, 4]) == 0


def test_multiple_partial_credit_subtracts_wrong_choices_and_never_goes_below_zero():
    partial = item(1, type="multiple", scoring="partial", key=(1, 2, 3))
    assert item_credit(partial, [1, 2, 3]) == 1
    assert item_credit(partial, [1, 2]) == Fraction(2, 3)
    assert item_credit(partial, [1, 2, 4]) == Fraction(1, 3)
    assert item_credit(partial, [1, 4, 5]) == 0
    assert item_credit(partial, [4, 5]) == 0
    assert item_credit(partial, [1, 1, 1]) == Fraction(1, 3)  # choosing one option twice counts once


def test_ordering_scores_only_the_exact_order():
    ordering = item(1, type="ordering", key=(1, 2, 3, 4))
    assert item_credit(ordering, [1, 2, 3, 4]) == 1
    assert item_credit(ordering, [1, 2, 4, 3]) == 0
    assert item_credit(ordering, [1, 2, 3]) == 0


def test_a_form_score_has_domain_sub_scores_a_percent_a_decision_and_a_scaled_score():
    form = [
        item(1, key=(1,), domain="Professionalism"),
        item(2, key=(2,), domain="Professionalism"),
        item(3, key=(3,), domain="Process"),
        item(4, type="multiple", scoring="partial", key=(1, 2), domain="Process"),
    ]
    result = score_form(form, {1: [1], 2: [2], 3: [1], 4: [1]}, scale=SCALE)
    assert result.raw == Fraction(5, 2)
    assert result.maximum == 4
    assert result.percent == Fraction(125, 2)
    assert not result.passed
    assert result.scaled == 100 + (600 * 125 // 2) // 70  # 62.5 % on the lower line: 635
    assert result.scaled == 635
    assert [(d.label, d.raw, d.maximum) for d in result.domains] == [
        ("Professionalism", 2, 2),
        ("Process", Fraction(1, 2), 2),
    ]
    summary = result.as_dict()
    assert summary["percent"] == 62.5 and summary["raw_exact"] == "5/2"


def test_exactly_the_cut_score_passes_at_the_cut_point():
    form = [item(n, key=(1,)) for n in range(1, 11)]
    responses = {n: [1] for n in range(1, 8)}
    result = score_form(form, responses, scale=SCALE)
    assert result.percent == 70 and result.passed and result.scaled == 700
    result = score_form(form, {n: [1] for n in range(1, 7)}, scale=SCALE)
    assert not result.passed and result.scaled < 700


def test_a_dropped_item_counts_for_no_one_and_a_rekey_scores_by_the_new_key():
    form = [item(1, key=(1,)), item(2, key=(1,)), item(3, key=(1,))]
    responses = {1: [1], 2: [2], 3: [3]}
    assert score_form(form, responses, scale=SCALE).raw == 1
    dropped = rescore(form, responses, scale=SCALE, overrides={102: {"dropped": True}})
    assert (dropped.raw, dropped.maximum) == (1, 2)
    assert dropped.items[1].maximum == 0
    rekeyed = rescore(form, responses, scale=SCALE, overrides={103: {"key": [3]}})
    assert (rekeyed.raw, rekeyed.maximum) == (2, 3)


def test_scaled_score_map_rejects_a_scale_that_does_not_rise():
    with pytest.raises(ValueError):
        ScoreScale(cut_percent=Fraction(70), minimum=100, maximum=1000, cut_point=1000)
    with pytest.raises(ValueError):
        ScoreScale(cut_percent=Fraction(100))


# --- properties ------------------------------------------------------------------------------

KINDS = [("single", "all_or_nothing"), ("truefalse", "all_or_nothing"), ("multiple", "all_or_nothing")]
KINDS += [("multiple", "partial"), ("ordering", "all_or_nothing")]


@st.composite
def forms_and_responses(draw):
    items, responses = [], {}
    for position in range(1, draw(st.integers(1, 25)) + 1):
        kind, scoring = draw(st.sampled_from(KINDS))
        n = 2 if kind == "truefalse" else draw(st.integers(2, 6))
        if kind == "ordering":
            key = tuple(range(1, n + 1))
        elif kind == "multiple":
            key = tuple(sorted(draw(st.sets(st.integers(1, n), min_size=1))))
        else:
            key = (draw(st.integers(1, n)),)
        items.append(
            ScoringItem(
                position=position,
                version_id=position,
                type=kind,
                scoring=scoring,
                key=key,
                domain=draw(st.sampled_from(["A", "B", "C"])),
                competency=draw(st.sampled_from(["c1", "c2", "c3", "c4"])),
                dropped=draw(st.booleans()) and draw(st.booleans()),
            )
        )
        if draw(st.booleans()) or kind == "ordering" and draw(st.booleans()):
            responses[position] = (
                list(key) if draw(st.booleans()) else draw(st.lists(st.integers(0, n + 1), max_size=n + 1))
            )
    return items, responses


@st.composite
def scales(draw):
    minimum = draw(st.integers(0, 500))
    cut_point = draw(st.integers(minimum + 1, minimum + 600))
    maximum = draw(st.integers(cut_point + 1, cut_point + 600))
    cut = Fraction(draw(st.integers(1, 9999)), 100)
    return ScoreScale(cut_percent=cut, minimum=minimum, maximum=maximum, cut_point=cut_point)


@settings(max_examples=60, deadline=None)
@given(forms_and_responses(), scales())
def test_scores_never_exceed_the_maximum_and_sub_scores_add_up_to_the_total(case, scale):
    items, responses = case
    result = score_form(items, responses, scale=scale)
    assert 0 <= result.raw <= result.maximum
    assert result.maximum == sum(1 for i in items if not i.dropped)
    assert 0 <= result.percent <= 100
    assert sum(d.raw for d in result.domains) == result.raw
    assert sum(d.maximum for d in result.domains) == result.maximum
    assert sum(c.raw for c in result.competencies) == result.raw
    assert all(0 <= d.raw <= d.maximum for d in result.domains)
    assert scale.minimum <= result.scaled <= scale.maximum
    assert result.passed == (result.maximum > 0 and result.scaled >= scale.cut_point)


@settings(max_examples=60, deadline=None)
@given(scales(), st.lists(st.fractions(min_value=0, max_value=100), min_size=2, max_size=30))
def test_the_scaled_score_maps_the_cut_to_the_cut_point_and_never_falls(scale, percents):
    assert scale.scaled(scale.cut_percent) == scale.cut_point
    assert scale.scaled(0) == scale.minimum
    assert scale.scaled(100) == scale.maximum
    ordered = sorted(percents)
    scaled = [scale.scaled(p) for p in ordered]
    assert scaled == sorted(scaled)
    for percent, value in zip(ordered, scaled, strict=True):
        assert (value >= scale.cut_point) == (percent >= scale.cut_percent)
