"""Writes and reads for certification programs, blueprints and fixed forms.

Every write is atomic and leaves a ProgramEvent with the before and after. A blueprint is
checked against the approved bank when it is saved: one the bank cannot fill is refused with a
message naming the cell and the shortfall. Reads for the pages (feasibility, coverage) are here
too, so the pages and the services agree on what "enough items" means.
"""

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exams.assembly import (
    AssembledForm,
    Assembler,
    AssemblyError,
    BlueprintSpec,
    FormSlot,
    ItemPool,
    cached_pool,
    domain_counts,
    form_violations,
    option_order,
)
from exams.models.bank import ItemType, ItemVersion
from exams.models.programs import (
    Blueprint,
    BlueprintCompetency,
    BlueprintDomain,
    CertificationProgram,
    DeliveryMode,
    ExamForm,
    FixedForm,
    FixedFormItem,
    FixedFormStatus,
    FormItem,
    ProgramEvent,
    ProgramStatus,
)
from exams.sanitize import clean_stem, plain_text
from standards.models import Competency, Domain, Standard

PROGRAM_FIELDS = [
    "code",
    "name",
    "standard",
    "level",
    "item_count",
    "duration_minutes",
    "cut_score_percent",
    "scale_min",
    "scale_max",
    "scale_cut",
    "validity_months",
    "recertification_window_days",
    "retake_wait_days",
    "retake_max_per_year",
    "eligibility",
    "prerequisite",
    "delivery_mode",
]
# A blueprint's weights are percentages written to two places; three thirds may add up to 99.99.
WEIGHT_SUM_SLACK = Decimal("0.05")


def _event(program: CertificationProgram, kind: str, by: User, *, before=None, after=None, comment="") -> ProgramEvent:
    return ProgramEvent.objects.create(
        program=program,
        kind=kind,
        while_published=program.is_published,
        actor=by,
        before=before or {},
        after=after or {},
        comment=comment,
    )


def _program_snapshot(program: CertificationProgram) -> dict:
    snapshot = {}
    for name in PROGRAM_FIELDS + ["status"]:
        value = getattr(program, name)
        if hasattr(value, "pk"):
            value = getattr(value, "code", None) or getattr(value, "number", None) or value.pk
        snapshot[name] = value if isinstance(value, int | bool | type(None)) else str(value)
    return snapshot


def _lock(program: CertificationProgram) -> None:
    """Takes the program's row lock and reloads the caller's instance, so it sees the stored state."""
    CertificationProgram.objects.select_for_update().filter(pk=program.pk).values_list("pk").get()
    program.refresh_from_db()


# --- programs --------------------------------------------------------------------------------


def _check_program(program: CertificationProgram) -> None:
    """Field-named messages for the rules the table constraints also enforce, then Django's own checks."""
    errors: dict[str, list[str]] = {}
    try:
        cut = Decimal(str(program.cut_score_percent))
    except (InvalidOperation, ValueError):
        cut = None
    if cut is None or not Decimal(0) < cut < Decimal(100):
        errors["cut_score_percent"] = [_("The cut score is a percent above 0 and below 100.")]
    if program.level_id and program.level.standard_id != program.standard_id:
        errors["level"] = [_("The level belongs to another standard than the program.")]
    if program.prerequisite_id and program.prerequisite_id == program.pk:
        errors["prerequisite"] = [_("A program cannot be its own prerequisite.")]
    if not program.scale_min < program.scale_cut < program.scale_max:
        errors["scale_cut"] = [_("The passing scaled score must lie between the lowest and the highest.")]
    if program.item_count is not None and program.item_count < 1:
        errors["item_count"] = [_("A program has at least one item.")]
    if errors:
        raise ValidationError(errors)
    program.full_clean(exclude=["created_by", "updated_by"])


@transaction.atomic
def program_create(*, by: User, **fields) -> CertificationProgram:
    """A new program in draft; it gets its blueprint with blueprint_save and opens with program_publish."""
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown program fields: {sorted(unknown)}")
    program = CertificationProgram(**fields, created_by=by, updated_by=by)
    _check_program(program)
    program.save()
    _event(program, ProgramEvent.Kind.CREATED, by, after=_program_snapshot(program))
    return program


