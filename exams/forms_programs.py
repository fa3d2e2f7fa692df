"""Forms of the program pages: the exam definition, the blueprint editor and the sample form's seed."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from exams.models.programs import CertificationProgram
from exams.programs import PROGRAM_FIELDS, BlueprintInput, blueprint_input_for
from standards.models import Level

HELP = {
    "code": _("Short and unique, e.g. CSS or CSMG-4. Candidates see it on their certificate."),
    "item_count": _("Items on every form."),
    "duration_minutes": _("Time allowed, before any accommodation."),
    "validity_months": _("From the day the result is released."),
    "retake_max_per_year": _("Attempts in any 12 months, the first one included."),
    "eligibility": _("Who may book, as candidates read it on the booking page."),
}


class LevelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Level) -> str:
        return f"{obj.standard.code} level {obj.number} — {obj.name}"


class ProgramForm(forms.Form):
    """Every field of the exam definition; the rules between fields are the service's (field-named errors)."""

    comment = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the program's history with the before and after."),
    )

    def __init__(self, *args, program: CertificationProgram | None = None, **kwargs):
        self.program = program
        initial = model_to_dict(program, fields=PROGRAM_FIELDS) if program is not None else {}
        super().__init__(*args, initial=initial, **kwargs)
        model_fields = fields_for_model(
            CertificationProgram,
            fields=PROGRAM_FIELDS,
            help_texts=HELP,
            field_classes={"level": LevelChoiceField},
            widgets={"eligibility": forms.Textarea(attrs={"rows": 3})},
        )
        comment = self.fields.pop("comment")
        self.fields.update(model_fields)
        self.fields["level"].queryset = Level.objects.select_related("standard").order_by("standard__code", "number")
        self.fields["level"].empty_label = _("None (items of every level)")
        self.fields["prerequisite"].empty_label = _("None")
        if program is not None:
            self.fields["prerequisite"].queryset = CertificationProgram.objects.exclude(pk=program.pk)
            self.fields["comment"] = comment
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Program"),
                Row(Column("code", css_class="col-md-4"), Column("name", css_class="col-md-8")),
                Row(
                    Column("standard", css_class="col-md-4"),
                    Column("level", css_class="col-md-4"),
                    Column("delivery_mode", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("Exam"),
                Row(
                    Column("item_count", css_class="col-md-4"),
                    Column("duration_minutes", css_class="col-md-4"),
                    Column("cut_score_percent", css_class="col-md-4"),
                ),
                Row(
                    Column("scale_min", css_class="col-md-4"),
                    Column("scale_cut", css_class="col-md-4"),
                    Column("scale_max", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("Certificate and recertification"),
                Row(
                    Column("validity_months", css_class="col-md-6"),
                    Column("recertification_window_days", css_class="col-md-6"),
                ),
            ),
            Fieldset(
                _("Retakes"),
                Row(
                    Column("retake_wait_days", css_class="col-md-6"),
                    Column("retake_max_per_year", css_class="col-md-6"),
                ),
            ),
            Fieldset(_("Eligibility"), "eligibility", "prerequisite"),
            *(["comment"] if program is not None else []),
        )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROGRAM_FIELDS}


class BlueprintForm(forms.Form):
    """A weight per domain of the program's standard (blank or 0: not on the blueprint) and a minimum per
    competency, with the difficulty target and the enemy rule. Sums and the bank are the service's checks."""

    difficulty_target = forms.DecimalField(
        label=_("Target mean difficulty"),
        min_value=1,
        max_value=5,
        max_digits=3,
        decimal_places=2,
        help_text=_("On the bank's scale, 1 (easiest) to 5."),
    )
    difficulty_tolerance = forms.DecimalField(
        label=_("Tolerance"),
        min_value=0,
        max_value=4,
        max_digits=3,
        decimal_places=2,
        help_text=_("How far a form's mean may be from the target."),
    )
    enemy_rule = forms.BooleanField(
        label=_("Keep enemies apart"),
        required=False,
        help_text=_("Never two items of one enemy group on a form; a group then counts once toward what the bank has."),
    )
    comment = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the program's history with the before and after."),
    )

    def __init__(self, *args, program: CertificationProgram, **kwargs):
        self.program = program
        self.domains = list(program.standard.domains.prefetch_related("competencies"))
        self.saved = blueprint_input_for(program)
        weights = {domain.pk: weight for domain, weight in self.saved.domains}
        minimums = {competency.pk: n for competency, n in self.saved.minimums.items()}
        initial = {
            "difficulty_target": self.saved.difficulty_target,
            "difficulty_tolerance": self.saved.difficulty_tolerance,
            "enemy_rule": self.saved.enemy_rule,
        }
        super().__init__(*args, initial=initial, **kwargs)
        for domain in self.domains:
            self.fields[f"weight_{domain.pk}"] = forms.DecimalField(
                label=_("Share of %(domain)s (%%)") % {"domain": domain.name},
                required=False,
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "class": "form-control text-end"}),
            )
            self.initial[f"weight_{domain.pk}"] = weights.get(domain.pk)
            for competency in domain.competencies.all():
                self.fields[f"min_{competency.pk}"] = forms.IntegerField(
                    label=_("Minimum items of %(code)s") % {"code": competency.code},
                    required=False,
                    min_value=0,
                    max_value=program.item_count,
                    widget=forms.NumberInput(attrs={"class": "form-control form-control-sm text-end"}),
                )
                self.initial[f"min_{competency.pk}"] = minimums.get(competency.pk) or None

    def sections(self) -> list[dict]:
        """The domains in the standard's order, each with its share field and its competencies' minimums."""
        return [
            {
                "domain": domain,
                "weight": self[f"weight_{domain.pk}"],
                "competencies": [(c, self[f"min_{c.pk}"]) for c in domain.competencies.all()],
            }
            for domain in self.domains
        ]

    def blueprint_input(self) -> BlueprintInput:
        """What the editor holds: the submitted blueprint once valid, the saved one before any submission."""
        if not self.is_bound:
            return self.saved
        data = self.cleaned_data
        return BlueprintInput(
            domains=[(d, data[f"weight_{d.pk}"]) for d in self.domains if data.get(f"weight_{d.pk}")],
            minimums={
                c: data[f"min_{c.pk}"] for d in self.domains for c in d.competencies.all() if data.get(f"min_{c.pk}")
            },
            difficulty_target=data["difficulty_target"],
            difficulty_tolerance=data["difficulty_tolerance"],
            enemy_rule=data["enemy_rule"],
        )

    def weight_total(self) -> Decimal:
        if not self.is_bound:
            return sum((weight for _domain, weight in self.saved.domains), Decimal(0))
        self.is_valid()  # cleans once; the shares that are numbers count even when another field is wrong
        data = self.cleaned_data
        return sum((data.get(f"weight_{d.pk}") or Decimal(0) for d in self.domains), Decimal(0))


class SeedForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text=_("The same seed draws the same form from the same bank; leave it empty for a new one."),
    )
