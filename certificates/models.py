"""Certificates as issued, their audit trail, the published status lists and the issuer's profile.

A Certificate moves through one status table (certificates.services.TRANSITIONS): pending (the
row exists, nothing signed yet) → signed (the credential JSON is stored) → rendered (the PDF is
stored) → issued; later suspended, revoked, expired or superseded. Every change appends a
CertificateEvent.
"""

import json
import secrets
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from exams.models.delivery import Attempt
from exams.models.programs import CertificationProgram


def public_token() -> str:
    """128 random bits, URL-safe: the identifier in the QR code cannot be guessed or enumerated."""
    return secrets.token_urlsafe(16)


class _CertificateFileStorage(FileSystemStorage):
    """PDFs name their holder: kept outside MEDIA_ROOT and served only through a checked view.

    The location is read from settings on every use, so tests (and a worker started with another
    PRIVATE_MEDIA_ROOT) write where they are told. A retry overwrites the same name: one PDF per
    certificate, never a "_x7Gq2.pdf" sibling left by a worker killed mid-write."""

    def __init__(self):
        super().__init__(base_url=None, allow_overwrite=True)

    @property
    def base_location(self):
        return Path(settings.PRIVATE_MEDIA_ROOT) / "certificates"

    @property
    def location(self):
        return str(self.base_location.resolve())


@cache
def _private_certificate_storage() -> _CertificateFileStorage:
    return _CertificateFileStorage()


def certificate_storage():
    """STORAGES["certificates"] when a deployment configures one (e.g. S3), else the private folder."""
    if "certificates" in settings.STORAGES:
        return storages["certificates"]
    return _private_certificate_storage()


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # created with the released result; nothing signed yet
    SIGNED = "signed", _("Signed")  # the credential is signed and stored; the PDF is not made yet
    RENDERED = "rendered", _("Rendered")  # the PDF is stored; the holder is not told yet
    ISSUED = "issued", _("Issued")  # current: the holder has it and it verifies as valid
    SUSPENDED = "suspended", _("Suspended")  # temporarily not valid (an investigation); may be reinstated
    REVOKED = "revoked", _("Revoked")  # withdrawn for good, with a reason kept private
    EXPIRED = "expired", _("Expired")  # past its expiry date without renewal
    SUPERSEDED = "superseded", _("Superseded")  # replaced by a reissue (name change) or a renewal


IN_PROGRESS_STATUSES = [CertificateStatus.PENDING, CertificateStatus.SIGNED, CertificateStatus.RENDERED]
# Statuses under which the holder has a document they can download and show.
DELIVERED_STATUSES = [
    CertificateStatus.ISSUED,
    CertificateStatus.SUSPENDED,
    CertificateStatus.REVOKED,
    CertificateStatus.EXPIRED,
    CertificateStatus.SUPERSEDED,
]


class CertificateKind(models.TextChoices):
    AWARD = "award", _("Award")  # the first certificate for a passed exam
    RENEWAL = "renewal", _("Renewal")  # a pass that renews a current certificate of the same program
    REISSUE = "reissue", _("Reissue")  # the same certification with corrected details (a name change)


