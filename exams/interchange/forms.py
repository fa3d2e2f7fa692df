from django import forms
from django.utils.translation import gettext_lazy as _

from exams.interchange.safety import MAX_UPLOAD_BYTES


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A QTI 3.0 or 2.x package (.zip) or item (.xml), Moodle XML, or GIFT (.txt, .gift). "
            "The format is read from the file. Nothing is saved until you confirm the preview."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20})
        return upload


class ImportConfirmForm(forms.Form):
    skip_unsupported = forms.BooleanField(
        label=_("Skip unsupported items and import the rest"),
        required=False,
    )
