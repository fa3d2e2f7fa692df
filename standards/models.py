"""Competency standards as their publishers wrote them: domains, competencies, levels."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Standard(models.Model):
    class LevelKind(models.TextChoices):
        NONE = "none", _("No levels")
        RESPONSIBILITY = "responsibility", _("Responsibility levels (SFIA)")
        PROFICIENCY = "proficiency", _("Proficiency levels")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    full_name = models.CharField(_("full name"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    source = models.CharField(_("source document"), max_length=300)
    language = models.CharField(_("language of the source"), max_length=8)
    level_kind = models.CharField(_("levels"), max_length=16, choices=LevelKind.choices)
    description = models.TextField(_("description"))
    description_original = models.TextField(_("description in the original language"), blank=True)
    notes = models.TextField(_("transcription notes"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("standards:detail", args=[self.code])

    @property
    def has_original_text(self) -> bool:
        return self.language != "en"


class Domain(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="domains")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=300)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["standard", "order"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="domain_code_unique_in_standard"),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100), name="domain_weight_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} {self.code} {self.name}"


class Competency(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="competencies")
    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    derived = models.BooleanField(
        _("derived"), default=False, help_text=_("Not stated explicitly in the source document.")
    )
    derived_from = models.TextField(_("derived from"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["domain__standard", "domain__order", "order"]
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Level(models.Model):
    """A responsibility (SFIA) or proficiency level; `*_original` keep the source language."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    name_original = models.CharField(_("name in the original language"), max_length=200, blank=True)
    essence = models.TextField(_("essence of the level"), blank=True)
    essence_original = models.TextField(_("essence in the original language"), blank=True)
    description = models.TextField(_("description"), blank=True)
    description_original = models.TextField(_("description in the original language"), blank=True)

    class Meta:
        ordering = ["standard", "number"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="level_number_unique_in_standard"),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} {self.number} {self.name}"


class BehaviourStatement(models.Model):
    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="behaviours")
    order = models.PositiveSmallIntegerField()
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["level", "order"]
        verbose_name = _("behaviour statement")
        verbose_name_plural = _("behaviour statements")
        constraints = [
            models.UniqueConstraint(fields=["level", "order"], name="behaviour_order_unique_in_level"),
        ]

    def __str__(self) -> str:
        return self.text


class InterviewQuestion(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="interview_questions")
    order = models.PositiveSmallIntegerField()
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["standard", "order"]
        verbose_name = _("interview question")
        verbose_name_plural = _("interview questions")
        constraints = [
            models.UniqueConstraint(fields=["standard", "order"], name="question_order_unique_in_standard"),
        ]

    def __str__(self) -> str:
        return self.text
