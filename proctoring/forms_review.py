"""The reviewer's two decisions on a held attempt; each needs a reason, which goes on the record."""

from django import forms
from django.utils.translation import gettext_lazy as _

REASON_MAX_LENGTH = 2000


def _reason(label):
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the attempt's history and in the session report."),
    )


class UpholdForm(forms.Form):
    reason = _reason(_("Why the result stands"))


class VoidForm(forms.Form):
    reason = _reason(_("Why the attempt is voided"))
    confirm = forms.BooleanField(
        label=_("I understand the candidate gets no result and never a certificate from this attempt.")
    )


DECISION_FORMS = {"uphold": UpholdForm, "void": VoidForm}
