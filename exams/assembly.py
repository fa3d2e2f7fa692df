"""Form assembly: draws a form from the approved bank that meets a blueprint exactly.

The bank's metadata is read once into an ItemPool of plain tuples; an Assembler prepares a
blueprint against it, after which each form is a few milliseconds of pure Python:

1. every competency minimum is met first, scarcest competency first;
2. each domain is filled to its count (largest-remainder rounding of the weights);
3. no two items of one enemy group are taken (when the blueprint keeps enemies apart);
4. if the mean difficulty is off target, items are swapped within their domain until it is near;
5. items and their options are shuffled (true/false keeps True before False; ordering items are
   never shown in the keyed order).

Exposure control: each candidate item's priority is its usage count so far plus a random jitter,
and the lowest priorities are taken first. Less-used items win, so over many forms every item's
exposure stays close to its share; the jitter keeps forms from being predictable.

Everything random comes from one `random.Random(seed)`: the same seed, bank and usage counts give
the same form. A blueprint the pool cannot meet raises AssemblyError naming the unmet constraint.
"""

import heapq
import itertools
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from django.utils.translation import gettext as _

from exams.models.bank import ItemType

# Items whose usage counts differ by less than this compete on chance alone.
EXPOSURE_JITTER = 2.0
# Difficulty swaps per form before giving up; each swap strictly improves the mean.
MAX_DIFFICULTY_SWAPS = 200


class AssemblyError(Exception):
    """The blueprint cannot be met; `constraint` says which kind, the message says where and by how much."""

    def __init__(self, message: str, *, constraint: str, label: str = "", needed: int = 0, available: int = 0):
        super().__init__(message)
        self.message = message
        self.constraint = constraint  # "items" | "domain" | "competency" | "minimums" | "difficulty" | "fixed_form"
        self.label = label
        self.needed = needed
        self.available = available

    def __str__(self) -> str:
        return self.message


class PoolItem(NamedTuple):
    item_id: int
    version_id: int
    domain_id: int
    competency_id: int
    level_id: int | None
    difficulty: int
    enemy_group: str
    type: str
    n_options: int


@dataclass
class ItemPool:
    """Approved items' metadata, and the names of their domains and competencies."""

    items: list[PoolItem]
    domains: dict[int, tuple[str, str, int]]  # id -> (code, name, order)
    competencies: dict[int, tuple[str, int]]  # id -> (code, domain id)
    # Prepared assemblers by blueprint: a pool never changes, so neither does their preparation.
    _assemblers: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, *, standard_id: int | None = None) -> "ItemPool":
        """Three queries: the approved items (with option counts), the domains, the competencies."""
        from django.db.models import Count

        from exams.models import Item
        from standards.models import Competency, Domain

        items = Item.objects.filter(
            approved_version__isnull=False, competency__isnull=False, difficulty__isnull=False
        ).order_by("pk")
        domains = Domain.objects.all()
        competencies = Competency.objects.all()
        if standard_id is not None:
            items = items.filter(competency__domain__standard_id=standard_id)
            domains = domains.filter(standard_id=standard_id)
            competencies = competencies.filter(domain__standard_id=standard_id)
        rows = items.annotate(n_options=Count("approved_version__options")).values_list(
            "pk",
            "approved_version_id",
            "competency__domain_id",
            "competency_id",
            "level_id",
            "difficulty",
            "enemy_group",
            "approved_version__type",
            "n_options",
        )
        return cls(
            items=[PoolItem(*row) for row in rows],
            domains={
                pk: (code, name, order) for pk, code, name, order in domains.values_list("pk", "code", "name", "order")
            },
            competencies={
                pk: (code, domain) for pk, code, domain in competencies.values_list("pk", "code", "domain_id")
            },
        )

    def assembler(self, spec: "BlueprintSpec") -> "Assembler":
        prepared = self._assemblers.get(spec)
        if prepared is None:
            prepared = self._assemblers[spec] = Assembler(self, spec)
        return prepared

    def domain_label(self, domain_id: int) -> str:
        code, name, _order = self.domains[domain_id]
        return f"{name} ({code})" if code != name else name


# Pools by standard id, with the bank stamp they were loaded at; see cached_pool.
_POOLS: dict[int | None, tuple[tuple, ItemPool]] = {}


def bank_stamp(standard_id: int | None) -> tuple:
    """Changes whenever the approved bank may have: every write through exams.bank leaves an ItemEvent."""
    from django.db.models import Count, Max

    from exams.models import Item, ItemEvent

    items = Item.objects.filter(approved_version__isnull=False)
    if standard_id is not None:
        items = items.filter(competency__domain__standard_id=standard_id)
    approved = items.aggregate(n=Count("pk"), last=Max("approved_version_id"))
    return approved["n"], approved["last"], ItemEvent.objects.aggregate(last=Max("pk"))["last"]


