"""Property-based: over random small banks and blueprints, assembly meets every constraint or names the one it can't."""

import math
from collections import Counter
from fractions import Fraction

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from exams.assembly import AssemblyError, BlueprintSpec, ItemPool, PoolItem, assemble_form, domain_counts

TYPES = ["single", "multiple", "truefalse", "ordering"]
CONSTRAINTS = {"items", "domain", "competency", "minimums", "difficulty"}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def banks_and_blueprints(draw, generous: bool = False):
    n_domains = draw(st.integers(1, 3))
    domains = {d: (f"D{d}", f"Domain {d}", d) for d in range(1, n_domains + 1)}
    competencies: dict[int, tuple[str, int]] = {}
    for domain in domains:
        for _n in range(draw(st.integers(1, 3))):
            competencies[len(competencies) + 1] = (f"C{len(competencies) + 1}", domain)
    levels = [None] if generous else [None, None, 7, 8]
    groups = [""] if generous else ["", "", "", "", "", "g1", "g2", "g3"]
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(sorted(competencies)),
                st.integers(1, 5),
                st.sampled_from(groups),
                st.sampled_from(TYPES),
                st.sampled_from(levels),
            ),
            min_size=5,
            max_size=60,
        )
    )
    if generous:  # ten items of every difficulty for every competency: nothing can run short
        rows = [(c, d, "", "single", None) for c in competencies for d in range(1, 6) for _n in range(10)]
    items = [
        PoolItem(n, 1000 + n, competencies[c][1], c, level, difficulty, group, kind, 2 if kind == "truefalse" else 4)
        for n, (c, difficulty, group, kind, level) in enumerate(rows, start=1)
    ]
    chosen = draw(st.lists(st.sampled_from(sorted(domains)), min_size=1, unique=True))
    weights = tuple((d, Fraction(draw(st.integers(1, 100)))) for d in chosen)
    item_count = draw(st.integers(1, 12))
    if generous:  # minimums that fit: each domain's count shared among its competencies
        counts = domain_counts(weights, item_count)
        share = Counter(domain for _code, domain in competencies.values())
        minimums = tuple(
            (c, draw(st.integers(0, counts[domain] // share[domain])))
            for c, (_code, domain) in competencies.items()
            if domain in chosen
        )
    else:
        minimums = tuple(
            (c, draw(st.integers(0, 2))) for c, (_code, domain) in competencies.items() if domain in chosen
        )
    spec = BlueprintSpec(
        program="P",
        item_count=item_count,
        domains=weights,
        minimums=tuple(m for m in minimums if m[1]),
        level_id=None if generous else draw(st.sampled_from([None, None, 7])),
        difficulty_target=Fraction(draw(st.integers(20 if generous else 10, 40 if generous else 50)), 10),
        difficulty_tolerance=Fraction(draw(st.integers(10 if generous else 0, 20)), 10),
        enemy_rule=draw(st.booleans()),
    )
    pool = ItemPool(items=items, domains=domains, competencies=competencies)
    return pool, spec, draw(st.integers(0, 2**31))


def violations(pool: ItemPool, spec: BlueprintSpec, form) -> list[str]:
    """An independent check of a form against its blueprint."""
    by_id = {item.item_id: item for item in pool.items}
    chosen = [by_id[slot.item_id] for slot in form.slots]
    found = []
    if len(chosen) != spec.item_count or len({i.item_id for i in chosen}) != len(chosen):
        found.append("count")
    total_weight = sum(w for _d, w in spec.domains)
    per_domain = Counter(i.domain_id for i in chosen)
    if set(per_domain) - {d for d, _w in spec.domains}:
        found.append("foreign domain")
    for domain, weight in spec.domains:
        quota = spec.item_count * weight / total_weight
        if not math.floor(quota) <= per_domain[domain] <= math.ceil(quota):
            found.append(f"domain {domain}")
    per_competency = Counter(i.competency_id for i in chosen)
    for competency, minimum in spec.minimums:
        if per_competency[competency] < minimum:
            found.append(f"competency {competency}")
    if spec.level_id is not None and any(i.level_id != spec.level_id for i in chosen):
        found.append("level")
    if spec.enemy_rule:
        groups = [i.enemy_group for i in chosen if i.enemy_group]
        if len(groups) != len(set(groups)):
            found.append("enemies")
    mean = Fraction(sum(i.difficulty for i in chosen), len(chosen))
    if abs(mean - spec.difficulty_target) > spec.difficulty_tolerance:
        found.append("difficulty")
    return found


@SETTINGS
@given(banks_and_blueprints())
def test_assembly_meets_every_constraint_or_names_the_unmet_one(case):
    pool, spec, seed = case
    try:
        form = assemble_form(pool, spec, seed=seed)
    except AssemblyError as error:
        event(f"refused: {error.constraint}")
        assert error.constraint in CONSTRAINTS
        assert str(error)
        if error.label:
            assert error.label in str(error)
        if error.constraint in {"domain", "competency"}:
            assert error.available < error.needed, str(error)
        return
    event("assembled")
    assert violations(pool, spec, form) == []


@SETTINGS
@given(banks_and_blueprints(generous=True))
def test_a_bank_with_plenty_of_every_kind_always_assembles(case):
    pool, spec, seed = case
    form = assemble_form(pool, spec, seed=seed)
    assert violations(pool, spec, form) == []
