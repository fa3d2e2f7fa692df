"""Writes: the holder's privacy choices (recorded in the certificate's own audit trail) and the
record of failed lookups."""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certificates.models import IN_PROGRESS_STATUSES, Certificate, CertificateEvent
from verification.models import CertificateVisibility, FailedLookup, ShareLink

log = logging.getLogger(__name__)

SHARE_DAYS_CHOICES = (7, 30, 90)
MAX_ACTIVE_SHARE_LINKS = 20
# Failed lookups name addresses and what was typed: kept long enough to see a pattern, no longer.
FAILED_LOOKUP_DAYS = 90


def _holder_only(certificate: Certificate, by: User) -> None:
    if certificate.holder_id != by.pk:
        raise PermissionDenied


def _audit(certificate: Certificate, action: str, *, by: User, detail: dict) -> None:
    CertificateEvent.objects.create(certificate=certificate, action=action, actor=by, detail=detail)


def visibility_set(*, certificate: Certificate, by: User, hidden: bool) -> CertificateVisibility:
    """Hides the certificate from public lookup (the page, the API and the credential download
    answer as if it did not exist) or shows it again. Share links keep working either way."""
    _holder_only(certificate, by)
    with transaction.atomic():
        visibility, _created = CertificateVisibility.objects.select_for_update().get_or_create(
            certificate=certificate, defaults={"changed_by": by, "hidden": False}
        )
        if visibility.hidden == hidden:
            return visibility
        visibility.hidden = hidden
        visibility.changed_by = by
        visibility.changed_at = timezone.now()
        visibility.save(update_fields=["hidden", "changed_by", "changed_at"])
        _audit(certificate, "hide" if hidden else "unhide", by=by, detail={})
    return visibility


def share_link_create(*, certificate: Certificate, by: User, days: int, label: str = "") -> ShareLink:
    _holder_only(certificate, by)
    if days not in SHARE_DAYS_CHOICES:
        raise ValidationError({"days": _("Choose how long the link works: 7, 30 or 90 days.")})
    if certificate.status in IN_PROGRESS_STATUSES:
        raise ValidationError(_("The certificate is still being prepared; share it once it is issued."))
    now = timezone.now()
    with transaction.atomic():
        # The lock on the certificate row keeps two tabs from passing the cap together.
        Certificate.objects.select_for_update().filter(pk=certificate.pk).first()
        active = ShareLink.objects.filter(certificate=certificate, withdrawn_at__isnull=True, expires_at__gt=now)
        if active.count() >= MAX_ACTIVE_SHARE_LINKS:
            raise ValidationError(
                _("You have %(n)s active links for this certificate; withdraw one first.") % {"n": active.count()}
            )
        link = ShareLink.objects.create(
            certificate=certificate,
            label=label.strip()[:100],
            created_by=by,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        _audit(certificate, "share", by=by, detail={"link": link.pk, "days": days, "label": link.label})
    return link


def share_link_withdraw(*, link: ShareLink, by: User) -> ShareLink:
    _holder_only(link.certificate, by)
    with transaction.atomic():
        updated = ShareLink.objects.filter(pk=link.pk, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
        if updated:
            _audit(link.certificate, "share_withdraw", by=by, detail={"link": link.pk, "label": link.label})
    link.refresh_from_db()
    return link


def failed_lookup_record(*, address: str, kind: str, reason: str, identifier: str = "", user_agent: str = "") -> None:
    FailedLookup.objects.create(
        address=address[:64], kind=kind, reason=reason, identifier=identifier[:120], user_agent=user_agent[:200]
    )
    log.info("Failed %s lookup from %s: %s %r", kind, address, reason, identifier[:120])


def failed_lookups_purge(*, now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=FAILED_LOOKUP_DAYS)
    deleted, _rows = FailedLookup.objects.filter(at__lt=cutoff).delete()
    return deleted