@transaction.atomic
def program_update(*, program: CertificationProgram, by: User, comment: str = "", **changes) -> CertificationProgram:
    """Changes the given fields; if the form's shape changed, the blueprint must still be fillable."""
    unknown = set(changes) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown program fields: {sorted(unknown)}")
    _lock(program)
    before = _program_snapshot(program)
    for name, value in changes.items():
        setattr(program, name, value)
    try:
        _check_program(program)
        after = _program_snapshot(program)
        if before == after:
            return program
        has_blueprint = Blueprint.objects.filter(program=program).exists()
        if has_blueprint and before["standard"] != after["standard"]:
            raise ValidationError({"standard": _("The blueprint is written for the current standard; keep it.")})
        if has_blueprint and (before["item_count"] != after["item_count"] or before["level"] != after["level"]):
            _raise_shortfalls(spec_feasibility(BlueprintSpec.of(program.blueprint), _pool_for(program.standard_id)))
    except ValidationError:
        program.refresh_from_db()  # the caller's instance goes back to what is stored
        raise
    program.updated_by, program.updated_at = by, timezone.now()
    program.save()
    _event(program, ProgramEvent.Kind.UPDATED, by, before=before, after=after, comment=comment)
    return program


@transaction.atomic
def program_publish(*, program: CertificationProgram, by: User, comment: str = "") -> CertificationProgram:
    """Opens a program for booking; it needs a blueprint the bank can fill (and, for fixed forms, a form)."""
    _lock(program)
    if program.is_published:
        return program
    if not Blueprint.objects.filter(program=program).exists():
        raise ValidationError(_("Give the program a blueprint before publishing it."))
    _raise_shortfalls(blueprint_feasibility(program.blueprint))
    if (
        program.delivery_mode == DeliveryMode.FIXED
        and not program.fixed_forms.filter(status=FixedFormStatus.PUBLISHED).exists()
    ):
        raise ValidationError(_("A fixed-form program needs a published form before it opens."))
    before = _program_snapshot(program)
    program.status = ProgramStatus.PUBLISHED
    program.updated_by, program.updated_at = by, timezone.now()
    program.save(update_fields=["status", "updated_by", "updated_at"])
    _event(program, ProgramEvent.Kind.PUBLISHED, by, before=before, after=_program_snapshot(program), comment=comment)
    return program


# --- feasibility -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeasibilityCell:
    """One thing a blueprint asks of the bank. Enemy groups count once when the blueprint keeps them apart."""

    kind: str  # "domain" or "competency"
    label: str
    needed: int
    available: int
    object_id: int = 0
    domain_id: int = 0  # the domain itself, or the competency's domain

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.available)

    @property
    def ok(self) -> bool:
        return self.shortfall == 0

    @property
    def message(self) -> str:
        return _("%(cell)s: needs %(needed)s approved items, the bank has %(available)s — %(short)s short") % {
            "cell": self.label,
            "needed": self.needed,
            "available": self.available,
            "short": self.shortfall,
        }


def _pool_for(standard_id: int) -> ItemPool:
    return ItemPool.load(standard_id=standard_id)


def _domain_label(code: str, name: str) -> str:
    return f"{name} ({code})" if code != name else name


def spec_feasibility(
    spec: BlueprintSpec, pool: ItemPool, titles: dict[int, str] | None = None
) -> list[FeasibilityCell]:
    """Needed against available for every domain count and competency minimum of a blueprint.

    `titles` (competency id → title) saves a query per call when the caller checks many blueprints.
    """
    items = [i for i in pool.items if spec.level_id is None or i.level_id == spec.level_id]

    def usable(selected) -> int:
        if not spec.enemy_rule:
            return len(selected)
        return sum(1 for i in selected if not i.enemy_group) + len({i.enemy_group for i in selected if i.enemy_group})

    cells = []
    for domain, needed in domain_counts(spec.domains, spec.item_count).items():
        code, name, _order = pool.domains[domain]
        have = usable([i for i in items if i.domain_id == domain])
        cells.append(FeasibilityCell("domain", _domain_label(code, name), needed, have, domain, domain))
    if titles is None:
        titles = dict(Competency.objects.filter(pk__in=[c for c, _n in spec.minimums]).values_list("pk", "title"))
    for competency, needed in spec.minimums:
        code = pool.competencies[competency][0]
        have = usable([i for i in items if i.competency_id == competency])
        label = f"{titles.get(competency, code)} ({code})"
        cells.append(FeasibilityCell("competency", label, needed, have, competency, pool.competencies[competency][1]))
    return cells


