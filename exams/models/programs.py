"""Certification programs, their blueprints, frozen exam forms and score adjustments.

A program is what a candidate registers for (CSS, CCSM, CSMG-3 …): how many items, how long,
the cut score, the certificate's validity and the retake rules. Its blueprint says what a form
must contain. An ExamForm is one frozen draw: it points at item *versions*, so a later edit of
the bank (which makes a new version) never changes a form a candidate has seen.
"""

from fractions import Fraction
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exams.models.bank import ItemVersion
from standards.models import Competency, Domain, Level, Standard


class DeliveryMode(models.TextChoices):
    LOFT = "loft", _("Linear on the fly (a form per candidate)")
    FIXED = "fixed", _("Fixed forms (published form A, B …)")


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being set up; no candidate can book it
    PUBLISHED = "published", _("Published")  # open for booking; blueprint changes are audited


class CertificationProgram(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="programs", verbose_name=_("standard")
    )
    level = models.ForeignKey(
        Level,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programs",
        verbose_name=_("level"),
        help_text=_("For standards with levels (SFIA): the exam draws only items of this level."),
    )
    item_count = models.PositiveSmallIntegerField(_("number of items"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    cut_score_percent = models.DecimalField(
        _("cut score (%)"), max_digits=5, decimal_places=2, help_text=_("The percent of the maximum needed to pass.")
    )
    # Scaled scores: a piecewise-linear map of the raw percent, 0 → min, cut → cut point, 100 → max.
    scale_min = models.PositiveIntegerField(_("lowest scaled score"), default=100)
    scale_max = models.PositiveIntegerField(_("highest scaled score"), default=1000)
    scale_cut = models.PositiveIntegerField(_("scaled passing score"), default=700)
    validity_months = models.PositiveSmallIntegerField(_("certificate valid for (months)"))
    recertification_window_days = models.PositiveSmallIntegerField(
        _("recertification window (days)"),
        help_text=_("Passing the current exam within this many days before expiry renews the certificate."),
    )
    retake_wait_days = models.PositiveSmallIntegerField(_("days to wait before a retake"), default=14)
    retake_max_per_year = models.PositiveSmallIntegerField(_("attempts allowed in 12 months"), default=3)
    eligibility = models.TextField(_("eligibility"), blank=True)
    prerequisite = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prerequisite program"),
        help_text=_("A current certificate of this program is required to book."),
    )
    delivery_mode = models.CharField(
        _("delivery"), max_length=8, choices=DeliveryMode.choices, default=DeliveryMode.LOFT
    )
    status = models.CharField(_("status"), max_length=12, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("certification program")
        verbose_name_plural = _("certification programs")
        constraints = [
            models.CheckConstraint(condition=Q(item_count__gte=1), name="program_has_items"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="program_has_duration"),
            # 0 and 100 would leave one side of the scaled-score map without any width.
            models.CheckConstraint(
                condition=Q(cut_score_percent__gt=0, cut_score_percent__lt=100), name="program_cut_inside_0_100"
            ),
            models.CheckConstraint(
                condition=Q(scale_min__lt=F("scale_cut"), scale_cut__lt=F("scale_max")),
                name="program_scale_min_cut_max_ascending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def is_published(self) -> bool:
        return self.status == ProgramStatus.PUBLISHED

    def score_scale(self):
        from exams.scoring import ScoreScale

        return ScoreScale(
            cut_percent=Fraction(str(self.cut_score_percent)),
            minimum=self.scale_min,
            maximum=self.scale_max,
            cut_point=self.scale_cut,
        )


class Blueprint(models.Model):
    """What every form of a program contains. One per program; changes are kept as ProgramEvents."""

    program = models.OneToOneField(CertificationProgram, on_delete=models.CASCADE, related_name="blueprint")
    difficulty_target = models.DecimalField(_("target mean difficulty"), max_digits=3, decimal_places=2, default=3)
    difficulty_tolerance = models.DecimalField(
        _("tolerance"), max_digits=3, decimal_places=2, default="0.50", help_text=_("Allowed distance from the target.")
    )
    enemy_rule = models.BooleanField(
        _("keep enemies apart"), default=True, help_text=_("Never two items of one enemy group on a form.")
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("blueprint")
        verbose_name_plural = _("blueprints")
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty_target__gte=1, difficulty_target__lte=5), name="blueprint_target_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(difficulty_tolerance__gte=0, difficulty_tolerance__lte=4),
                name="blueprint_tolerance_0_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} blueprint"


class BlueprintDomain(models.Model):
    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="domains")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+", verbose_name=_("domain"))
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["blueprint", "domain__order"]
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "domain"], name="blueprint_domain_once"),
            models.CheckConstraint(condition=Q(weight__gt=0, weight__lte=100), name="blueprint_weight_percentage"),
        ]

    def __str__(self) -> str:
        return f"{self.domain.code} {self.weight}%"


class BlueprintCompetency(models.Model):
    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="competencies")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+", verbose_name=_("competency"))
    min_items = models.PositiveSmallIntegerField(_("minimum items"))

    class Meta:
        ordering = ["blueprint", "competency__domain__order", "competency__order"]
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "competency"], name="blueprint_competency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.competency.code} ≥ {self.min_items}"


