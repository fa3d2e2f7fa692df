"""People who take exams: their profile as it will be printed, and their accommodations."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a time zone we know."), params={"value": value})


class _PrivateStorage(LazyObject):
    """Evidence documents are health data: stored outside MEDIA_ROOT, served only through a checked view."""

    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


private_storage = _PrivateStorage()


class CandidateProfile(models.Model):
    """Holds personal data: the legal name printed on certificates and the candidate's time zone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidate_profile")
    legal_name = models.CharField(
        _("legal name"),
        max_length=200,
        help_text=_("Exactly as it should be printed on your certificate."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.legal_name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


def _evidence_path(instance: "AccommodationRequest", filename: str) -> str:
    return f"accommodations/{instance.candidate_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class AccommodationRequest(models.Model):
    """Holds personal (possibly health) data: the reason and the evidence for an accommodation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")  # waiting for a program administrator
        APPROVED = "approved", _("Approved")  # applies to exams started while valid
        REJECTED = "rejected", _("Rejected")  # with a reason the candidate sees
        WITHDRAWN = "withdrawn", _("Withdrawn")  # by the candidate, before a decision

    class ExtraTime(models.IntegerChoices):
        NONE = 0, _("No extra time")
        QUARTER = 25, _("+25% time")
        HALF = 50, _("+50% time")
        DOUBLE = 100, _("+100% time")

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="accommodation_requests"
    )
    extra_time_percent = models.PositiveSmallIntegerField(_("extra time"), choices=ExtraTime.choices)
    other_arrangements = models.TextField(
        _("other arrangements"), blank=True, help_text=_("For example: screen reader, separate room, breaks.")
    )
    reason = models.TextField(_("reason"))
    evidence = models.FileField(_("evidence"), storage=private_storage, upload_to=_evidence_path)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            # One request at a time under review: a second would race the first decision.
            models.UniqueConstraint(
                fields=["candidate"], condition=Q(status="pending"), name="one_pending_accommodation_per_candidate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate} {self.get_extra_time_percent_display()} ({self.get_status_display()})"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.status == self.Status.APPROVED and (self.valid_until is None or self.valid_until >= on)


class AccommodationEvent(models.Model):
    """Append-only record of each step of an accommodation request."""

    request = models.ForeignKey(AccommodationRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class BookingReminder(models.Model):
    """That the reminder for one booking (an attempt in one session) went out: it is sent once.

    Keyed on the session too, so a seat moved to another session gets that session's reminder.
    """

    attempt = models.ForeignKey("exams.Attempt", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("exams.ExamSession", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "session"], name="one_reminder_per_booking"),
        ]

    def __str__(self) -> str:
        return f"reminder {self.attempt_id}/{self.session_id}"