def cells_by_domain(cells: Sequence[FeasibilityCell]) -> list[tuple[FeasibilityCell, list[FeasibilityCell]]]:
    """Each domain's cell with its competencies' cells, in the blueprint's order, for the pages' tables."""
    return [
        (domain, [c for c in cells if c.kind == "competency" and c.domain_id == domain.object_id])
        for domain in cells
        if domain.kind == "domain"
    ]


def blueprint_feasibility(blueprint: Blueprint) -> list[FeasibilityCell]:
    return spec_feasibility(BlueprintSpec.of(blueprint), _pool_for(blueprint.program.standard_id))


def _raise_shortfalls(cells: Sequence[FeasibilityCell]) -> None:
    short = [cell.message for cell in cells if not cell.ok]
    if short:
        raise ValidationError(short)


# --- blueprints ------------------------------------------------------------------------------


@dataclass
class BlueprintInput:
    """A blueprint as the editor submits it: weights by domain, minimums by competency."""

    domains: list[tuple[Domain, Decimal]]
    minimums: dict[Competency, int] = field(default_factory=dict)
    difficulty_target: Decimal = Decimal("3.00")
    difficulty_tolerance: Decimal = Decimal("0.50")
    enemy_rule: bool = True


def _decimal(value, name: str, errors: dict) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(name, []).append(_("Enter a number."))
        return None


def _check_blueprint(program: CertificationProgram, data: BlueprintInput) -> BlueprintSpec:
    """The blueprint's own consistency; returns it as a spec for the bank check."""
    errors: dict[str, list[str]] = {}
    add = lambda name, message: errors.setdefault(name, []).append(message)  # noqa: E731
    weights = [(domain, _decimal(weight, "domains", errors)) for domain, weight in data.domains]
    if not weights:
        add("domains", _("Give at least one domain a weight."))
    seen = set()
    for domain, weight in weights:
        if domain.standard_id != program.standard_id:
            add(
                "domains",
                _("%(domain)s is not a domain of %(standard)s.")
                % {"domain": domain.name, "standard": program.standard.code},
            )
        if domain.pk in seen:
            add("domains", _("%(domain)s is listed twice.") % {"domain": domain.name})
        seen.add(domain.pk)
        if weight is not None and not Decimal(0) < weight <= Decimal(100):
            add("domains", _("The weight of %(domain)s must be above 0 and at most 100.") % {"domain": domain.name})
    if weights and not errors:
        total = sum(w for _d, w in weights)
        if abs(total - Decimal(100)) > WEIGHT_SUM_SLACK:
            add("domains", _("The weights add up to %(total)s %%, not 100 %%.") % {"total": total})
    target = _decimal(data.difficulty_target, "difficulty_target", errors)
    if target is not None and not Decimal(1) <= target <= Decimal(5):
        add("difficulty_target", _("The target difficulty is between 1 and 5."))
    tolerance = _decimal(data.difficulty_tolerance, "difficulty_tolerance", errors)
    if tolerance is not None and not Decimal(0) <= tolerance <= Decimal(4):
        add("difficulty_tolerance", _("The tolerance is between 0 and 4."))
    for competency, minimum in data.minimums.items():
        if minimum is None or int(minimum) < 0:
            add("minimums", _("The minimum for %(c)s cannot be negative.") % {"c": competency.code})
        elif competency.domain_id not in seen and int(minimum) > 0:
            add("minimums", _("%(c)s has a minimum but its domain has no weight.") % {"c": competency.code})
    if errors:
        raise ValidationError(errors)
    domain_order = {domain.pk: domain.order for domain, _weight in weights}
    spec = BlueprintSpec(
        program=program.code,
        item_count=program.item_count,
        domains=tuple((d.pk, w) for d, w in sorted(weights, key=lambda pair: pair[0].order)),
        minimums=tuple(
            (c.pk, int(n))
            for c, n in sorted(data.minimums.items(), key=lambda p: (domain_order.get(p[0].domain_id, 0), p[0].order))
            if int(n)
        ),
        level_id=program.level_id,
        difficulty_target=target,
        difficulty_tolerance=tolerance,
        enemy_rule=data.enemy_rule,
    )
    counts = domain_counts(spec.domains, spec.item_count)
    for domain, _weight in weights:
        floor = sum(int(n) for c, n in data.minimums.items() if c.domain_id == domain.pk)
        if floor > counts[domain.pk]:
            add(
                "minimums",
                _("The minimums in %(domain)s add up to %(floor)s, more than its %(count)s items.")
                % {"domain": domain.name, "floor": floor, "count": counts[domain.pk]},
            )
    if errors:
        raise ValidationError(errors)
    return spec


