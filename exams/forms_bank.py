"""Forms of the authoring pages: the bank browser's filters and bulk actions, the item editor,
and the review workflow's comment forms."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row
from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from exams.bank import TRANSITIONS, ItemTags, OptionData
from exams.bank_selectors import PAGE_SIZES, BankChoices
from exams.models import Item
from exams.models.bank import ItemType, Scoring, VersionStatus

DIFFICULTY_CHOICES = [
    ("", "—"),
    (1, _("1 · very easy")),
    (2, _("2 · easy")),
    (3, _("3 · medium")),
    (4, _("4 · hard")),
    (5, _("5 · very hard")),
]

ACTION_LABELS = {
    "submit": _("Send to review"),
    "withdraw": _("Withdraw from review"),
    "return": _("Return to the author"),
    "approve": _("Approve"),
    "retire": _("Retire"),
}


class DataSelect(forms.Select):
    """A select whose options may carry data attributes (their standard, for the editor's script).

    It renders in Python: Django renders each option through a template, and on the bank browser,
    with its long competency and level lists, that cost more than all of the page's queries.
    """

    def __init__(self, *args, option_data: dict[str, dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_data = option_data or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_data.get(str(value), {}))
        return option

    def _option(self, value, label, selected: set[str]) -> str:
        value = "" if value is None else str(value)
        extra = self.option_data.get(value)
        return '<option value="{}"{}{}>{}</option>'.format(
            escape(value), flatatt(extra) if extra else "", " selected" if value in selected else "", escape(label)
        )

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        parts = [format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))]
        for group, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', group))
                parts.extend(self._option(v, sub, selected) for v, sub in label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(group, label, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label above is escaped


def _competency_field(choices: BankChoices, label) -> forms.TypedChoiceField:
    groups: dict[str, list] = {}
    data = {}
    for competency in choices.competencies:
        standard = competency.domain.standard
        groups.setdefault(f"{standard.code} — {competency.domain.name}", []).append(
            (competency.pk, f"{competency.code} {competency.title}")
        )
        data[str(competency.pk)] = {"data-standard": standard.pk}
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "—"), *groups.items()],
        coerce=int,
        empty_value=None,
        required=False,
        widget=DataSelect(option_data=data),
    )


def _level_field(choices: BankChoices, label) -> forms.TypedChoiceField:
    data = {str(level.pk): {"data-standard": level.standard_id} for level in choices.levels}
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "—")] + [(lv.pk, f"{lv.standard.code} {lv.number} · {lv.name}") for lv in choices.levels],
        coerce=int,
        empty_value=None,
        required=False,
        widget=DataSelect(option_data=data),
    )


def _difficulty_field(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=DIFFICULTY_CHOICES, coerce=int, empty_value=None, required=False, widget=DataSelect
    )


def _fast_selects(form: forms.Form) -> None:
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget = DataSelect(attrs=field.widget.attrs, choices=field.choices)


def _check_level_matches(form: forms.Form, choices: BankChoices) -> None:
    competency, level = form.cleaned_data.get("competency"), form.cleaned_data.get("level")
    if competency and level:
        by_id = {c.pk: c for c in choices.competencies}
        levels = {lv.pk: lv for lv in choices.levels}
        if by_id[competency].domain.standard_id != levels[level].standard_id:
            form.add_error("level", _("This level belongs to another standard than the competency."))


# --- the bank browser ------------------------------------------------------------------------


class BankFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200, help_text=_("Reference or stem text."))
    standard = forms.TypedChoiceField(label=_("Standard"), coerce=int, empty_value=None, required=False)
    domain = forms.TypedChoiceField(label=_("Domain"), coerce=int, empty_value=None, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    author = forms.TypedChoiceField(label=_("Author"), coerce=int, empty_value=None, required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=200)
    enemy_group = forms.CharField(label=_("Enemy group"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("ref", _("Reference A–Z")),
            ("-ref", _("Reference Z–A")),
            ("-updated", _("Recently changed")),
            ("updated", _("Least recently changed")),
        ],
    )
    per_page = forms.TypedChoiceField(
        label=_("Per page"), coerce=int, empty_value=PAGE_SIZES[0], required=False, choices=[(n, n) for n in PAGE_SIZES]
    )

    def __init__(self, *args, choices: BankChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].choices = [("", _("Any"))] + [(s.pk, s.code) for s in choices.standards]
        self.fields["domain"].choices = [("", _("Any"))] + [
            (d.pk, f"{d.standard.code} {d.code} · {d.name}") for d in choices.domains
        ]
        self.fields["competency"] = _competency_field(choices, _("Competency"))
        self.fields["level"] = _level_field(choices, _("Level"))
        for name in ("competency", "level"):
            self.fields[name].choices = [("", _("Any")), *self.fields[name].choices[1:]]
        self.fields["status"].choices = [("", _("Any"))] + VersionStatus.choices
        self.fields["type"].choices = [("", _("Any"))] + ItemType.choices
        self.fields["author"].choices = [("", _("Anyone"))] + [
            (u.pk, u.get_full_name() or u.username) for u in choices.authors
        ]
        _fast_selects(self)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_id = "bank-filters"
        self.helper.attrs = {"aria-label": _("Filter the bank")}
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-md-4"),
                Column("standard", css_class="col-md-2"),
                Column("domain", css_class="col-md-3"),
                Column("competency", css_class="col-md-3"),
            ),
            Row(
                Column("level", css_class="col-md-2"),
                Column("status", css_class="col-md-2"),
                Column("type", css_class="col-md-2"),
                Column("author", css_class="col-md-2"),
                Column("tag", css_class="col-md-2"),
                Column("enemy_group", css_class="col-md-2"),
            ),
            Row(
                Column("sort", css_class="col-md-3"),
                Column("per_page", css_class="col-md-2"),
                Column(
                    HTML(
                        '<button type="submit" class="btn btn-primary me-2">{% load i18n %}'
                        '{% translate "Apply filters" %}</button>'
                        '<a class="btn btn-outline-secondary" href="{% url "exams:bank" %}">'
                        '{% translate "Clear" %}</a>'
                    ),
                    css_class="col-md-7 d-flex align-items-end mb-3",
                ),
            ),
        )

    def filters(self) -> dict:
        """The valid filters; a bad value in one field is shown as an error and ignored."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        data.pop("per_page", None)
        return data

    def page_size(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("per_page") or PAGE_SIZES[0]


class BulkForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        queryset=Item.objects.all(),
        error_messages={"required": _("Select at least one item.")},
        widget=forms.MultipleHiddenInput,
    )
    action = forms.ChoiceField(choices=[("tag", _("Set tags")), ("retire", _("Retire"))], widget=forms.HiddenInput)
    enemy_group = forms.CharField(label=_("Enemy group"), required=False, max_length=100)
    add_tag = forms.CharField(label=_("Add tag"), required=False, max_length=200)
    comment = forms.CharField(label=_("Why retire them?"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, choices: BankChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.fields["competency"] = _competency_field(choices, _("Competency"))
        self.fields["level"] = _level_field(choices, _("Level"))
        self.fields["difficulty"] = _difficulty_field(_("Difficulty"))
        for name in ("competency", "level", "difficulty"):
            self.fields[name].choices = [("", _("Leave as it is")), *self.fields[name].choices[1:]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "tag":
            fields = ("competency", "level", "difficulty", "enemy_group", "add_tag")
            if not any(cleaned.get(name) for name in fields):
                raise forms.ValidationError(_("Choose at least one tag to set."))
            _check_level_matches(self, self.choices)
        if cleaned.get("action") == "retire" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say why, in a comment."))
        return cleaned


# --- the item editor -------------------------------------------------------------------------


class ItemForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=ItemType.choices)
    scoring = forms.ChoiceField(
        label=_("Scoring"),
        choices=Scoring.choices,
        required=False,
        help_text=_("Multiple response only: all or nothing, or a share of the mark per right choice."),
    )
    stem = forms.CharField(
        label=_("Stem"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}),
        help_text=_(
            "The question. Formatting: &lt;strong&gt;bold&lt;/strong&gt;, "
            "&lt;ul&gt;&lt;li&gt;list&lt;/li&gt;&lt;/ul&gt;, &lt;code&gt;code&lt;/code&gt;, "
            "&lt;p&gt;paragraphs&lt;/p&gt;; other markup is removed."
        ),
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the key is right. Reviewers see it; candidates never do."),
    )
    enemy_group = forms.CharField(
        label=_("Enemy group"),
        required=False,
        max_length=100,
        help_text=_("Items in one group cue each other and never appear on the same form."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Free tags, separated by commas."))
    comment = forms.CharField(label=_("Note for the audit trail"), required=False, max_length=500)

    def __init__(self, *args, choices: BankChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.fields["competency"] = _competency_field(choices, _("Competency"))
        self.fields["competency"].help_text = _("Required before the item can go to review.")
        self.fields["level"] = _level_field(choices, _("Level"))
        self.fields["level"].help_text = _("Where the standard has levels (SFIA, proficiency).")
        self.fields["difficulty"] = _difficulty_field(_("Difficulty"))
        self.fields["difficulty"].help_text = _("Your estimate; required before review.")
        _fast_selects(self)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_tags(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data["tags"].split(",")]
        too_long = [name for name in names if len(name) > 200]
        if too_long:
            raise forms.ValidationError(_("A tag can be up to 200 characters."))
        return sorted({name for name in names if name})

    def clean(self):
        cleaned = super().clean()
        _check_level_matches(self, self.choices)
        return cleaned

    def item_tags(self) -> ItemTags:
        competencies = {c.pk: c for c in self.choices.competencies}
        levels = {lv.pk: lv for lv in self.choices.levels}
        data = self.cleaned_data
        return ItemTags(
            competency=competencies.get(data.get("competency")),
            level=levels.get(data.get("level")),
            difficulty=data.get("difficulty"),
            enemy_group=data.get("enemy_group", ""),
            tags=data.get("tags", []),
        )


class OptionForm(forms.Form):
    identifier = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Option text"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_correct = forms.BooleanField(label=_("Correct"), required=False)
    feedback = forms.CharField(
        label=_("Feedback"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Why this option is right or wrong, for reviewers and later feedback; never shown during the exam."
        ),
    )


class BaseOptionFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        # Every row is read, even one left as it was shown: an unchanged "extra" row (a kept option
        # after the script renumbered the rows) would otherwise be skipped as empty.
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = False
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this option")

    def option_data(self) -> list[OptionData]:
        """The rows the author kept, in order; blank rows are ignored, duplicate ids dropped."""
        self.is_valid()
        options, seen = [], set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            if not (data.get("text") or "").strip() and not (data.get("feedback") or "").strip():
                continue
            identifier = data.get("identifier") or ""
            if identifier in seen:
                identifier = ""
            seen.add(identifier)
            options.append(
                OptionData(
                    text=data.get("text") or "",
                    is_correct=bool(data.get("is_correct")),
                    feedback=data.get("feedback") or "",
                    identifier=identifier,
                )
            )
        return options


OptionFormSet = forms.formset_factory(
    OptionForm, formset=BaseOptionFormSet, extra=0, can_delete=True, max_num=10, absolute_max=30
)


# --- the review workflow ---------------------------------------------------------------------


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, name) for name in TRANSITIONS], widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why, in a comment.")},
    )

    def __init__(self, *args, comment_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if comment_label:
            self.fields["comment"].label = comment_label
