"""Forms of the session pages: the filter, the session editor and the cancellation."""

import zoneinfo
from datetime import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from exams.models.delivery import ExamSession, SessionMode
from exams.models.programs import CertificationProgram
from exams.sessions import MAX_CUTOFF_HOURS

WHEN_CHOICES = [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))]


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def _proctors():
    return User.objects.filter(groups__name=Role.PROCTOR.value, is_active=True).order_by("last_name", "first_name")


class ProctorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.email})"


class SessionFilterForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=CertificationProgram.objects.order_by("code"),
        required=False,
        empty_label=_("All"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    when = forms.ChoiceField(
        label=_("When"), choices=WHEN_CHOICES, required=False, widget=forms.Select(attrs={"class": "form-select"})
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {"program": None, "when": "upcoming"}
        return {"program": self.cleaned_data["program"], "when": self.cleaned_data["when"] or "upcoming"}


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SessionForm(forms.Form):
    """The start window is entered in a chosen time zone (the test centre's, say) and stored in UTC."""

    program = forms.ModelChoiceField(label=_("Program"), queryset=CertificationProgram.objects.order_by("code"))
    mode = forms.ChoiceField(label=_("Mode"), choices=SessionMode.choices)
    location = forms.CharField(
        label=_("Room or centre"),
        max_length=200,
        required=False,
        help_text=_("Required for a test centre; for an online session, optional (e.g. the meeting room)."),
    )
    time_zone = forms.ChoiceField(
        label=_("Times are in"), choices=_time_zone_choices, help_text=_("The window is stored in UTC.")
    )
    opens_at = forms.DateTimeField(label=_("Start window opens"), widget=LocalDateTimeInput())
    closes_at = forms.DateTimeField(
        label=_("Start window closes"),
        widget=LocalDateTimeInput(),
        help_text=_("The latest time a candidate may start."),
    )
    seats = forms.IntegerField(label=_("Seats"))
    proctor = ProctorChoiceField(
        label=_("Proctor"),
        queryset=_proctors(),
        required=False,
        empty_label=_("No proctor: candidates check themselves in"),
        error_messages={"invalid_choice": _("Choose a user with the Proctor role.")},
    )
    change_cutoff_hours = forms.IntegerField(
        label=_("Reschedule and cancel until (hours before)"),
        initial=24,
        help_text=_("Candidates can move or give up their seat until this many hours before the window opens."),
    )

    def __init__(self, *args, session: ExamSession | None = None, initial: dict | None = None, **kwargs):
        utc = zoneinfo.ZoneInfo("UTC")
        if session is not None:
            defaults = {
                "program": session.program_id,
                "mode": session.mode,
                "location": session.location,
                "time_zone": "UTC",
                "opens_at": timezone.localtime(session.opens_at, utc),
                "closes_at": timezone.localtime(session.closes_at, utc),
                "seats": session.seats,
                "proctor": session.proctor_id,
                "change_cutoff_hours": session.change_cutoff_hours,
            }
        else:
            defaults = {"time_zone": settings.TIME_ZONE, "change_cutoff_hours": 24}
        super().__init__(*args, initial={**defaults, **(initial or {})}, **kwargs)
        self.fields["proctor"].queryset = _proctors()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("program", css_class="col-md-6"), Column("mode", css_class="col-md-6")),
            "location",
            Row(
                Column("time_zone", css_class="col-md-4"),
                Column("opens_at", css_class="col-md-4"),
                Column("closes_at", css_class="col-md-4"),
            ),
            Row(Column("seats", css_class="col-md-4"), Column("change_cutoff_hours", css_class="col-md-8")),
            "proctor",
        )

    def clean_seats(self) -> int:
        seats = self.cleaned_data["seats"]
        if seats < 1:
            raise forms.ValidationError(_("A session needs at least one seat."))
        return seats

    def clean_change_cutoff_hours(self) -> int:
        hours = self.cleaned_data["change_cutoff_hours"]
        if not 0 <= hours <= MAX_CUTOFF_HOURS:
            raise forms.ValidationError(_("Between 0 and %(max)s hours.") % {"max": MAX_CUTOFF_HOURS})
        return hours

    def _in_zone(self, value: datetime | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
        # The field read the wall-clock time in the active zone; it means that time in the chosen one.
        if value is None:
            return None
        return timezone.make_aware(timezone.make_naive(value), zone)

    def clean(self) -> dict:
        data = super().clean()
        zone = zoneinfo.ZoneInfo(data.get("time_zone") or "UTC")
        data["opens_at"] = self._in_zone(data.get("opens_at"), zone)
        data["closes_at"] = self._in_zone(data.get("closes_at"), zone)
        if data["opens_at"] and data["closes_at"] and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The start window must close after it opens."))
        if data.get("mode") == SessionMode.TEST_CENTRE and not (data.get("location") or "").strip():
            self.add_error("location", _("Name the room or test centre."))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "program",
                "mode",
                "location",
                "opens_at",
                "closes_at",
                "seats",
                "proctor",
                "change_cutoff_hours",
            )
        }


class SessionCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Sent to every candidate with a seat in this session."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Cancel the session and tell the candidates"), css_class="btn-danger"))