def blueprint_snapshot(blueprint: Blueprint | None) -> dict:
    if blueprint is None:
        return {}
    return {
        "domains": {row.domain.code: str(row.weight) for row in blueprint.domains.select_related("domain")},
        "minimums": {row.competency.code: row.min_items for row in blueprint.competencies.select_related("competency")},
        "difficulty_target": str(blueprint.difficulty_target),
        "difficulty_tolerance": str(blueprint.difficulty_tolerance),
        "enemy_rule": blueprint.enemy_rule,
    }


def blueprint_check(*, program: CertificationProgram, data: BlueprintInput) -> list[FeasibilityCell]:
    """The feasibility of a blueprint that is not saved yet (the editor shows it live)."""
    return spec_feasibility(_check_blueprint(program, data), _pool_for(program.standard_id))


@transaction.atomic
def blueprint_save(*, program: CertificationProgram, data: BlueprintInput, by: User, comment: str = "") -> Blueprint:
    """Creates or replaces the program's blueprint; refused, changing nothing, if the bank cannot fill it."""
    program = CertificationProgram.objects.select_for_update().get(pk=program.pk)
    spec = _check_blueprint(program, data)
    _raise_shortfalls(spec_feasibility(spec, _pool_for(program.standard_id)))
    blueprint = Blueprint.objects.filter(program=program).first()
    before = blueprint_snapshot(blueprint)
    if blueprint is None:
        blueprint = Blueprint(program=program)
    blueprint.difficulty_target = spec.difficulty_target
    blueprint.difficulty_tolerance = spec.difficulty_tolerance
    blueprint.enemy_rule = spec.enemy_rule
    blueprint.updated_at = timezone.now()
    blueprint.save()
    blueprint.domains.all().delete()
    blueprint.competencies.all().delete()
    BlueprintDomain.objects.bulk_create(
        BlueprintDomain(blueprint=blueprint, domain=d, weight=w) for d, w in data.domains
    )
    BlueprintCompetency.objects.bulk_create(
        BlueprintCompetency(blueprint=blueprint, competency=c, min_items=int(n))
        for c, n in data.minimums.items()
        if int(n)
    )
    after = blueprint_snapshot(blueprint)
    if before != after:
        _event(program, ProgramEvent.Kind.BLUEPRINT, by, before=before, after=after, comment=comment)
    return blueprint


# --- coverage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageNeed:
    program: str
    needed: int
    available: int

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.available)


@dataclass
class CoverageRow:
    competency: Competency
    approved: int  # approved items of the competency, all levels
    needs: list[CoverageNeed]
    # One entry per program of the standard, in CoverageStandard.programs order; None where it needs nothing.
    columns: list[CoverageNeed | None] = field(default_factory=list)

    @property
    def has_gap(self) -> bool:
        return any(need.shortfall for need in self.needs)


@dataclass
class CoverageDomain:
    domain: Domain
    approved: int
    needs: list[CoverageNeed]
    rows: list[CoverageRow]
    columns: list[CoverageNeed | None] = field(default_factory=list)

    @property
    def has_gap(self) -> bool:
        return any(need.shortfall for need in self.needs) or any(row.has_gap for row in self.rows)


