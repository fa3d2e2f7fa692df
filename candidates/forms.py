import zoneinfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from candidates.models import AccommodationRequest


def _time_zone_choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
        if "/" in name or name == "UTC"
    ]


class _CrispyForm(forms.Form):
    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class RegistrationForm(_CrispyForm):
    submit_label = _("Create my account")

    email = forms.EmailField(label=_("Email"))
    legal_name = forms.CharField(
        label=_("Legal name"), max_length=200, help_text=_("Exactly as it should be printed on your certificate.")
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        initial="UTC",
        help_text=_("Exam times in emails and on your pages are shown in this zone."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)
    agree = forms.BooleanField(
        label=_("I agree that certdesk stores my name and email to deliver exams and certificates.")
    )

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=cleaned.get("email", ""), first_name=cleaned.get("legal_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ResendConfirmationForm(_CrispyForm):
    submit_label = _("Send a new link")
    email = forms.EmailField(label=_("Email"))


class ProfileForm(_CrispyForm):
    legal_name = forms.CharField(
        label=_("Legal name"), max_length=200, help_text=_("Exactly as it should be printed on your certificate.")
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)


class AccommodationRequestForm(_CrispyForm):
    submit_label = _("Send the request")

    extra_time_percent = forms.TypedChoiceField(
        label=_("Extra time"), choices=AccommodationRequest.ExtraTime.choices, coerce=int
    )
    other_arrangements = forms.CharField(
        label=_("Other arrangements"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reason = forms.CharField(label=_("Why you need it"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.FileField(label=_("Evidence (PDF, PNG or JPEG, up to 10 MB)"))


class AccommodationDecisionForm(_CrispyForm):
    submit_label = _("Record the decision")

    action = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    extra_time_percent = forms.TypedChoiceField(
        label=_("Extra time granted"), choices=AccommodationRequest.ExtraTime.choices, coerce=int
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note to the candidate"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when rejecting."),
    )