class Certificate(models.Model):
    """Holds personal data: the holder's legal name as printed and, in the signed credential, a
    salted hash of their email address."""

    public_id = models.CharField(max_length=32, unique=True, default=public_token, editable=False)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    status_index = models.PositiveIntegerField(
        _("status list index"),
        unique=True,
        help_text=_("This certificate's bit in the revocation and suspension lists."),
    )
    kind = models.CharField(max_length=8, choices=CertificateKind.choices, default=CertificateKind.AWARD)
    # The exam that earned it. A reissue points at the same attempt, which is why uniqueness is a
    # conditional constraint below rather than a OneToOneField.
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="certificates")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    holder_name = models.CharField(_("holder's name as printed"), max_length=200)
    holder_email_salt = models.CharField(max_length=64, blank=True)
    program = models.ForeignKey(CertificationProgram, on_delete=models.PROTECT, related_name="certificates")
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text=_("The certificate this one supersedes (a renewal or a reissue)."),
    )

    status = models.CharField(max_length=12, choices=CertificateStatus.choices, default=CertificateStatus.PENDING)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    valid_from = models.DateTimeField(help_text=_("The credential's validFrom: when the result was released."))
    status_reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why it was suspended or revoked. Never shown to the public.")
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    # The signed credential, exactly as signed: stored before rendering so a retry embeds the same bytes.
    credential_json = models.TextField(blank=True)
    pdf = models.FileField(storage=certificate_storage, upload_to="", blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    render_max_attempts = models.PositiveSmallIntegerField(default=5)
    render_error = models.TextField(blank=True)
    # A worker's claim on the pipeline; a crashed worker's claim lapses and another takes over.
    claimed_until = models.DateTimeField(null=True, blank=True)

    ready_email_sent_at = models.DateTimeField(null=True, blank=True)
    expiry_notice_90_sent_at = models.DateTimeField(null=True, blank=True)
    expiry_notice_30_sent_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            # One certificate per passed exam, however often the release or the task runs.
            models.UniqueConstraint(
                fields=["attempt"], condition=~Q(kind="reissue"), name="one_certificate_per_attempt"
            ),
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")), name="certificate_expires_after"),
            models.CheckConstraint(
                condition=~Q(status="revoked") | ~Q(status_reason=""), name="certificate_revocation_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_on"]),
            models.Index(fields=["holder", "status"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def credential(self) -> dict | None:
        return json.loads(self.credential_json) if self.credential_json else None

    @property
    def valid_until(self) -> datetime:
        """The credential's validUntil: the first moment of the expiry date, in UTC."""
        return datetime.combine(self.expires_on, time(0, 0), tzinfo=UTC)

    @property
    def is_delivered(self) -> bool:
        return self.status in DELIVERED_STATUSES and bool(self.pdf)

    @property
    def is_current(self) -> bool:
        return self.status == CertificateStatus.ISSUED and self.expires_on > timezone.localdate()

    @cached_property
    def pdf_filename(self) -> str:
        return f"certificate-{self.number}.pdf"


class CertificateEvent(models.Model):
    """Append-only history of a certificate: every transition with who, when, from, to and why."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status or '—'} → {self.to_status or '—'}"


class CounterName:
    STATUS_INDEX = "status-index"

    @staticmethod
    def number(program_code: str, year: int) -> str:
        return f"number:{program_code}:{year}"


class Counter(models.Model):
    """Gap-free sequences (certificate numbers per program and year, status list indexes).

    Incremented with a single UPDATE, which holds the row lock until the transaction commits:
    two releases at the same moment get consecutive values, never the same one."""

    name = models.CharField(max_length=80, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"


class StatusList(models.Model):
    """One W3C Bitstring Status List per purpose; the signed credential is kept for serving."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Revocation")
        SUSPENSION = "suspension", _("Suspension")

    purpose = models.CharField(max_length=12, choices=Purpose.choices, unique=True)
    bits = models.BinaryField()
    version = models.PositiveIntegerField(default=0)
    signed_credential = models.TextField(blank=True)
    signed_version = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.purpose} list v{self.version}"


class IssuerProfile(models.Model):
    """The certification body as certificates, credentials, the DID document and emails name it.

    A single row (pk=1), edited by program administrators."""

    name = models.CharField(_("name of the certification body"), max_length=200, default="certdesk Certification Body")
    website = models.URLField(
        _("public website"),
        blank=True,
        help_text=_("The body's own site, named as the issuer's address. Empty: this site's public URL."),
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to="issuer/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"])],
        help_text=_("PNG or JPEG, printed at the top of every certificate."),
    )
    signature = models.ImageField(
        _("signature image"),
        upload_to="issuer/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"])],
        help_text=_("A scan of the signatory's signature, ideally a PNG with a transparent background."),
    )
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    accreditation_statement = models.TextField(
        _("accreditation statement"),
        blank=True,
        help_text=_("Printed at the foot of each certificate, e.g. the accreditation body and scheme."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("issuer profile")
        verbose_name_plural = _("issuer profile")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="issuer_profile_singleton")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "IssuerProfile":
        profile, _created = cls.objects.get_or_create(pk=1)
        return profile