@dataclass
class CoverageStandard:
    standard: Standard
    programs: list[CertificationProgram]
    domains: list[CoverageDomain]

    @property
    def gaps(self) -> list[tuple[str, CoverageNeed]]:
        """Every domain or competency a blueprint needs more approved items of, with its name."""
        found = []
        for domain in self.domains:
            found += [(_domain_label(domain.domain.code, domain.domain.name), n) for n in domain.needs if n.shortfall]
            for row in domain.rows:
                label = f"{row.competency.title} ({row.competency.code})"
                found += [(label, n) for n in row.needs if n.shortfall]
        return found


def _coverage_columns(
    programs: list[CertificationProgram], cells: dict[str, dict], kind: str, pk: int
) -> list[CoverageNeed | None]:
    found = [(p.code, cells[p.code].get((kind, pk))) for p in programs]
    return [CoverageNeed(code, cell.needed, cell.available) if cell else None for code, cell in found]


def coverage() -> list[CoverageStandard]:
    """Approved items per domain and competency against what each program's blueprint needs.

    One pool load per standard with a program; needs count an enemy group once, like feasibility.
    """
    programs = list(
        CertificationProgram.objects.filter(blueprint__isnull=False)
        .select_related("standard", "level", "blueprint")
        .prefetch_related("blueprint__domains", "blueprint__competencies")
    )
    result = []
    for standard in Standard.objects.filter(pk__in={p.standard_id for p in programs}).prefetch_related(
        "domains__competencies"
    ):
        own = [p for p in programs if p.standard_id == standard.pk]
        pool = _pool_for(standard.pk)
        titles = {c.pk: c.title for d in standard.domains.all() for c in d.competencies.all()}
        cells = {
            p.code: {(c.kind, c.object_id): c for c in spec_feasibility(BlueprintSpec.of(p.blueprint), pool, titles)}
            for p in own
        }
        approved_by_competency: dict[int, int] = {}
        for item in pool.items:
            approved_by_competency[item.competency_id] = approved_by_competency.get(item.competency_id, 0) + 1
        domains = []
        for domain in standard.domains.all():
            rows = []
            for competency in domain.competencies.all():
                row_columns = _coverage_columns(own, cells, "competency", competency.pk)
                needs = [need for need in row_columns if need]
                rows.append(CoverageRow(competency, approved_by_competency.get(competency.pk, 0), needs, row_columns))
            domain_columns = _coverage_columns(own, cells, "domain", domain.pk)
            needs = [need for need in domain_columns if need]
            domains.append(CoverageDomain(domain, sum(r.approved for r in rows), needs, rows, domain_columns))
        result.append(CoverageStandard(standard, own, domains))
    return result


# --- fixed forms and drawing a form for a program -------------------------------------------


def program_spec(program: CertificationProgram) -> BlueprintSpec:
    try:
        blueprint = (
            Blueprint.objects.select_related("program").prefetch_related("domains", "competencies").get(program=program)
        )
    except Blueprint.DoesNotExist:
        raise AssemblyError(
            _("%(program)s has no blueprint yet.") % {"program": program.code}, constraint="blueprint"
        ) from None
    return BlueprintSpec.of(blueprint)


@transaction.atomic
def fixed_form_publish(
    *,
    program: CertificationProgram,
    label: str,
    by: User,
    seed: int | None = None,
    version_ids: Sequence[int] | None = None,
    comment: str = "",
) -> FixedForm:
    """Publishes form `label` (A, B …): the given item versions in order, or a form drawn from `seed`.

    A hand-picked form must meet the blueprint like a drawn one. The form it replaces is retired,
    not deleted: attempts that used it keep pointing at it.
    """
    label = label.strip().upper()
    if not label:
        raise ValidationError({"label": _("Give the form a label, e.g. A.")})
    program = CertificationProgram.objects.select_for_update().get(pk=program.pk)
    spec = program_spec(program)
    pool = _pool_for(program.standard_id)
    seed = secrets.randbelow(2**31) if seed is None else seed
    rng = random.Random(seed)
    if version_ids is None:
        try:
            slots = Assembler(pool, spec).assemble(rng).slots
        except AssemblyError as error:
            raise ValidationError(error.message) from error
    else:
        problems = form_violations(pool, spec, list(version_ids))
        if problems:
            raise ValidationError(problems)
        by_version = {item.version_id: item for item in pool.items}
        slots = tuple(
            FormSlot(
                item.item_id,
                item.version_id,
                item.domain_id,
                item.competency_id,
                option_order(item.type, item.n_options, rng),
            )
            for item in (by_version[v] for v in version_ids)
        )
    replaced = list(
        FixedForm.objects.filter(program=program, label=label, status=FixedFormStatus.PUBLISHED).values_list(
            "pk", flat=True
        )
    )
    FixedForm.objects.filter(pk__in=replaced).update(status=FixedFormStatus.RETIRED)
    form = FixedForm.objects.create(program=program, label=label, seed=seed, published_by=by)
    FixedFormItem.objects.bulk_create(
        FixedFormItem(form=form, position=n, item_version_id=slot.version_id, option_order=list(slot.option_order))
        for n, slot in enumerate(slots, start=1)
    )
    _event(
        program,
        ProgramEvent.Kind.FIXED_FORM,
        by,
        before={"replaced": replaced},
        after={"form": form.pk, "label": label, "versions": [s.version_id for s in slots]},
        comment=comment,
    )
    return form