def cached_pool(standard_id: int | None) -> ItemPool:
    """The pool for a standard, loaded again only when the bank stamp moved (two small aggregates).

    Loading a 10,000-item pool takes a few hundred milliseconds; an attempt's start should not.
    The stamp is read before the load, so a write racing the load only causes one more reload.
    """
    stamp = bank_stamp(standard_id)
    cached = _POOLS.get(standard_id)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    pool = ItemPool.load(standard_id=standard_id)
    _POOLS[standard_id] = (stamp, pool)
    return pool


@dataclass(frozen=True)
class BlueprintSpec:
    """A blueprint as plain values: what assembly needs, and what a frozen form keeps as its snapshot."""

    program: str
    item_count: int
    domains: tuple[tuple[int, Fraction], ...]  # (domain id, weight) in the blueprint's order
    minimums: tuple[tuple[int, int], ...] = ()  # (competency id, minimum items)
    level_id: int | None = None
    difficulty_target: Fraction = Fraction(3)
    difficulty_tolerance: Fraction = Fraction(1, 2)
    enemy_rule: bool = True

    @classmethod
    def of(cls, blueprint) -> "BlueprintSpec":
        program = blueprint.program
        return cls(
            program=program.code,
            item_count=program.item_count,
            domains=tuple((row.domain_id, _fraction(row.weight)) for row in blueprint.domains.all()),
            minimums=tuple((row.competency_id, row.min_items) for row in blueprint.competencies.all() if row.min_items),
            level_id=program.level_id,
            difficulty_target=_fraction(blueprint.difficulty_target),
            difficulty_tolerance=_fraction(blueprint.difficulty_tolerance),
            enemy_rule=blueprint.enemy_rule,
        )

    def snapshot(self) -> dict:
        return {
            "program": self.program,
            "item_count": self.item_count,
            "domains": [[domain, str(weight)] for domain, weight in self.domains],
            "minimums": [list(pair) for pair in self.minimums],
            "level": self.level_id,
            "difficulty_target": str(self.difficulty_target),
            "difficulty_tolerance": str(self.difficulty_tolerance),
            "enemy_rule": self.enemy_rule,
        }


def _fraction(value: Decimal | float | int | str) -> Fraction:
    return Fraction(str(value))


def domain_counts(weights: Sequence[tuple[int, Fraction]], total: int) -> dict[int, int]:
    """Items per domain by largest-remainder rounding: the counts add up to `total` exactly.

    Ties in the remainder go to the heavier domain, then to the one listed first.
    """
    weight_sum = sum((Fraction(w) for _d, w in weights), Fraction(0))
    if weight_sum <= 0:
        return {domain: 0 for domain, _w in weights}
    quotas = [(domain, total * Fraction(w) / weight_sum) for domain, w in weights]
    counts = {domain: int(quota) for domain, quota in quotas}
    left = total - sum(counts.values())
    ranked = sorted(
        range(len(quotas)), key=lambda i: (-(quotas[i][1] - int(quotas[i][1])), -Fraction(weights[i][1]), i)
    )
    for i in ranked[:left]:
        counts[quotas[i][0]] += 1
    return counts


class FormSlot(NamedTuple):
    item_id: int
    version_id: int
    domain_id: int
    competency_id: int
    option_order: tuple[int, ...]


@dataclass(frozen=True)
class AssembledForm:
    slots: tuple[FormSlot, ...]
    fixed_form_id: int | None = None

    def as_json(self, pool: ItemPool) -> dict:
        return {
            "items": [
                {
                    "item_id": slot.item_id,
                    "version_id": slot.version_id,
                    "domain": pool.domains[slot.domain_id][1],
                    "competency": pool.competencies[slot.competency_id][0],
                }
                for slot in self.slots
            ]
        }


def option_order(item_type: str, n_options: int, rng: random.Random) -> tuple[int, ...]:
    """Option positions in the order shown. True/false keeps its order; ordering is never shown keyed."""
    order = list(range(1, n_options + 1))
    if item_type == ItemType.TRUE_FALSE or n_options < 2:
        return tuple(order)
    rng.shuffle(order)
    if item_type == ItemType.ORDERING:
        while order == sorted(order):
            rng.shuffle(order)
    return tuple(order)


@dataclass
class _Cell:
    """A competency's or domain's candidates, as indices into Assembler.items."""

    label: str
    members: list[int] = field(default_factory=list)