class ProgramEvent(models.Model):
    """Append-only log of changes to programs, blueprints and fixed forms, with before/after."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Program created")
        UPDATED = "updated", _("Program changed")
        PUBLISHED = "published", _("Program published")
        BLUEPRINT = "blueprint", _("Blueprint changed")
        FIXED_FORM = "fixed_form", _("Fixed form published")

    program = models.ForeignKey(CertificationProgram, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Whether the program was published when the change was made: those changes affect candidates.
    while_published = models.BooleanField(default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.program.code}: {self.get_kind_display()}"

    def changes(self) -> list["EventChange"]:
        """What the event changed, one row per field; a blueprint's weights and minimums one per domain
        and competency, so a history reads "weight of PRO: 30.00 → 40.00" rather than two whole dicts."""
        before, after = _flatten(self.before), _flatten(self.after)
        keys = sorted({*before, *after}, key=_change_order)
        return [
            EventChange(_change_label(key), before.get(key), after.get(key))
            for key in keys
            if before.get(key) != after.get(key)
        ]


class EventChange(NamedTuple):
    label: str
    before: object
    after: object


def _flatten(snapshot: dict) -> dict:
    flat = {}
    for key, value in snapshot.items():
        if key in ("domains", "minimums") and isinstance(value, dict):
            flat.update({(key, code): inner for code, inner in value.items()})
        else:
            flat[key] = value
    return flat


def _change_order(key) -> tuple[int, str]:
    # Snapshots are stored as jsonb, which keeps keys in its own order: read them in the form's order.
    order = [f.name for f in CertificationProgram._meta.concrete_fields] + list(BLUEPRINT_SNAPSHOT_KEYS)
    name, code = key if isinstance(key, tuple) else (key, "")
    return (order.index(name) if name in order else len(order), code)


BLUEPRINT_SNAPSHOT_KEYS = ("domains", "minimums", "difficulty_target", "difficulty_tolerance", "enemy_rule")


def _change_label(key) -> str:
    if isinstance(key, tuple):
        kind, code = key
        template = _("weight of %(code)s (%%)") if kind == "domains" else _("minimum items of %(code)s")
        return template % {"code": code}
    for model in (CertificationProgram, Blueprint):
        try:
            return str(model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            continue
    return key.replace("_", " ")


class FixedFormStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")  # handed out to candidates of a fixed-form program
    RETIRED = "retired", _("Retired")  # replaced by a newer form with the same label; kept for attempts


class FixedForm(models.Model):
    """A form an administrator publishes (form A, form B) for programs delivered as fixed forms."""

    program = models.ForeignKey(CertificationProgram, on_delete=models.PROTECT, related_name="fixed_forms")
    label = models.CharField(_("label"), max_length=16)
    status = models.CharField(max_length=12, choices=FixedFormStatus.choices, default=FixedFormStatus.PUBLISHED)
    seed = models.BigIntegerField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["program", "label", "-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "label"], condition=Q(status="published"), name="one_published_form_per_label"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} form {self.label}"


class FixedFormItem(models.Model):
    form = models.ForeignKey(FixedForm, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    option_order = models.JSONField(help_text=_("Option positions in the order shown."))

    class Meta:
        ordering = ["form", "position"]
        constraints = [models.UniqueConstraint(fields=["form", "position"], name="fixed_form_position_unique")]

    def __str__(self) -> str:
        return f"{self.form_id}#{self.position}"


class ExamForm(models.Model):
    """One frozen form. The attempt (delivery) points at it; nothing here changes after freezing."""

    program = models.ForeignKey(CertificationProgram, on_delete=models.PROTECT, related_name="forms")
    seed = models.BigIntegerField()
    fixed_form = models.ForeignKey(FixedForm, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The blueprint as it was when the form was drawn, so a later blueprint change explains nothing away.
    blueprint_snapshot = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Exposure control reads a program's most recent forms (exams.programs.exposure_counts).
            models.Index(fields=["program", "-id"], name="examform_program_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} form #{self.pk}"


class FormItem(models.Model):
    form = models.ForeignKey(ExamForm, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    option_order = models.JSONField(help_text=_("Option positions in the order shown to the candidate."))

    class Meta:
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "position"], name="form_position_unique"),
            models.UniqueConstraint(fields=["form", "item_version"], name="form_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id}#{self.position}"


class ScoreAdjustment(models.Model):
    """A reviewer's correction to how an item version is scored in a program: drop it or rekey it.

    The newest adjustment per version wins; RESTORE undoes the earlier ones. Scoring reads them
    as overrides (exams.scoring.rescore), so every attempt that saw the version is rescored alike.
    """

    class Kind(models.TextChoices):
        DROP = "drop", _("Dropped (counts for no one)")
        REKEY = "rekey", _("Rekeyed")
        RESTORE = "restore", _("Scored as written again")

    program = models.ForeignKey(CertificationProgram, on_delete=models.PROTECT, related_name="score_adjustments")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.JSONField(default=list, blank=True, help_text=_("For a rekey: the corrected key as positions."))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.program.code} {self.item_version}: {self.get_kind_display()}"