def _fixed_form_slots(form: FixedForm) -> AssembledForm:
    rows = form.items.select_related("item_version__item__competency")
    return AssembledForm(
        slots=tuple(
            FormSlot(
                row.item_version.item_id,
                row.item_version_id,
                row.item_version.item.competency.domain_id,
                row.item_version.item.competency_id,
                tuple(row.option_order),
            )
            for row in rows
        ),
        fixed_form_id=form.pk,
    )


def published_fixed_forms(program: CertificationProgram) -> list[FixedForm]:
    return list(program.fixed_forms.filter(status=FixedFormStatus.PUBLISHED).order_by("label"))


def _fixed_forms(program: CertificationProgram, seed: int, count: int) -> list[AssembledForm]:
    fixed = published_fixed_forms(program)
    if not fixed:
        raise AssemblyError(
            _("%(program)s is delivered as fixed forms and none is published.") % {"program": program.code},
            constraint="fixed_form",
        )
    return [_fixed_form_slots(fixed[(seed + n) % len(fixed)]) for n in range(count)]


def program_forms(
    *, program: CertificationProgram, seed: int, count: int = 1, usage: dict[int, int] | None = None
) -> tuple[list[AssembledForm], ItemPool]:
    """`count` forms for a program: drawn with exposure control, or its published fixed forms in turn."""
    pool = cached_pool(program.standard_id)
    if program.delivery_mode == DeliveryMode.FIXED:
        # A fixed form may name versions retired since; the names still come from the standard.
        return _fixed_forms(program, seed, count), pool
    spec = program_spec(program)
    return pool.assembler(spec).forms(seed=seed, count=count, usage=usage), pool


# Exposure is counted over the program's most recent forms, not its whole history: reading every
# form ever frozen made each attempt's start slower as forms accumulated (2,000 forms doubled it),
# and what exposure control has to balance is current exposure anyway. Over 1,000 simulated forms
# of the demo programs a window of 50 to 200 forms spreads items as evenly as the full history
# (CSS: most used item 1.02 × the mean, least used 0.98 ×), so 100 keeps the read at about 100 ×
# item_count rows, served by the (program, -id) index on ExamForm whatever the number of forms.
EXPOSURE_WINDOW_FORMS = 100


def exposure_counts(program: CertificationProgram, pool: ItemPool | None = None) -> dict[int, int]:
    """How many of the program's last EXPOSURE_WINDOW_FORMS frozen forms each item has appeared on
    (any version of it).

    Grouped by version without a join; versions the pool does not know (superseded ones) are
    mapped to their items with one more query.
    """
    recent = ExamForm.objects.filter(program=program).order_by("-pk").values("pk")[:EXPOSURE_WINDOW_FORMS]
    by_version = dict(
        FormItem.objects.filter(form__in=recent)
        .order_by()
        .values("item_version_id")
        .annotate(n=Count("pk"))
        .values_list("item_version_id", "n")
    )
    item_of = {item.version_id: item.item_id for item in pool.items} if pool is not None else {}
    unknown = [v for v in by_version if v not in item_of]
    if unknown:
        item_of.update(ItemVersion.objects.filter(pk__in=unknown).values_list("pk", "item_id"))
    counts: dict[int, int] = {}
    for version, n in by_version.items():
        counts[item_of[version]] = counts.get(item_of[version], 0) + n
    return counts


