"""Forms of the proctoring pages: every action asks for a reason, which goes into the attempt's history."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from exams.delivery import MESSAGE_MAX_LENGTH
from proctoring.models import DEFAULT_THRESHOLDS, IdDocument, Incident, IntegrityKind
from proctoring.services import MAX_EXTRA_MINUTES

PHOTO_MAX_BYTES = 5 * 1024 * 1024


def _reason_field():
    return forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the attempt's history."),
    )


class ReasonForm(forms.Form):
    reason = _reason_field()


class ExtendForm(ReasonForm):
    minutes = forms.IntegerField(label=_("Minutes to add"), min_value=1, max_value=MAX_EXTRA_MINUTES, initial=5)

    field_order = ["minutes", "reason"]


class MessageForm(ReasonForm):
    text = forms.CharField(
        label=_("Message to the candidate"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the candidate's screen at once."),
    )

    field_order = ["text", "reason"]


class TerminateForm(ReasonForm):
    outcome = forms.ChoiceField(
        label=_("The answers"),
        choices=[
            ("submit", _("Submit the answers as they are (the result waits for a review)")),
            ("void", _("Void the attempt (no result, never a certificate)")),
        ],
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(label=_("I understand the candidate cannot continue this exam."))

    field_order = ["outcome", "reason", "confirm"]


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ObservationForm(forms.Form):
    summary = forms.CharField(
        label=_("What did you observe?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Opens an incident that holds the result until it is decided."),
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Incident.Outcome.DISMISSED, _("No misconduct: dismiss")),
            (Incident.Outcome.WARNED, _("Warn the candidate (the message below goes to their screen)")),
            (Incident.Outcome.REFERRED, _("Refer for review after the exam (flags the attempt)")),
            ("terminate_submit", _("Terminate: submit the answers as they are")),
            ("terminate_void", _("Terminate: void the attempt")),
        ],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Warning to the candidate"), required=False, max_length=MESSAGE_MAX_LENGTH, widget=forms.TextInput
    )
    reason = _reason_field()

    def service_fields(self) -> dict:
        outcome = self.cleaned_data["outcome"]
        terminate = ""
        if outcome.startswith("terminate_"):
            outcome, terminate = Incident.Outcome.TERMINATED, outcome.removeprefix("terminate_")
        return {
            "outcome": outcome,
            "terminate_outcome": terminate,
            "message": self.cleaned_data["message"],
            "reason": self.cleaned_data["reason"],
        }


class AdmissionForm(forms.Form):
    id_name = forms.CharField(label=_("Name on the document"), max_length=200)
    id_document_type = forms.ChoiceField(label=_("Document"), choices=IdDocument.choices)
    id_number_last4 = forms.CharField(
        label=_("Last four characters of the document number"),
        min_length=4,
        max_length=4,
        validators=[RegexValidator(r"^[A-Za-z0-9]{4}$", _("Enter exactly four letters or digits."))],
        help_text=_("Only the last four are kept, never the whole number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "size": 6}),
    )
    photo = forms.ImageField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("A JPEG or PNG of the candidate at the check, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than 5 MB."))
        if photo and getattr(photo, "image", None) is not None and photo.image.format not in ("JPEG", "PNG"):
            raise forms.ValidationError(_("Upload a JPEG or PNG photo."))
        return photo


class ThresholdsForm(forms.Form):
    """One number per kind of event: that many events open an incident; 0 never does."""

    def __init__(self, *args, current: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in IntegrityKind.choices:
            self.fields[kind] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=100,
                initial=current.get(kind, DEFAULT_THRESHOLDS[kind]),
                help_text=_("Default %(n)s.") % {"n": DEFAULT_THRESHOLDS[kind]},
            )
