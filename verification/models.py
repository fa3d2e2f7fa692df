"""What the public may look up, how holders limit it, and the lookups that found nothing.

The certificate itself (status, credential, status lists) belongs to certificates; this app
answers employers' questions about it.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate


def share_token() -> str:
    """192 random bits: a share link cannot be guessed from another, or from the certificate."""
    return secrets.token_urlsafe(24)


class CertificateVisibility(models.Model):
    """The holder's choice to keep a certificate out of public lookup. No row: public (the QR works)."""

    certificate = models.OneToOneField(
        Certificate, on_delete=models.CASCADE, primary_key=True, related_name="visibility"
    )
    hidden = models.BooleanField(_("hidden from public lookup"), default=False)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("certificate visibility")
        verbose_name_plural = _("certificate visibility")

    def __str__(self) -> str:
        return f"{self.certificate_id}: {'hidden' if self.hidden else 'public'}"


class ShareLink(models.Model):
    """A time-limited link the holder gives to one employer; it works even while the certificate is hidden."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=48, unique=True, default=share_token, editable=False)
    label = models.CharField(
        _("for whom"), max_length=100, blank=True, help_text=_("A note for yourself, e.g. the employer's name.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    opened_count = models.PositiveIntegerField(default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="share_link_expires_later")
        ]

    def __str__(self) -> str:
        return f"share link for {self.certificate_id} until {self.expires_at:%Y-%m-%d}"

    def is_active(self, now=None) -> bool:
        return self.withdrawn_at is None and self.expires_at > (now or timezone.now())


class LookupKind(models.TextChoices):
    PAGE = "page", _("Verification page")
    API = "api", _("API")
    CREDENTIAL = "credential", _("Credential download")
    SHARED = "shared", _("Share link")
    PDF = "pdf", _("PDF check")


class LookupFailure(models.TextChoices):
    MALFORMED = "malformed", _("Malformed identifier")  # neither a public identifier nor a certificate number
    UNKNOWN = "unknown", _("Unknown identifier")
    HIDDEN = "hidden", _("Hidden by the holder")
    SURNAME = "surname", _("Surname did not match")
    LINK_EXPIRED = "link-expired", _("Share link expired or withdrawn")
    NOT_GENUINE = "not-genuine", _("PDF not genuine or altered")
    RATE_LIMITED = "rate-limited", _("Rate limit reached")


class FailedLookup(models.Model):
    """A lookup that found nothing (or was refused), kept for abuse review.

    Holds personal data: the client's network address (IPv6 reduced to its /64) and what was
    typed, which may be a name. Purged after FAILED_LOOKUP_DAYS by verification.tasks."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=12, choices=LookupKind.choices)
    reason = models.CharField(max_length=16, choices=LookupFailure.choices)
    identifier = models.CharField(max_length=120, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("failed lookup")
        verbose_name_plural = _("failed lookups")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.address} {self.reason}"