@transaction.atomic
def form_freeze(*, program: CertificationProgram, seed: int | None = None) -> ExamForm:
    """Draws and stores the form an attempt will be taken on: item versions, domains, option orders.

    The form points at versions, never at items, so editing the bank later (which makes new
    versions) leaves it as the candidate saw it. Two forms frozen at the same moment read the same
    exposure counts; the seed's jitter keeps them apart, and the counts catch up on the next form.
    """
    # Every attempt's start comes through here, hundreds in the same second on an exam morning:
    # the blueprint and the bank stamp are read once each, and nothing read grows with the forms.
    seed = secrets.randbelow(2**31) if seed is None else seed
    if program.delivery_mode == DeliveryMode.FIXED:
        drawn = _fixed_forms(program, seed, 1)[0]
        spec = program_spec(program)
    else:
        spec = program_spec(program)
        pool = cached_pool(program.standard_id)
        usage = exposure_counts(program, pool)
        drawn = pool.assembler(spec).forms(seed=seed, count=1, usage=usage)[0]
    exam_form = ExamForm.objects.create(
        program=program,
        seed=seed,
        fixed_form_id=drawn.fixed_form_id,
        blueprint_snapshot=spec.snapshot(),
    )
    FormItem.objects.bulk_create(
        FormItem(
            form=exam_form,
            position=n,
            item_version_id=slot.version_id,
            domain_id=slot.domain_id,
            competency_id=slot.competency_id,
            option_order=list(slot.option_order),
        )
        for n, slot in enumerate(drawn.slots, start=1)
    )
    return exam_form


# --- reads for the program pages -------------------------------------------------------------


@dataclass
class ProgramOverview:
    """A program with what its blueprint asks of the bank; `cells` is None while it has no blueprint."""

    program: CertificationProgram
    cells: list[FeasibilityCell] | None

    @property
    def has_blueprint(self) -> bool:
        return self.cells is not None

    @property
    def shortfalls(self) -> list[FeasibilityCell]:
        return [cell for cell in self.cells or [] if not cell.ok]


def blueprint_of(program: CertificationProgram) -> Blueprint | None:
    try:
        return program.blueprint
    except Blueprint.DoesNotExist:
        return None


def programs_overview() -> list[ProgramOverview]:
    """Every program with its feasibility: one pool load per standard, however many programs share it."""
    programs = list(
        CertificationProgram.objects.select_related("standard", "level", "blueprint").prefetch_related(
            "blueprint__domains", "blueprint__competencies"
        )
    )
    standards = {p.standard_id for p in programs if blueprint_of(p) is not None}
    pools = {standard: _pool_for(standard) for standard in sorted(standards)}
    titles = dict(Competency.objects.filter(domain__standard__in=standards).values_list("pk", "title"))
    overview = []
    for program in programs:
        blueprint = blueprint_of(program)
        cells = None
        if blueprint is not None:
            cells = spec_feasibility(BlueprintSpec.of(blueprint), pools[program.standard_id], titles)
        overview.append(ProgramOverview(program, cells))
    return overview


def blueprint_input_for(program: CertificationProgram) -> BlueprintInput:
    """The saved blueprint as the editor shows it; without one, the standard's own domain weights."""
    blueprint = (
        Blueprint.objects.filter(program=program)
        .prefetch_related("domains__domain", "competencies__competency")
        .first()
    )
    if blueprint is None:
        return BlueprintInput(domains=[(domain, domain.weight) for domain in program.standard.domains.all()])
    return BlueprintInput(
        domains=[(row.domain, row.weight) for row in blueprint.domains.all()],
        minimums={row.competency: row.min_items for row in blueprint.competencies.all()},
        difficulty_target=blueprint.difficulty_target,
        difficulty_tolerance=blueprint.difficulty_tolerance,
        enemy_rule=blueprint.enemy_rule,
    )


@dataclass(frozen=True)
class PreviewOption:
    text: str
    correct: bool
    key_position: int | None = None  # ordering items: the place this option has in the key


