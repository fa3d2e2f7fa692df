"""What proctoring adds to an attempt: the admission after an identity check, the integrity events
the candidate's browser (or the server) reported, the incidents they grow into, the proctor's
notes, and the review that settles a held result.

Proctor actions that change the attempt itself (pause, extra time, message, move, flag, terminate)
are the attempt's own functions in exams.delivery and are logged there, as AttemptEvent rows.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from exams.models.delivery import Attempt, ExamSession
from exams.models.programs import CertificationProgram


class _PrivateStorage(LazyObject):
    """Identity photos are personal data: kept outside MEDIA_ROOT and served only through a checked view."""

    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


private_storage = _PrivateStorage()


class IdDocument(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    NATIONAL_ID = "national_id", _("National identity card")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    OTHER = "other", _("Other official photo ID")


def _photo_path(instance: "Admission", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"admissions/{instance.attempt_id}/{timezone.now():%Y%m%d%H%M%S}.{extension}"


class Admission(models.Model):
    """The proctor let the candidate start after checking their identity.

    Holds personal data: the name on the identity document, its type, the last four characters of
    its number (never the whole number) and, optionally, a photo taken at the check.
    """

    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="admission")
    admitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    admitted_at = models.DateTimeField(default=timezone.now)
    id_name = models.CharField(_("name on the document"), max_length=200)
    id_document_type = models.CharField(_("document"), max_length=20, choices=IdDocument.choices)
    id_number_last4 = models.CharField(
        _("last four characters of the document number"),
        max_length=4,
        validators=[RegexValidator(r"^[A-Za-z0-9]{4}$", _("Enter exactly four letters or digits."))],
    )
    photo = models.ImageField(_("photo"), storage=private_storage, upload_to=_photo_path, blank=True)
    # Arrival is the check-in when there was one, else the admission itself.
    arrived_at = models.DateTimeField()
    minutes_late = models.PositiveIntegerField(default=0, help_text=_("0 when the candidate arrived on time."))

    def __str__(self) -> str:
        return f"admission of {self.attempt_id}"

    @property
    def late(self) -> bool:
        return self.minutes_late > 0


class IntegrityKind(models.TextChoices):
    LEFT_PAGE = "left_page", _("Left the exam tab or window")
    FULLSCREEN_EXIT = "fullscreen_exit", _("Left full screen")
    COPY_PASTE = "copy_paste", _("Copied, cut or pasted")
    RIGHT_CLICK = "right_click", _("Right-clicked")
    SECOND_SESSION = "second_session", _("Opened the exam in a second browser")
    CONNECTION_LOST = "connection_lost", _("Lost the connection")
    IP_CHANGED = "ip_changed", _("IP address changed")
    USER_AGENT_CHANGED = "user_agent_changed", _("Browser changed")


# What the candidate's browser may report; the rest only the server observes.
BROWSER_KINDS = frozenset(
    {
        IntegrityKind.LEFT_PAGE,
        IntegrityKind.FULLSCREEN_EXIT,
        IntegrityKind.COPY_PASTE,
        IntegrityKind.RIGHT_CLICK,
        IntegrityKind.CONNECTION_LOST,
    }
)

# How many events of a kind open an incident when a program sets nothing else; 0 never does.
DEFAULT_THRESHOLDS: dict[str, int] = {
    IntegrityKind.LEFT_PAGE: 3,
    IntegrityKind.FULLSCREEN_EXIT: 3,
    IntegrityKind.COPY_PASTE: 3,
    IntegrityKind.RIGHT_CLICK: 5,
    IntegrityKind.SECOND_SESSION: 1,
    IntegrityKind.CONNECTION_LOST: 3,
    IntegrityKind.IP_CHANGED: 2,
    IntegrityKind.USER_AGENT_CHANGED: 1,
}


class IntegrityThreshold(models.Model):
    """A program's own count for one kind of event: that many events open an incident (0: never)."""

    program = models.ForeignKey(CertificationProgram, on_delete=models.CASCADE, related_name="integrity_thresholds")
    kind = models.CharField(max_length=24, choices=IntegrityKind.choices)
    threshold = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "kind"], name="one_threshold_per_program_and_kind")]

    def __str__(self) -> str:
        return f"{self.program_id} {self.kind} ≥ {self.threshold}"


class Incident(models.Model):
    """Something in an attempt that needs a proctor's decision: repeated events or an observation.

    Open incidents hold the attempt's result (proctoring.apps registers the release blocker) until a
    proctor decides them or a reviewer settles the attempt.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")  # waits for a decision; holds the result
        DECIDED = "decided", _("Decided")  # a proctor or reviewer decided it; the outcome says how

    class Outcome(models.TextChoices):
        DISMISSED = "dismissed", _("No misconduct")
        WARNED = "warned", _("Candidate warned")
        REFERRED = "referred", _("Referred for review after the exam")
        TERMINATED = "terminated", _("Exam terminated")
        REVIEWED = "reviewed", _("Settled in the review")

    OBSERVATION = "observation"
    KIND_CHOICES = [*IntegrityKind.choices, (OBSERVATION, _("Proctor's observation"))]

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="incidents")
    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=24, choices=KIND_CHOICES)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    summary = models.TextField()
    event_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # empty: opened by a threshold
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            # Repeated events of one kind add to the open incident; two batches racing cannot open two.
            models.UniqueConstraint(
                fields=["attempt", "kind"], condition=Q(status="open"), name="one_open_incident_per_attempt_and_kind"
            ),
            models.CheckConstraint(
                condition=Q(status="open", outcome="") | (Q(status="decided") & ~Q(outcome="")),
                name="incident_outcome_iff_decided",
            ),
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return f"incident {self.pk} ({self.kind}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class IntegrityEvent(models.Model):
    """One thing the candidate's browser reported (or the server noticed) during the exam, as received.

    Holds personal data: the detail of an IP address or browser change names the old and new values.
    """

    class Source(models.TextChoices):
        BROWSER = "browser", _("Candidate's browser")
        SERVER = "server", _("Server")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="integrity_events")
    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="integrity_events")
    kind = models.CharField(max_length=24, choices=IntegrityKind.choices)
    source = models.CharField(max_length=8, choices=Source.choices)
    at = models.DateTimeField(default=timezone.now, help_text=_("When the server received it."))
    client_at = models.DateTimeField(null=True, blank=True, help_text=_("When the browser says it happened."))
    detail = models.JSONField(default=dict, blank=True)
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["attempt", "kind", "at"]),
            models.Index(fields=["session", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%H:%M:%S}"


class AttemptClient(models.Model):
    """The network address and browser an attempt was first seen from, to notice when they change.

    Holds personal data: an IP address and a browser's user-agent string.
    """

    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, primary_key=True, related_name="client")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"client of {self.attempt_id}"


class ProctorNote(models.Model):
    """A proctor's note on an attempt (or on the whole session when attempt is empty), for the record."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="proctor_notes")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, null=True, blank=True, related_name="proctor_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.attempt_id or self.session_id}"


class ReviewDecision(models.Model):
    """A reviewer's ruling on a held attempt after the session: the result stands (released) or is voided.

    One per attempt: two reviewers deciding at once cannot both win.
    """

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld: the result is released")
        VOIDED = "voided", _("Voided: no result, never a certificate")

    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT, related_name="review_decision")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.outcome}"
