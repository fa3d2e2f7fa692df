"""Forms of the booking pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exams.models.delivery import Attempt, ExamSession


class RescheduleForm(forms.Form):
    """Any other session of the same program parses; whether it still has a seat is the service's call,
    so a seat taken since the page loaded gets "This session is full", not a generic error."""

    session = forms.ModelChoiceField(
        label=_("New session"),
        queryset=ExamSession.objects.none(),
        error_messages={
            "required": _("Choose the session to move to."),
            "invalid_choice": _("Choose another session of the same program."),
        },
    )

    def __init__(self, *args, attempt: Attempt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = ExamSession.objects.filter(program=attempt.program_id).exclude(
            pk=attempt.session_id
        )