class Assembler:
    """Prepares a blueprint against a pool once; then draws forms from it."""

    def __init__(self, pool: ItemPool, spec: BlueprintSpec):
        self.pool = pool
        self.spec = spec
        self.counts = domain_counts(spec.domains, spec.item_count)
        wanted = set(self.counts)
        self.items: list[PoolItem] = [
            item
            for item in pool.items
            if item.domain_id in wanted and (spec.level_id is None or item.level_id == spec.level_id)
        ]
        self.minimums = {competency: n for competency, n in spec.minimums if n > 0}
        self.by_competency: dict[int, _Cell] = {}
        self.by_domain: dict[int, list[int]] = {domain: [] for domain in self.counts}
        for index, item in enumerate(self.items):
            cell = self.by_competency.get(item.competency_id)
            if cell is None:
                cell = self.by_competency[item.competency_id] = _Cell(self._competency_label(item.competency_id))
            cell.members.append(index)
            self.by_domain[item.domain_id].append(index)
        self.domain_competencies: dict[int, list[int]] = {domain: [] for domain in self.counts}
        for competency in self.by_competency:
            self.domain_competencies[pool.competencies[competency][1]].append(competency)
        self._check_static()

    def _competency_label(self, competency_id: int) -> str:
        return (
            self.pool.competencies[competency_id][0] if competency_id in self.pool.competencies else str(competency_id)
        )

    def _usable(self, indices: Iterable[int]) -> int:
        """How many of these items could share one form: an enemy group counts once."""
        if not self.spec.enemy_rule:
            return sum(1 for _i in indices)
        groups, loose = set(), 0
        for i in indices:
            group = self.items[i].enemy_group
            if group:
                groups.add(group)
            else:
                loose += 1
        return loose + len(groups)

    def _check_static(self) -> None:
        """Shortfalls that no draw can overcome, named before any form is tried."""
        if self.spec.item_count < 1:
            raise AssemblyError(_("The blueprint asks for no items."), constraint="items")
        if not self.spec.domains:
            raise AssemblyError(_("The blueprint has no domains."), constraint="domain")
        for domain, needed in self.counts.items():
            label = self.pool.domain_label(domain) if domain in self.pool.domains else str(domain)
            members = self.by_domain[domain]
            if len(members) < needed:
                raise AssemblyError(
                    _("Domain %(cell)s needs %(needed)s approved items, the bank has %(available)s.")
                    % {"cell": label, "needed": needed, "available": len(members)},
                    constraint="domain",
                    label=label,
                    needed=needed,
                    available=len(members),
                )
            usable = self._usable(members)
            if usable < needed:
                raise AssemblyError(
                    _("Enemy groups leave only %(available)s items for domain %(cell)s, %(needed)s required.")
                    % {"cell": label, "needed": needed, "available": usable},
                    constraint="domain",
                    label=label,
                    needed=needed,
                    available=usable,
                )
            floor = sum(self.minimums.get(c, 0) for c in self.domain_competencies[domain])
            if floor > needed:
                raise AssemblyError(
                    _("The competency minimums of domain %(cell)s add up to %(floor)s, more than its %(needed)s items.")
                    % {"cell": label, "floor": floor, "needed": needed},
                    constraint="minimums",
                    label=label,
                    needed=floor,
                    available=needed,
                )
        for competency, needed in self.minimums.items():
            cell = self.by_competency.get(competency)
            label = self._competency_label(competency)
            domain = self.pool.competencies.get(competency, ("", None))[1]
            if domain not in self.counts:
                raise AssemblyError(
                    _("Competency %(cell)s has a minimum but its domain is not in the blueprint.") % {"cell": label},
                    constraint="competency",
                    label=label,
                    needed=needed,
                )
            have = len(cell.members) if cell else 0
            if have < needed:
                raise AssemblyError(
                    _("Competency %(cell)s needs %(needed)s approved items, the bank has %(available)s.")
                    % {"cell": label, "needed": needed, "available": have},
                    constraint="competency",
                    label=label,
                    needed=needed,
                    available=have,
                )

    # --- one form --------------------------------------------------------------------------------

    def assemble(self, rng: random.Random, usage: Mapping[int, int] | None = None) -> AssembledForm:
        """One form; `usage` counts the forms each item id has been on so far."""
        counts = [usage.get(item.item_id, 0) for item in self.items] if usage else [0] * len(self.items)
        return self._draw(rng, counts)[0]

    def _draw(self, rng: random.Random, counts: list[int]) -> tuple[AssembledForm, list[int]]:
        items = self.items
        rand = rng.random
        priority = [count + rand() * EXPOSURE_JITTER for count in counts]
        ranked = {
            competency: sorted(cell.members, key=priority.__getitem__)
            for competency, cell in self.by_competency.items()
        }
        enemy_rule = self.spec.enemy_rule
        chosen: list[int] = []
        taken: set[int] = set()
        groups: set[str] = set()
        per_domain = dict.fromkeys(self.counts, 0)
        per_competency: dict[int, int] = {}

        def take(i: int) -> None:
            item = items[i]
            chosen.append(i)
            taken.add(i)
            if enemy_rule and item.enemy_group:
                groups.add(item.enemy_group)
            per_domain[item.domain_id] += 1
            per_competency[item.competency_id] = per_competency.get(item.competency_id, 0) + 1

        def free(i: int) -> bool:
            return i not in taken and not (enemy_rule and items[i].enemy_group in groups and items[i].enemy_group)

        # 1. Competency minimums, scarcest first so a plentiful one never takes a scarce one's enemy.
        for competency in sorted(self.minimums, key=lambda c: (len(ranked.get(c, ())), self._competency_label(c))):
            needed = self.minimums[competency]
            got = 0
            for i in ranked.get(competency, ()):
                if got == needed:
                    break
                if free(i):
                    take(i)
                    got += 1
            if got < needed:
                label = self._competency_label(competency)
                raise AssemblyError(
                    _("Enemy groups leave only %(available)s items for competency %(cell)s, %(needed)s required.")
                    % {"cell": label, "needed": needed, "available": got},
                    constraint="competency",
                    label=label,
                    needed=needed,
                    available=got,
                )

        # 2. Fill each domain to its count, least exposed first.
        for domain, needed in self.counts.items():
            if per_domain[domain] >= needed:
                continue
            streams = [ranked[c] for c in self.domain_competencies[domain]]
            for i in heapq.merge(*streams, key=priority.__getitem__):
                if per_domain[domain] == needed:
                    break
                if free(i):
                    take(i)
            if per_domain[domain] < needed:
                label = self.pool.domain_label(domain)
                raise AssemblyError(
                    _("Enemy groups leave only %(available)s items for domain %(cell)s, %(needed)s required.")
                    % {"cell": label, "needed": needed, "available": per_domain[domain]},
                    constraint="domain",
                    label=label,
                    needed=needed,
                    available=per_domain[domain],
                )

        # 3. Difficulty near the target.
        self._steer_difficulty(chosen, taken, groups, per_competency, ranked)

        # 4. Presentation order.
        chosen.sort()
        rng.shuffle(chosen)
        form = AssembledForm(
            slots=tuple(
                FormSlot(
                    items[i].item_id,
                    items[i].version_id,
                    items[i].domain_id,
                    items[i].competency_id,
                    option_order(items[i].type, items[i].n_options, rng),
                )
                for i in chosen
            )
        )
        return form, chosen

    def _steer_difficulty(
        self,
        chosen: list[int],
        taken: set[int],
        groups: set[str],
        per_competency: dict[int, int],
        ranked: dict[int, list[int]],
    ) -> None:
        items, spec = self.items, self.spec
        n = len(chosen)
        target_sum = spec.difficulty_target * n
        slack = spec.difficulty_tolerance * n
        total = sum(items[i].difficulty for i in chosen)
        swaps = 0
        while abs(target_sum - total) > slack:
            needed = target_sum - total
            best = None  # (distance after swap, position in chosen, incoming index)
            for position, out in enumerate(chosen):
                leaving = items[out]
                if needed > 0 and leaving.difficulty >= 5 or needed < 0 and leaving.difficulty <= 1:
                    continue
                at_minimum = per_competency[leaving.competency_id] <= self.minimums.get(leaving.competency_id, 0)
                competencies = [leaving.competency_id] if at_minimum else self.domain_competencies[leaving.domain_id]
                for competency in competencies:
                    seen: set[int] = set()
                    for i in ranked[competency]:
                        candidate = items[i]
                        if candidate.difficulty in seen or i in taken:
                            continue
                        if (
                            spec.enemy_rule
                            and candidate.enemy_group
                            and candidate.enemy_group in groups
                            and candidate.enemy_group != leaving.enemy_group
                        ):
                            continue
                        seen.add(candidate.difficulty)
                        delta = candidate.difficulty - leaving.difficulty
                        distance = abs(needed - delta)
                        if distance < abs(needed) and (best is None or distance < best[0]):
                            best = (distance, position, i)
                        if len(seen) == 5:
                            break
            if best is None or swaps >= MAX_DIFFICULTY_SWAPS:
                mean = Fraction(total, n)
                raise AssemblyError(
                    _("The mean difficulty %(mean).2f cannot reach the target %(target).2f ± %(tolerance).2f.")
                    % {
                        "mean": float(mean),
                        "target": float(spec.difficulty_target),
                        "tolerance": float(spec.difficulty_tolerance),
                    },
                    constraint="difficulty",
                    label=_("difficulty"),
                )
            _distance, position, incoming = best
            out = chosen[position]
            leaving, arriving = items[out], items[incoming]
            chosen[position] = incoming
            taken.discard(out)
            taken.add(incoming)
            if spec.enemy_rule:
                groups.discard(leaving.enemy_group)
                if arriving.enemy_group:
                    groups.add(arriving.enemy_group)
            per_competency[leaving.competency_id] -= 1
            per_competency[arriving.competency_id] = per_competency.get(arriving.competency_id, 0) + 1
            total += arriving.difficulty - leaving.difficulty
            swaps += 1

    # --- many forms ------------------------------------------------------------------------------

    def run(self, *, seed: int, usage: dict[int, int] | None = None) -> Iterator[AssembledForm]:
        """Forms from one random stream, each counting toward the next one's exposure.

        `usage` (forms per item id) is read at the start and kept up to date as forms are drawn.
        """
        rng = random.Random(seed)
        usage = {} if usage is None else usage
        counts = [usage.get(item.item_id, 0) for item in self.items]
        while True:
            form, chosen = self._draw(rng, counts)
            for i in chosen:
                counts[i] += 1
                item_id = self.items[i].item_id
                usage[item_id] = usage.get(item_id, 0) + 1
            yield form

    def forms(self, *, seed: int, count: int, usage: dict[int, int] | None = None) -> list[AssembledForm]:
        """`count` forms of one run (see `run`); the first is `assemble` with the same seed and usage."""
        return list(itertools.islice(self.run(seed=seed, usage=usage), count))


