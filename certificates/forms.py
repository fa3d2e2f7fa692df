from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import CertificateStatus, IssuerProfile
from exams.models.programs import CertificationProgram


class RegisterSearchForm(forms.Form):
    q = forms.CharField(label=_("Number or name"), required=False, max_length=200)
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=CertificationProgram.objects.order_by("code"),
        required=False,
        to_field_name="code",
        empty_label=_("Any"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any"))] + CertificateStatus.choices, required=False)
    issued_from = forms.DateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    issued_to = forms.DateField(label=_("Issued until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and end < start:
            self.add_error("issued_to", _("The end date is before the start date."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Kept in the audit trail; never shown to the public."),
    )


class ReissueForm(ReasonForm):
    holder_name = forms.CharField(label=_("Name as it should be printed"), max_length=200)

    field_order = ["holder_name", "reason"]


class IssuerProfileForm(forms.ModelForm):
    class Meta:
        model = IssuerProfile
        fields = [
            "name",
            "website",
            "contact_email",
            "logo",
            "signature",
            "signatory_name",
            "signatory_title",
            "accreditation_statement",
        ]
        widgets = {"accreditation_statement": forms.Textarea(attrs={"rows": 3})}

    def _small_image(self, name: str):
        image = self.cleaned_data.get(name)
        if image and getattr(image, "size", 0) > 2 * 1024 * 1024:
            raise forms.ValidationError(_("Upload an image under 2 MB."))
        return image

    def clean_logo(self):
        return self._small_image("logo")

    def clean_signature(self):
        return self._small_image("signature")
