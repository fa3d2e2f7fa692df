"""Scoring: a pure function of a frozen form and the candidate's responses.

Nothing here reads the database except `scoring_items_for_form`, which turns a frozen ExamForm
into the plain ScoringItems that `score_form` takes. Scores are exact fractions, so domain
sub-scores always add up to the total; rounding happens only when a score is shown or stored.

Rules per item type (a response is the list of option positions the candidate chose, in the
written numbering; for ordering, the positions in the order the candidate put them):
- single, truefalse: 1 if the one keyed option is chosen and nothing else, else 0;
- multiple, all or nothing: 1 only if exactly the keyed options are chosen;
- multiple, partial credit: (keyed chosen − others chosen) / number keyed, never below 0;
- ordering: 1 only if every step is in its keyed place; no credit for a partly right order,
  because a procedure done in a partly right order is still done wrong.
A dropped item counts for no one: it adds nothing to the raw score and nothing to the maximum.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from exams.models.bank import ItemOption, ItemType, Scoring, key_from_options
from exams.models.programs import ScoreAdjustment


@dataclass(frozen=True)
class ScoringItem:
    position: int
    version_id: int
    type: str
    scoring: str
    key: tuple[int, ...]  # keyed positions; for ordering, the positions in the keyed order
    domain: str
    competency: str = ""
    domain_order: int = 0
    dropped: bool = False


@dataclass(frozen=True)
class ScoreScale:
    """Piecewise-linear: 0 % → minimum, the cut → cut point, 100 % → maximum (floored to an integer).

    Flooring keeps every failing percent strictly below the cut point, so the scaled score never
    says "pass" for a fail.
    """

    cut_percent: Fraction
    minimum: int = 100
    maximum: int = 1000
    cut_point: int = 700

    def __post_init__(self) -> None:
        if not 0 < self.cut_percent < 100:
            raise ValueError("The cut score must lie strictly between 0 and 100 percent.")
        if not self.minimum < self.cut_point < self.maximum:
            raise ValueError("The scaled scores must rise: minimum < cut point < maximum.")

    def scaled(self, percent: Fraction | int) -> int:
        percent = min(max(Fraction(percent), Fraction(0)), Fraction(100))
        cut = Fraction(self.cut_percent)
        if percent < cut:
            value = self.minimum + (self.cut_point - self.minimum) * percent / cut
        else:
            value = self.cut_point + (self.maximum - self.cut_point) * (percent - cut) / (100 - cut)
        return math.floor(value)


@dataclass(frozen=True)
class ItemScore:
    position: int
    version_id: int
    credit: Fraction
    maximum: int  # 1, or 0 for a dropped item


@dataclass(frozen=True)
class SubScore:
    label: str
    raw: Fraction
    maximum: int

    @property
    def percent(self) -> Fraction:
        return Fraction(100) * self.raw / self.maximum if self.maximum else Fraction(0)


@dataclass(frozen=True)
class ScoreResult:
    raw: Fraction
    maximum: int
    percent: Fraction
    passed: bool
    scaled: int
    domains: tuple[SubScore, ...]
    competencies: tuple[SubScore, ...]
    items: tuple[ItemScore, ...] = field(repr=False)

    def as_dict(self) -> dict:
        """A JSON-ready summary; exact fractions are kept as "n/d" beside the rounded figures."""

        def sub(s: SubScore) -> dict:
            return {
                "label": s.label,
                "raw": round(float(s.raw), 4),
                "raw_exact": str(s.raw),
                "max": s.maximum,
                "percent": round(float(s.percent), 2),
            }

        return {
            "raw": round(float(self.raw), 4),
            "raw_exact": str(self.raw),
            "max": self.maximum,
            "percent": round(float(self.percent), 2),
            "passed": self.passed,
            "scaled": self.scaled,
            "domains": [sub(s) for s in self.domains],
            "competencies": [sub(s) for s in self.competencies],
        }


def _positions(response: Iterable | None) -> list:
    if response is None:
        return []
    if isinstance(response, int | str):
        response = [response]
    result = []
    for value in response:
        try:
            result.append(int(value))
        except (TypeError, ValueError):
            # Something that is no option position can only be a wrong choice.
            result.append(None)
    return result


def item_credit(item: ScoringItem, response: Sequence | None) -> Fraction:
    """The credit, 0 to 1, for one item and one response (see the module docstring)."""
    chosen = _positions(response)
    key = tuple(item.key)
    if not chosen or not key:
        return Fraction(0)
    if item.type == ItemType.ORDERING:
        return Fraction(1) if tuple(chosen) == key else Fraction(0)
    selected, keyed = set(chosen), set(key)
    if item.type == ItemType.MULTIPLE and item.scoring == Scoring.PARTIAL:
        right = len(selected & keyed)
        wrong = len(selected - keyed)
        return max(Fraction(0), Fraction(right - wrong, len(keyed)))
    return Fraction(1) if selected == keyed else Fraction(0)


def score_form(
    form_items: Sequence[ScoringItem], responses: Mapping[int, Sequence | None], *, scale: ScoreScale
) -> ScoreResult:
    """Raw score, maximum, percent, pass/fail, scaled score and sub-scores for one attempt."""
    item_scores = []
    domains: dict[str, list] = {}
    competencies: dict[str, list] = {}
    order: dict[str, tuple[int, int]] = {}
    for index, item in enumerate(form_items):
        if item.dropped:
            credit, maximum = Fraction(0), 0
        else:
            credit, maximum = item_credit(item, responses.get(item.position)), 1
        item_scores.append(ItemScore(item.position, item.version_id, credit, maximum))
        order.setdefault(item.domain, (item.domain_order, index))
        for bucket, label in ((domains, item.domain), (competencies, item.competency or item.domain)):
            entry = bucket.setdefault(label, [Fraction(0), 0])
            entry[0] += credit
            entry[1] += maximum
    raw = sum((s.credit for s in item_scores), Fraction(0))
    maximum = sum(s.maximum for s in item_scores)
    percent = Fraction(100) * raw / maximum if maximum else Fraction(0)
    passed = maximum > 0 and percent >= scale.cut_percent
    return ScoreResult(
        raw=raw,
        maximum=maximum,
        percent=percent,
        passed=passed,
        scaled=scale.scaled(percent),
        domains=tuple(SubScore(label, *domains[label]) for label in sorted(domains, key=order.__getitem__)),
        competencies=tuple(SubScore(label, *values) for label, values in competencies.items()),
        items=tuple(item_scores),
    )


def apply_overrides(form_items: Sequence[ScoringItem], overrides: Mapping[int, Mapping]) -> list[ScoringItem]:
    """Overrides by version id: {"dropped": True} drops the item, {"key": [...]} scores it by a new key."""
    adjusted = []
    for item in form_items:
        override = overrides.get(item.version_id) or {}
        if override.get("dropped"):
            item = replace(item, dropped=True)
        elif "key" in override:
            item = replace(item, key=tuple(int(p) for p in override["key"]))
        adjusted.append(item)
    return adjusted


def rescore(
    form_items: Sequence[ScoringItem],
    responses: Mapping[int, Sequence | None],
    *,
    scale: ScoreScale,
    overrides: Mapping[int, Mapping],
) -> ScoreResult:
    """Scores again after reviewers dropped or rekeyed items (see exams.programs.score_overrides)."""
    return score_form(apply_overrides(form_items, overrides), responses, scale=scale)


def scoring_items_for_form(form) -> list[ScoringItem]:
    """The frozen form as ScoringItems: keys come from the frozen versions' own options.

    Read as plain rows (two queries, no model instances): every submission scores through here,
    hundreds within a minute at the end of an exam day.
    """
    rows = list(
        form.items.order_by("position").values_list(
            "position",
            "item_version_id",
            "item_version__type",
            "item_version__scoring",
            "domain__name",
            "competency__code",
            "domain__order",
        )
    )
    options: dict[int, list[tuple[int, bool]]] = {}
    for version_id, position, is_correct in (
        ItemOption.objects.filter(version_id__in=[row[1] for row in rows])
        .order_by("version_id", "position")
        .values_list("version_id", "position", "is_correct")
    ):
        options.setdefault(version_id, []).append((position, is_correct))
    return [
        ScoringItem(
            position=position,
            version_id=version_id,
            type=item_type,
            scoring=scoring,
            key=tuple(key_from_options(item_type, options.get(version_id, []))),
            domain=domain,
            competency=competency,
            domain_order=domain_order,
        )
        for position, version_id, item_type, scoring, domain, competency, domain_order in rows
    ]


# --- adjustments (reviewers drop or rekey an item after the fact) ---------------------------


def _check_key(version, key: Sequence[int]) -> list[int]:
    positions = [o.position for o in version.options.all()]
    try:
        key = [int(p) for p in key]
    except (TypeError, ValueError):
        raise ValidationError({"key": _("The key is a list of option positions.")}) from None
    if any(p not in positions for p in key) or len(set(key)) != len(key):
        raise ValidationError({"key": _("The key names options the item does not have, or one twice.")})
    if version.type == ItemType.ORDERING:
        if sorted(key) != sorted(positions):
            raise ValidationError({"key": _("An ordering key puts every step in its place.")})
    elif version.type in (ItemType.SINGLE, ItemType.TRUE_FALSE) and len(key) != 1:
        raise ValidationError({"key": _("This item type has exactly one keyed option.")})
    elif not key:
        raise ValidationError({"key": _("Key at least one option.")})
    return key


def score_adjustment_record(*, program, item_version, kind: str, by, reason: str, key: Sequence[int] = ()):
    """Records a drop, rekey or restore of one item version in a program; delivery rescoring applies it."""
    if kind not in ScoreAdjustment.Kind.values:
        raise ValidationError({"kind": _("Choose drop, rekey or restore.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, in a reason.")})
    stored_key = _check_key(item_version, key) if kind == ScoreAdjustment.Kind.REKEY else []
    return ScoreAdjustment.objects.create(
        program=program, item_version=item_version, kind=kind, key=stored_key, reason=reason.strip(), by=by
    )


def score_overrides(*, program) -> dict[int, dict]:
    """The overrides `rescore` takes: the newest adjustment per item version of the program."""
    overrides: dict[int, dict] = {}
    seen: set[int] = set()
    for version_id, kind, key in (
        ScoreAdjustment.objects.filter(program=program)
        .order_by("-at", "-id")
        .values_list("item_version_id", "kind", "key")
    ):
        if version_id in seen:
            continue
        seen.add(version_id)
        if kind == ScoreAdjustment.Kind.DROP:
            overrides[version_id] = {"dropped": True}
        elif kind == ScoreAdjustment.Kind.REKEY:
            overrides[version_id] = {"key": list(key)}
    return overrides