def assemble_form(pool: ItemPool, spec: BlueprintSpec, *, seed: int, usage: Mapping[int, int] | None = None):
    """One form; the first form of `Assembler.forms(seed=...)` with the same usage is the same form."""
    return Assembler(pool, spec).assemble(random.Random(seed), usage)


def form_violations(pool: ItemPool, spec: BlueprintSpec, version_ids: Sequence[int]) -> list[str]:
    """Every way a given list of item versions misses the blueprint (for fixed forms written by hand)."""
    by_version = {item.version_id: item for item in pool.items}
    problems = []
    missing = [v for v in version_ids if v not in by_version]
    if missing:
        problems.append(_("Not approved items of this standard: versions %(ids)s.") % {"ids": missing})
    if len(set(version_ids)) != len(version_ids):
        problems.append(_("An item appears twice."))
    items = [by_version[v] for v in version_ids if v in by_version]
    if spec.level_id is not None:
        wrong = [i.item_id for i in items if i.level_id != spec.level_id]
        if wrong:
            problems.append(_("Items of another level: %(ids)s.") % {"ids": wrong})
    if len(version_ids) != spec.item_count:
        problems.append(
            _("The form has %(n)s items, the program %(needed)s.") % {"n": len(version_ids), "needed": spec.item_count}
        )
    for domain, needed in domain_counts(spec.domains, spec.item_count).items():
        have = sum(1 for i in items if i.domain_id == domain)
        if have != needed:
            problems.append(
                _("Domain %(cell)s has %(have)s items, the blueprint %(needed)s.")
                % {"cell": pool.domain_label(domain), "have": have, "needed": needed}
            )
    for competency, needed in spec.minimums:
        have = sum(1 for i in items if i.competency_id == competency)
        if have < needed:
            problems.append(
                _("Competency %(cell)s has %(have)s items, at least %(needed)s required.")
                % {"cell": pool.competencies[competency][0], "have": have, "needed": needed}
            )
    if spec.enemy_rule:
        seen: dict[str, int] = {}
        for item in items:
            if item.enemy_group and item.enemy_group in seen:
                problems.append(
                    _("Items %(a)s and %(b)s are enemies (%(group)s).")
                    % {"a": seen[item.enemy_group], "b": item.item_id, "group": item.enemy_group}
                )
            seen.setdefault(item.enemy_group, item.item_id)
    if items:
        mean = Fraction(sum(i.difficulty for i in items), len(items))
        if abs(mean - spec.difficulty_target) > spec.difficulty_tolerance:
            problems.append(
                _("The mean difficulty %(mean).2f is outside %(target).2f ± %(tolerance).2f.")
                % {
                    "mean": float(mean),
                    "target": float(spec.difficulty_target),
                    "tolerance": float(spec.difficulty_tolerance),
                }
            )
    return problems