@dataclass(frozen=True)
class PreviewItem:
    position: int  # on the form, as the candidate would see it
    item_id: int
    ref: str
    type_label: str
    competency: str
    difficulty: int
    enemy_group: str
    stem: str  # sanitised HTML
    options: tuple[PreviewOption, ...]


@dataclass
class PreviewDomain:
    label: str
    target: int
    items: list[PreviewItem]

    @property
    def drawn(self) -> int:
        return len(self.items)

    @property
    def ok(self) -> bool:
        return self.drawn == self.target


@dataclass(frozen=True)
class PreviewMinimum:
    label: str
    minimum: int
    drawn: int

    @property
    def ok(self) -> bool:
        return self.drawn >= self.minimum


@dataclass
class FormPreview:
    """A form drawn from the saved blueprint and thrown away; the seed draws the same form again."""

    program: CertificationProgram
    seed: int
    domains: list[PreviewDomain] = field(default_factory=list)
    minimums: list[PreviewMinimum] = field(default_factory=list)
    mean_difficulty: float | None = None
    difficulty_target: Decimal | None = None
    difficulty_tolerance: Decimal | None = None
    difficulty_ok: bool = False
    error: str = ""

    @property
    def item_count(self) -> int:
        return sum(domain.drawn for domain in self.domains)


def form_preview(*, program: CertificationProgram, seed: int | None = None) -> FormPreview:
    """Draws one form as form_freeze would with `seed` (exposure left out) without storing anything."""
    seed = secrets.randbelow(2**31) if seed is None else seed
    preview = FormPreview(program=program, seed=seed)
    try:
        spec = program_spec(program)
        pool = _pool_for(program.standard_id)
        drawn = Assembler(pool, spec).assemble(random.Random(seed))
    except AssemblyError as error:
        preview.error = error.message
        return preview
    versions = {
        version.pk: version
        for version in ItemVersion.objects.filter(pk__in=[slot.version_id for slot in drawn.slots])
        .select_related("item__competency")
        .prefetch_related("options")
    }
    difficulty = {item.version_id: item.difficulty for item in pool.items}
    domains = {
        domain: PreviewDomain(pool.domain_label(domain), target, [])
        for domain, target in domain_counts(spec.domains, spec.item_count).items()
    }
    per_competency: dict[int, int] = {}
    for position, slot in enumerate(drawn.slots, start=1):
        version = versions[slot.version_id]
        item = version.item
        by_position = {option.position: option for option in version.options.all()}
        ordering = version.type == ItemType.ORDERING
        options = tuple(
            PreviewOption(
                plain_text(by_position[p].text),
                correct=by_position[p].is_correct and not ordering,
                key_position=p if ordering else None,
            )
            for p in slot.option_order
        )
        domains[slot.domain_id].items.append(
            PreviewItem(
                position=position,
                item_id=item.pk,
                ref=item.ref,
                type_label=str(ItemType(version.type).label),
                competency=f"{item.competency.title} ({item.competency.code})",
                difficulty=difficulty[slot.version_id],
                enemy_group=item.enemy_group,
                stem=clean_stem(version.stem),
                options=options,
            )
        )
        per_competency[slot.competency_id] = per_competency.get(slot.competency_id, 0) + 1
    for section in domains.values():
        section.items.sort(key=lambda entry: entry.position)
    titles = dict(Competency.objects.filter(pk__in=[c for c, _n in spec.minimums]).values_list("pk", "title"))
    preview.domains = list(domains.values())
    preview.minimums = [
        PreviewMinimum(
            f"{titles.get(competency, '')} ({pool.competencies[competency][0]})",
            minimum,
            per_competency.get(competency, 0),
        )
        for competency, minimum in spec.minimums
    ]
    # Exact, as the assembler compares it: a mean shown as 2.60 may sit just outside 2.90 ± 0.30.
    mean = Fraction(sum(difficulty[slot.version_id] for slot in drawn.slots), len(drawn.slots))
    preview.mean_difficulty = float(mean)
    preview.difficulty_target = program.blueprint.difficulty_target
    preview.difficulty_tolerance = program.blueprint.difficulty_tolerance
    preview.difficulty_ok = abs(mean - spec.difficulty_target) <= spec.difficulty_tolerance
    return preview
