"""Exam sessions, and attempts from booking to released result.

An Attempt is the candidate's seat in a session and, later, their exam: it is created when
they book and moves through one status table (exams.delivery.ATTEMPT_TRANSITIONS).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exams.models.programs import CertificationProgram, ExamForm, FormItem


def public_token() -> str:
    """128 bits of randomness, URL-safe: attempt URLs cannot be guessed or enumerated."""
    return secrets.token_urlsafe(16)


class SessionMode(models.TextChoices):
    ONLINE = "online", _("Online")
    TEST_CENTRE = "centre", _("Test centre")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being set up; candidates do not see it
    PUBLISHED = "published", _("Published")  # open for booking
    CANCELLED = "cancelled", _("Cancelled")  # bookings are cancelled and candidates told


class ExamSession(models.Model):
    program = models.ForeignKey(CertificationProgram, on_delete=models.PROTECT, related_name="sessions")
    mode = models.CharField(_("mode"), max_length=8, choices=SessionMode.choices, default=SessionMode.ONLINE)
    location = models.CharField(_("room or centre"), max_length=200, blank=True)
    opens_at = models.DateTimeField(_("start window opens"))
    closes_at = models.DateTimeField(_("start window closes"), help_text=_("The latest time a candidate may start."))
    seats = models.PositiveIntegerField(_("seats"))
    proctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proctored_sessions",
        verbose_name=_("proctor"),
        help_text=_("Without a proctor, candidates check themselves in."),
    )
    change_cutoff_hours = models.PositiveSmallIntegerField(_("reschedule and cancel until (hours before)"), default=24)
    status = models.CharField(max_length=12, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["opens_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="session_window_ordered"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="session_has_seats"),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.opens_at:%Y-%m-%d %H:%M} ({self.get_mode_display()})"

    @property
    def change_cutoff(self):
        return self.opens_at - timedelta(hours=self.change_cutoff_hours)


class AttemptStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")  # a seat is held; nothing has been shown
    CANCELLED = "cancelled", _("Cancelled")  # the candidate gave the seat up before the cut-off
    CHECKED_IN = "checked_in", _("Checked in")  # agreement accepted (and admitted, when proctored)
    IN_PROGRESS = "in_progress", _("In progress")  # the clock runs
    PAUSED = "paused", _("Paused")  # a proctor stopped the clock
    SUBMITTED = "submitted", _("Submitted")  # answers are final
    SCORED = "scored", _("Scored")  # provisional result, not yet shown
    RELEASED = "released", _("Released")  # result shown; certificates follow
    TERMINATED = "terminated", _("Terminated")  # ended by a proctor
    EXPIRED = "expired", _("Expired")  # the start window closed without a start (a no-show)
    VOIDED = "voided", _("Voided")  # no result stands; never a certificate


OPEN_STATUSES = [AttemptStatus.BOOKED, AttemptStatus.CHECKED_IN, AttemptStatus.IN_PROGRESS, AttemptStatus.PAUSED]
LIVE_STATUSES = [AttemptStatus.IN_PROGRESS, AttemptStatus.PAUSED]


class Attempt(models.Model):
    """Holds personal data: the legal name copied at submission, and the candidate's answers."""

    public_id = models.CharField(max_length=32, unique=True, default=public_token, editable=False)
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts")
    program = models.ForeignKey(CertificationProgram, on_delete=models.PROTECT, related_name="attempts")
    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.BOOKED)
    booked_at = models.DateTimeField(default=timezone.now)
    form = models.OneToOneField(ExamForm, on_delete=models.PROTECT, null=True, blank=True, related_name="attempt")

    agreement_accepted_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    # The clock: deadline = start + allowed + paused; allowed = duration + accommodation + extensions.
    duration_seconds = models.PositiveIntegerField(default=0)
    accommodation_seconds = models.PositiveIntegerField(default=0)
    extension_seconds = models.PositiveIntegerField(default=0)
    paused_seconds = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)

    # One browser session drives the attempt at a time.
    driver = models.CharField(max_length=64, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    current_position = models.PositiveSmallIntegerField(default=1)

    legal_name = models.CharField(_("legal name as printed"), max_length=200, blank=True)
    review_flag = models.BooleanField(
        default=False, help_text=_("Flagged for review after the exam: the result waits for a reviewer.")
    )

    raw_score = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    max_score = models.PositiveIntegerField(null=True, blank=True)
    percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    scaled_score = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    domain_scores = models.JSONField(default=list, blank=True)
    competency_scores = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-booked_at", "-id"]
        constraints = [
            # One open attempt per candidate and program: no double booking, no two live exams.
            models.UniqueConstraint(
                fields=["candidate", "program"],
                condition=Q(status__in=["booked", "checked_in", "in_progress", "paused"]),
                name="one_open_attempt_per_candidate_and_program",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.program.code} attempt {self.public_id}"

    @property
    def allowed_seconds(self) -> int:
        return self.duration_seconds + self.accommodation_seconds + self.extension_seconds

    def compute_deadline(self):
        if self.started_at is None:
            return None
        return self.started_at + timedelta(seconds=self.allowed_seconds + self.paused_seconds)

    def remaining_seconds(self, now=None) -> int:
        """What the candidate's clock shows: frozen while paused, never below zero."""
        if self.started_at is None:
            return self.allowed_seconds
        now = now or timezone.now()
        reference = self.paused_at if self.status == AttemptStatus.PAUSED and self.paused_at else now
        return max(0, int((self.compute_deadline() - reference).total_seconds()))


class AttemptEvent(models.Model):
    """Append-only history of an attempt: every transition with who, when and why."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status or '—'} → {self.to_status or '—'}"


class Response(models.Model):
    """A candidate's answer to one item of their form; the newest client sequence wins."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    form_item = models.ForeignKey(FormItem, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(default=list, help_text=_("Option positions chosen (or, for ordering, in order)."))
    flagged = models.BooleanField(default=False)
    client_seq = models.PositiveBigIntegerField(default=0)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "form_item"], name="one_response_per_attempt_item"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.form_item_id}"
