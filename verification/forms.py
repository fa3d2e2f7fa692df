from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from verification.documents import MAX_PDF_BYTES
from verification.services import SHARE_DAYS_CHOICES


class LookupForm(forms.Form):
    identifier = forms.CharField(
        label=_("Certificate number or verification code"),
        max_length=300,
        help_text=_("The number printed on the certificate (e.g. CSS-2026-000042), or the address under its QR code."),
    )
    surname = forms.CharField(
        label=_("Holder's surname"),
        max_length=100,
        required=False,
        help_text=_("With a certificate number, the surname as printed shows the holder's details."),
    )

    def clean_identifier(self) -> str:
        """Accepts the whole verification address too, as people paste what they see under the QR code."""
        value = self.cleaned_data["identifier"].strip()
        if "/" in value:
            path = urlsplit(value if "://" in value else f"https://{value}").path
            value = path.rstrip("/").rsplit("/", 1)[-1]
        if not value:
            raise forms.ValidationError(_("Enter a certificate number or verification code."))
        return value


class PdfUploadForm(forms.Form):
    document = forms.FileField(
        label=_("Certificate PDF"), help_text=_("The PDF the holder gave you. It is checked, then discarded.")
    )

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("The file is larger than a certificate PDF can be (5 MB)."))
        return document


class VisibilityForm(forms.Form):
    hidden = forms.TypedChoiceField(
        label=_("Public lookup"),
        choices=[("0", _("Anyone with the QR code or number can check it")), ("1", _("Hidden from public lookup"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


class ShareLinkForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("The link works for"),
        choices=[(str(days), _("%(days)s days") % {"days": days}) for days in SHARE_DAYS_CHOICES],
        coerce=int,
        initial="30",
    )
    label = forms.CharField(
        label=_("For whom (only you see this)"),
        max_length=100,
        required=False,
        help_text=_("E.g. the employer's name, so you know which link to withdraw."),
    )


class FailedLookupFilterForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    address = forms.CharField(label=_("Address"), max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        from verification.models import LookupFailure

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("Any reason")), *LookupFailure.choices]
