"""The question bank: items, their immutable approved versions, and the review trail.

An Item is the stable identity and classification (what it measures); an ItemVersion is
the text a candidate sees. Approved versions never change, so a form or a result that
points at a version always shows exactly what the candidate saw.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from standards.models import Competency, Level


class ItemType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple response")
    TRUE_FALSE = "truefalse", _("True / false")
    ORDERING = "ordering", _("Ordering")


class Scoring(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
    PARTIAL = "partial", _("Partial credit")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written; editable in place by its author
    IN_REVIEW = "in_review", _("In review")  # frozen, waiting for a reviewer who is not the author
    APPROVED = "approved", _("Approved")  # immutable; the only status exams draw from
    RETIRED = "retired", _("Retired")  # no longer drawn; kept for forms and results that used it


class Tag(models.Model):
    """A free category, e.g. the source bank's category path kept on import."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    ref = models.CharField(_("reference"), max_length=64, unique=True)
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, null=True, blank=True, related_name="items", verbose_name=_("competency")
    )
    level = models.ForeignKey(
        Level, on_delete=models.PROTECT, null=True, blank=True, related_name="items", verbose_name=_("level")
    )
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), null=True, blank=True, help_text=_("Author's estimate: 1 very easy … 5 very hard.")
    )
    enemy_group = models.CharField(
        _("enemy group"),
        max_length=100,
        blank=True,
        db_index=True,
        help_text=_("Items in one group cue each other and never appear on the same form."),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="items", verbose_name=_("tags"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # When the item last changed (text, status or tags), kept with every audit event: the bank
    # browser sorts 20,000 items by it, which the event log alone cannot answer fast.
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, db_index=True)
    # The newest version, whatever its status: what the bank browser lists and authors edit.
    current_version = models.OneToOneField(
        "ItemVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The version exams draw from: the newest approved one, if any.
    approved_version = models.OneToOneField(
        "ItemVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["ref"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__isnull=True) | Q(difficulty__gte=1, difficulty__lte=5),
                name="item_difficulty_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def is_tagged(self) -> bool:
        return self.competency_id is not None and self.difficulty is not None


class ItemVersion(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    type = models.CharField(_("type"), max_length=16, choices=ItemType.choices)
    scoring = models.CharField(_("scoring"), max_length=16, choices=Scoring.choices, default=Scoring.ALL_OR_NOTHING)
    stem = models.TextField(_("stem"), help_text=_("Sanitised HTML."))
    rationale = models.TextField(_("rationale"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_number_unique"),
            # One version at a time is being written or reviewed; edits go to it.
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["draft", "in_review"]),
                name="one_open_version_per_item",
            ),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.item.ref} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def key(self) -> list[int]:
        """The key as option positions: the correct ones, or for ordering the written order."""
        return key_from_options(self.type, [(o.position, o.is_correct) for o in self.options.all()])

    def content_digest(self) -> str:
        """A fingerprint of what the candidate sees and how it is keyed, for round-trip checks."""
        parts = [self.type, self.scoring, self.stem, self.rationale]
        for option in self.options.all():
            parts += [str(option.position), option.text, str(option.is_correct), option.feedback]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def key_from_options(item_type: str, options: list[tuple[int, bool]]) -> list[int]:
    """An item's key from its options as (position, is_correct) in written order: the correct
    positions, or for an ordering item every position (the written order is the key)."""
    if item_type == ItemType.ORDERING:
        return [position for position, _correct in options]
    return [position for position, correct in options if correct]


class ItemOption(models.Model):
    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(help_text=_("Written order, from 1; for ordering items, the key."))
    identifier = models.CharField(max_length=64, help_text=_("Stable id for interchange, e.g. A or choice_1."))
    text = models.TextField(_("text"))
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback = models.TextField(_("feedback"), blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="option_position_unique"),
            models.UniqueConstraint(fields=["version", "identifier"], name="option_identifier_unique"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


def _asset_path(instance: "ItemAsset", filename: str) -> str:
    return f"bank/assets/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class ItemAsset(models.Model):
    """An image stored in the app's own media, the only place a stem may load images from."""

    file = models.FileField(upload_to=_asset_path)
    sha256 = models.CharField(max_length=64, db_index=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name


class ItemEvent(models.Model):
    """Append-only audit trail of an item: creation, edits, transitions, tag changes."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        NEW_VERSION = "new_version", _("New version")
        TRANSITION = "transition", _("Status changed")
        TAGGED = "tagged", _("Tags changed")
        IMPORTED = "imported", _("Imported")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, null=True, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, choices=VersionStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=VersionStatus.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.item.ref}: {self.get_kind_display()}"
