"""The certificate's life: created with a passing result, signed, rendered, issued; then suspended,
reinstated, revoked, reissued, renewed or expired. The only way to change a certificate.

Each action locks the row, checks the status against TRANSITIONS, saves with update_fields and
appends a CertificateEvent. The pipeline (sign → render → issue) runs in a Celery task that takes
the id and calls certificate_process(); a worker claims the certificate with a conditional UPDATE
and a lease, so two deliveries of the task, or a redelivery after a worker died mid-render, still
make one certificate and one PDF.
"""

import json
import logging
from calendar import monthrange
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certificates.credential import CompetencyCovered, credential_build, credential_sign, holder_email_salt_new
from certificates.did import issuer_did, public_url, verification_method_id
from certificates.keys import issuer_key_ring
from certificates.models import (
    IN_PROGRESS_STATUSES,
    Certificate,
    CertificateEvent,
    CertificateKind,
    CertificateStatus,
    Counter,
    CounterName,
    IssuerProfile,
    StatusList,
    certificate_storage,
)
from certificates.status_list import (
    MIN_BITS,
    StatusPurpose,
    status_bit_get,
    status_bit_set,
    status_bits_new,
    status_list_credential_build,
)
from exams import hooks
from exams.models.delivery import Attempt, AttemptStatus
from exams.models.programs import BlueprintCompetency, CertificationProgram
from standards.models import Competency

log = logging.getLogger(__name__)
S = CertificateStatus

# action: (statuses it may start from, status it ends in)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "sign": (frozenset({S.PENDING}), S.SIGNED),
    "render": (frozenset({S.SIGNED}), S.RENDERED),
    "issue": (frozenset({S.RENDERED}), S.ISSUED),
    "suspend": (frozenset({S.ISSUED}), S.SUSPENDED),
    "reinstate": (frozenset({S.SUSPENDED}), S.ISSUED),
    # Revocation is final and may come at any point, even before the holder has the PDF.
    "revoke": (frozenset({*IN_PROGRESS_STATUSES, S.ISSUED, S.SUSPENDED, S.EXPIRED, S.SUPERSEDED}), S.REVOKED),
    "expire": (frozenset({S.ISSUED, S.SUSPENDED}), S.EXPIRED),
    "supersede": (frozenset({S.ISSUED}), S.SUPERSEDED),
}

EXPIRY_NOTICE_DAYS = (90, 30)


class IllegalTransition(ValidationError):
    """The certificate is not in a status this action starts from."""


class CertificateRenderError(RuntimeError):
    """Signing or rendering failed; the task retries with backoff until the attempt cap."""


def render_max_attempts() -> int:
    return int(getattr(settings, "CERTIFICATE_RENDER_MAX_ATTEMPTS", 5))


def claim_seconds() -> int:
    """How long a worker's claim lasts: longer than the task's hard time limit, so a slow but
    live worker is never overtaken; a dead one's claim lapses after this."""
    return int(getattr(settings, "CERTIFICATE_CLAIM_SECONDS", 180))


# --- helpers ---------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st (or 29 February) falls back to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def counter_next(name: str) -> int:
    """The next value of a named counter (1, 2, 3 …). The UPDATE holds the row lock to commit."""
    Counter.objects.get_or_create(name=name)
    Counter.objects.filter(name=name).update(value=F("value") + 1)
    return Counter.objects.values_list("value", flat=True).get(name=name)


def verification_url(certificate: Certificate) -> str:
    """What the QR code encodes and the credential's id: the public page for this certificate."""
    return f"{public_url()}/verify/{certificate.public_id}"


def status_list_url(purpose: str) -> str:
    return public_url() + reverse("certificates:status_list", args=[purpose])


def _transition(
    certificate: Certificate, action: str, *, by: User | None, reason: str = "", detail=None, **fields
) -> Certificate:
    """Applies one row of the table to a locked certificate. Call inside transaction.atomic()."""
    sources, target = TRANSITIONS[action]
    if certificate.status not in sources:
        raise IllegalTransition(
            _("Cannot %(action)s a certificate that is %(status)s.")
            % {"action": action, "status": certificate.get_status_display().lower()}
        )
    source = certificate.status
    certificate.status = target
    for name, value in fields.items():
        setattr(certificate, name, value)
    certificate.save(update_fields=["status", "updated_at", *fields])
    _log(certificate, action, by=by, reason=reason, detail=detail, from_status=source, to_status=target)
    return certificate


def _log(certificate, action, *, by=None, reason="", detail=None, from_status="", to_status="") -> None:
    CertificateEvent.objects.create(
        certificate=certificate,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=by,
        reason=reason,
        detail=detail or {},
    )


def _locked(certificate: Certificate | int) -> Certificate:
    pk = certificate if isinstance(certificate, int) else certificate.pk
    return Certificate.objects.select_for_update().get(pk=pk)


# --- creation: the receiver of a released result ---------------------------------------------


def _current_certificate(*, holder: User, program: CertificationProgram) -> Certificate | None:
    """The holder's issued certificate of this program not yet replaced: what a new pass renews."""
    return (
        Certificate.objects.filter(holder=holder, program=program, status=S.ISSUED, replaced_by__isnull=True)
        .order_by("-expires_on", "-pk")
        .first()
    )


def renewal_terms(*, program: CertificationProgram, previous: Certificate | None, passed_on: date) -> tuple[str, date]:
    """The program's recertification rule: the kind of certificate a pass earns, and its expiry.

    A pass within the recertification window before the current certificate expires renews it:
    the new validity runs on from the old expiry, so renewing early costs the holder nothing. An
    earlier pass still replaces the current certificate, with validity counted from the pass."""
    if previous is None or previous.expires_on <= passed_on:
        return CertificateKind.AWARD, add_months(passed_on, program.validity_months)
    window_opens = previous.expires_on - timedelta(days=program.recertification_window_days)
    if passed_on >= window_opens:
        return CertificateKind.RENEWAL, add_months(previous.expires_on, program.validity_months)
    return CertificateKind.RENEWAL, add_months(passed_on, program.validity_months)


def _allocate(program: CertificationProgram, issued_on: date) -> tuple[str, int]:
    sequence = counter_next(CounterName.number(program.code, issued_on.year))
    index = counter_next(CounterName.STATUS_INDEX) - 1  # list indexes start at 0
    return f"{program.code}-{issued_on.year}-{sequence:06d}", index


def certificate_create(*, attempt: Attempt, by: User | None = None) -> Certificate | None:
    """The pending certificate for a released passing attempt; None for anything else.

    Runs inside the transaction that releases the result, so the result and its certificate
    commit together. Calling it again for the same attempt returns the certificate it made."""
    if attempt.status != AttemptStatus.RELEASED or attempt.passed is not True:
        return None
    with transaction.atomic():
        existing = Certificate.objects.filter(attempt=attempt).exclude(kind=CertificateKind.REISSUE).first()
        if existing:
            return existing
        program = attempt.program
        released_at = attempt.released_at or timezone.now()
        issued_on = timezone.localdate(released_at)
        previous = _current_certificate(holder=attempt.candidate, program=program)
        kind, expires_on = renewal_terms(program=program, previous=previous, passed_on=issued_on)
        number, index = _allocate(program, issued_on)
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    attempt=attempt,
                    kind=kind,
                    replaces=previous if kind == CertificateKind.RENEWAL else None,
                    holder=attempt.candidate,
                    holder_name=attempt.legal_name or hooks.legal_name_for(attempt.candidate),
                    holder_email_salt=holder_email_salt_new(),
                    program=program,
                    number=number,
                    status_index=index,
                    issued_on=issued_on,
                    expires_on=expires_on,
                    valid_from=released_at,
                    render_max_attempts=render_max_attempts(),
                )
        except IntegrityError:
            # The same release delivered twice at once: the other transaction made it.
            return Certificate.objects.filter(attempt=attempt).exclude(kind=CertificateKind.REISSUE).first()
        _log(
            certificate,
            "create",
            by=by,
            to_status=S.PENDING,
            detail={"attempt": attempt.public_id, "kind": kind, "replaces": previous.number if previous else None},
        )
    return certificate


def certificate_enqueue(certificate: Certificate) -> None:
    """Queues the pipeline once the current transaction commits (the worker must see the row)."""
    from certificates.tasks import certificate_process_task

    certificate_id = certificate.pk
    transaction.on_commit(lambda: certificate_process_task.delay(certificate_id))


# --- the credential --------------------------------------------------------------------------


def program_competencies(program: CertificationProgram) -> list[CompetencyCovered]:
    """What the certification covers: the blueprint's competencies, or the whole standard's."""
    rows = (
        BlueprintCompetency.objects.filter(blueprint__program=program)
        .select_related("competency")
        .order_by("competency__domain__order", "competency__order")
    )
    competencies = [row.competency for row in rows]
    if not competencies:
        competencies = list(Competency.objects.filter(domain__standard=program.standard_id))
    return [CompetencyCovered(competency.code, competency.title) for competency in competencies]


def program_level(program: CertificationProgram) -> str:
    if program.level_id is None:
        return ""
    return _("Level %(number)s — %(name)s") % {"number": program.level.number, "name": program.level.name}


def criteria_narrative(program: CertificationProgram) -> str:
    return _(
        "Passed the %(code)s certification examination (%(items)s items, %(minutes)s minutes) with a score at or "
        "above the cut score of %(cut)s%%, assessed against %(standard)s."
    ) % {
        "code": program.code,
        "items": program.item_count,
        "minutes": program.duration_minutes,
        "cut": f"{program.cut_score_percent.normalize():f}",
        "standard": program.standard.full_name or program.standard.name,
    }


def certificate_credential_unsigned(certificate: Certificate) -> dict:
    profile = IssuerProfile.current()
    base = public_url()
    program = certificate.program
    return credential_build(
        issuer_id=issuer_did(),
        issuer_name=profile.name,
        issuer_url=profile.website or base,
        certificate_url=verification_url(certificate),
        certificate_number=certificate.number,
        holder_name=certificate.holder_name,
        holder_email=certificate.holder.email,
        holder_email_salt=certificate.holder_email_salt,
        program_code=program.code,
        program_name=program.name,
        program_url=f"{base}/programs/{program.code}",
        standard=program.standard.full_name or program.standard.name,
        level=program_level(program),
        competencies=program_competencies(program),
        criteria_narrative=criteria_narrative(program),
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        status_list_index=certificate.status_index,
        revocation_list_url=status_list_url(StatusPurpose.REVOCATION),
        suspension_list_url=status_list_url(StatusPurpose.SUSPENSION),
    )


# --- the pipeline: sign, render, issue --------------------------------------------------------


def certificate_sign(*, certificate: Certificate, by: User | None = None) -> Certificate:
    """Signs the credential and stores it, before any rendering: a retry embeds the same JSON."""
    unsigned = certificate_credential_unsigned(certificate)
    signed = credential_sign(unsigned)
    text = json.dumps(signed, ensure_ascii=False, indent=2)
    with transaction.atomic():
        certificate = _locked(certificate)
        return _transition(
            certificate,
            "sign",
            by=by,
            credential_json=text,
            signed_at=timezone.now(),
            detail={"verification_method": signed["proof"]["verificationMethod"]},
        )


def certificate_render(*, certificate: Certificate, by: User | None = None) -> Certificate:
    """Renders the PDF from the stored credential and stores it under one name per certificate."""
    from certificates.rendering import certificate_pdf

    content = certificate_pdf(certificate)
    name = f"{certificate.public_id}.pdf"
    stored = certificate_storage().save(name, ContentFile(content))
    with transaction.atomic():
        certificate = _locked(certificate)
        return _transition(
            certificate, "render", by=by, pdf=stored, rendered_at=timezone.now(), detail={"bytes": len(content)}
        )


def certificate_issue(*, certificate: Certificate, by: User | None = None) -> Certificate:
    """Hands the certificate to the holder; a renewal supersedes the certificate it renews."""
    with transaction.atomic():
        certificate = _locked(certificate)
        _transition(certificate, "issue", by=by, issued_at=timezone.now(), claimed_until=None)
        previous = certificate.replaces
        if certificate.kind == CertificateKind.RENEWAL and previous and previous.status == S.ISSUED:
            _transition(
                _locked(previous),
                "supersede",
                by=by,
                reason=_("Renewed by %(number)s.") % {"number": certificate.number},
                status_changed_at=timezone.now(),
                detail={"by_certificate": certificate.number},
            )
        certificate_id = certificate.pk
        transaction.on_commit(lambda: certificate_ready_email_send(certificate_id))
    return certificate


def _claim(certificate_id: int) -> bool:
    """Takes the pipeline for one certificate, or finds it taken, done or out of attempts."""
    now = timezone.now()
    claimed = (
        Certificate.objects.filter(pk=certificate_id, status__in=IN_PROGRESS_STATUSES)
        .filter(render_attempts__lt=F("render_max_attempts"))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=claim_seconds()), render_attempts=F("render_attempts") + 1)
    )
    return claimed == 1


def _give_up(certificate_id: int) -> None:
    with transaction.atomic():
        certificate = _locked(certificate_id)
        if not certificate.events.filter(action="give_up").exists():
            _log(
                certificate,
                "give_up",
                reason=_("Stopped after %(n)s attempts.") % {"n": certificate.render_attempts},
                detail={"error": certificate.render_error[-2000:]},
            )
            log.error("Certificate %s: giving up after %s attempts", certificate.number, certificate.render_attempts)


def certificate_process(*, certificate_id: int) -> str:
    """Runs what remains of sign → render → issue; safe to call any number of times, concurrently.

    Returns what happened: "issued", "done" (nothing left to do), "busy" (another worker holds
    the claim), "gave-up" (the attempt cap is reached) or "stopped" (revoked meanwhile)."""
    if not _claim(certificate_id):
        certificate = Certificate.objects.filter(pk=certificate_id).first()
        if certificate is None or certificate.status not in IN_PROGRESS_STATUSES:
            return "done"
        if certificate.render_attempts >= certificate.render_max_attempts:
            _give_up(certificate_id)
            return "gave-up"
        return "busy"
    certificate = Certificate.objects.select_related("program__standard", "program__level", "holder").get(
        pk=certificate_id
    )
    try:
        if certificate.status == S.PENDING:
            certificate = certificate_sign(certificate=certificate)
        if certificate.status == S.SIGNED:
            certificate = certificate_render(certificate=certificate)
        if certificate.status == S.RENDERED:
            certificate_issue(certificate=certificate)
            return "issued"
        return "stopped"
    except IllegalTransition:
        return "stopped"  # revoked while we worked: nothing more to do
    except Exception as error:
        Certificate.objects.filter(pk=certificate_id).update(
            claimed_until=None, render_error=f"{type(error).__name__}: {error}"
        )
        raise CertificateRenderError(f"Certificate {certificate.number}: {error}") from error


# --- emails ----------------------------------------------------------------------------------


def site_url(path: str) -> str:
    return public_url() + path


def _send_once(certificate_id: int, field: str, template: str, subject: str, **extra) -> bool:
    """Sends one email per certificate and kind: the timestamp is claimed before sending."""
    now = timezone.now()
    if not Certificate.objects.filter(pk=certificate_id, **{f"{field}__isnull": True}).update(**{field: now}):
        return False
    certificate = Certificate.objects.select_related("holder", "program").get(pk=certificate_id)
    profile = IssuerProfile.current()
    context = {
        "certificate": certificate,
        "issuer": profile,
        "certificates_url": site_url(reverse("certificates:mine")),
        "verify_url": verification_url(certificate),
        **extra,
    }
    message = EmailMessage(
        subject=subject % {"program": certificate.program.code, "number": certificate.number},
        body=render_to_string(template, context),
        to=[certificate.holder.email],
        reply_to=[profile.contact_email] if profile.contact_email else None,
    )
    try:
        message.send()
    except Exception:
        Certificate.objects.filter(pk=certificate_id).update(**{field: None})  # try again next time
        raise
    return True


def certificate_ready_email_send(certificate_id: int) -> bool:
    return _send_once(
        certificate_id,
        "ready_email_sent_at",
        "certificates/email/ready.txt",
        _("Your %(program)s certificate %(number)s is ready"),
    )


# --- administrators' actions -----------------------------------------------------------------


def _status_list_row(purpose: str) -> StatusList:
    StatusList.objects.get_or_create(purpose=purpose, defaults={"bits": bytes(status_bits_new())})
    return StatusList.objects.select_for_update().get(purpose=purpose)


def _bits_covering(bits: bytes, index: int) -> bytearray:
    """The list grows by whole 16 KB blocks, so its length says little about how many exist."""
    bits = bytearray(bits)
    if index >= len(bits) * 8:
        blocks = index // MIN_BITS + 1
        bits.extend(bytes(blocks * MIN_BITS // 8 - len(bits)))
    return bits


def status_bit_write(*, purpose: str, index: int, value: bool) -> bool:
    """Sets or clears one bit and re-signs the published list at once. Returns whether it changed."""
    with transaction.atomic():
        row = _status_list_row(purpose)
        bits = _bits_covering(row.bits, index)
        if status_bit_get(bits, index) == value:
            return False
        status_bit_set(bits, index, value)
        row.bits = bytes(bits)
        row.version += 1
        row.updated_at = timezone.now()
        row.save(update_fields=["bits", "version", "updated_at"])
        _status_list_sign(row)
    return True


def status_bit_read(*, purpose: str, index: int) -> bool:
    row = StatusList.objects.filter(purpose=purpose).first()
    if row is None or index >= len(row.bits) * 8:
        return False
    return status_bit_get(bytes(row.bits), index)


def _status_list_sign(row: StatusList) -> dict:
    highest = Counter.objects.filter(name=CounterName.STATUS_INDEX).values_list("value", flat=True).first() or 0
    bits = _bits_covering(row.bits, max(highest - 1, 0))
    if len(bits) != len(row.bits):
        row.bits = bytes(bits)
    unsigned = status_list_credential_build(
        list_url=status_list_url(row.purpose),
        issuer_id=issuer_did(),
        purpose=row.purpose,
        bits=bits,
        valid_from=row.updated_at,
    )
    signed = credential_sign(unsigned)
    row.signed_credential = json.dumps(signed)
    row.signed_version = row.version
    row.save(update_fields=["bits", "signed_credential", "signed_version"])
    return signed


def _signed_list_is_current(row: StatusList) -> bool:
    if not row.signed_credential or row.signed_version != row.version:
        return False
    signed = json.loads(row.signed_credential)
    did = issuer_did()
    highest = Counter.objects.filter(name=CounterName.STATUS_INDEX).values_list("value", flat=True).first() or 0
    return (
        signed.get("issuer") == did
        and signed.get("id") == status_list_url(row.purpose)
        and signed.get("proof", {}).get("verificationMethod") == verification_method_id(did, issuer_key_ring().current)
        and highest <= len(row.bits) * 8
    )


def status_list_credential(purpose: str) -> dict:
    """The signed BitstringStatusListCredential for one purpose, re-signed only when it changed
    (a bit, the issuer's URL, a rotated key, or more certificates than the list covers)."""
    if purpose not in StatusPurpose.ALL:
        raise ValueError(f"Unknown status purpose {purpose!r}.")
    row = StatusList.objects.filter(purpose=purpose).first()
    if row is not None and _signed_list_is_current(row):
        return json.loads(row.signed_credential)
    with transaction.atomic():
        row = _status_list_row(purpose)
        if _signed_list_is_current(row):
            return json.loads(row.signed_credential)
        return _status_list_sign(row)


def _required_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    return reason.strip()


def certificate_suspend(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    reason = _required_reason(reason)
    with transaction.atomic():
        certificate = _transition(
            _locked(certificate),
            "suspend",
            by=by,
            reason=reason,
            status_reason=reason,
            status_changed_at=timezone.now(),
        )
        status_bit_write(purpose=StatusPurpose.SUSPENSION, index=certificate.status_index, value=True)
    return certificate


def certificate_reinstate(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    reason = _required_reason(reason)
    with transaction.atomic():
        certificate = _transition(
            _locked(certificate), "reinstate", by=by, reason=reason, status_reason="", status_changed_at=timezone.now()
        )
        status_bit_write(purpose=StatusPurpose.SUSPENSION, index=certificate.status_index, value=False)
    return certificate


def certificate_revoke(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    reason = _required_reason(reason)
    with transaction.atomic():
        certificate = _transition(
            _locked(certificate),
            "revoke",
            by=by,
            reason=reason,
            status_reason=reason,
            status_changed_at=timezone.now(),
            claimed_until=None,
        )
        status_bit_write(purpose=StatusPurpose.REVOCATION, index=certificate.status_index, value=True)
        # Revoked outranks suspended; one bit set says it plainly to any verifier.
        status_bit_write(purpose=StatusPurpose.SUSPENSION, index=certificate.status_index, value=False)
    return certificate


def certificate_reissue(*, certificate: Certificate, by: User, holder_name: str, reason: str) -> Certificate:
    """A new certificate with corrected details (a name change) for the same certification.

    The old one is superseded at once and its revocation bit set, so the document with the old
    name stops verifying; the new one keeps the certification's issue and expiry dates and goes
    through the pipeline like any other."""
    reason = _required_reason(reason)
    holder_name = holder_name.strip()
    if not holder_name:
        raise ValidationError({"holder_name": _("Give the name as it should be printed.")})
    with transaction.atomic():
        old = _locked(certificate)
        if old.status != S.ISSUED:
            raise IllegalTransition(_("Only an issued certificate can be reissued."))
        if holder_name == old.holder_name:
            raise ValidationError({"holder_name": _("This is the name already printed.")})
        now = timezone.now()
        number, index = _allocate(old.program, timezone.localdate(now))
        new = Certificate.objects.create(
            attempt=old.attempt,
            kind=CertificateKind.REISSUE,
            replaces=old,
            holder=old.holder,
            holder_name=holder_name,
            holder_email_salt=holder_email_salt_new(),
            program=old.program,
            number=number,
            status_index=index,
            issued_on=old.issued_on,
            expires_on=old.expires_on,
            valid_from=now,
            render_max_attempts=render_max_attempts(),
        )
        _log(
            new, "create", by=by, reason=reason, to_status=S.PENDING, detail={"kind": "reissue", "replaces": old.number}
        )
        _transition(
            old,
            "supersede",
            by=by,
            reason=reason,
            status_reason=reason,
            status_changed_at=now,
            detail={"by_certificate": new.number, "old_name": old.holder_name, "new_name": holder_name},
        )
        status_bit_write(purpose=StatusPurpose.REVOCATION, index=old.status_index, value=True)
        certificate_enqueue(new)
    return new


def certificate_retry(*, certificate: Certificate, by: User, reason: str = "") -> Certificate:
    """Gives a stuck certificate a fresh set of attempts and queues it again."""
    with transaction.atomic():
        certificate = _locked(certificate)
        if certificate.status not in IN_PROGRESS_STATUSES:
            raise IllegalTransition(_("Only a certificate still being produced can be retried."))
        certificate.render_max_attempts = certificate.render_attempts + render_max_attempts()
        certificate.claimed_until = None
        certificate.save(update_fields=["render_max_attempts", "claimed_until", "updated_at"])
        _log(certificate, "retry", by=by, reason=reason, detail={"attempts_so_far": certificate.render_attempts})
        certificate_enqueue(certificate)
    return certificate


# --- the daily sweep: expiry, notices, stuck work ---------------------------------------------


def certificates_expire(*, today: date | None = None) -> int:
    """Marks certificates whose expiry date has come as expired. Returns how many."""
    today = today or timezone.localdate()
    count = 0
    for pk in Certificate.objects.filter(status__in=[S.ISSUED, S.SUSPENDED], expires_on__lte=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            certificate = _locked(pk)
            if certificate.status in TRANSITIONS["expire"][0] and certificate.expires_on <= today:
                _transition(
                    certificate, "expire", by=None, reason="the expiry date passed", status_changed_at=timezone.now()
                )
                count += 1
    return count


def expiry_notices_send(*, today: date | None = None) -> dict[int, int]:
    """Emails holders 90 and 30 days before expiry, once each; a certificate already inside 30
    days gets only the 30-day notice. Renewed certificates get none."""
    today = today or timezone.localdate()
    sent = {days: 0 for days in EXPIRY_NOTICE_DAYS}
    current = Certificate.objects.filter(status=S.ISSUED, expires_on__gt=today)
    for days in sorted(EXPIRY_NOTICE_DAYS):  # 30 first, so a late one is not told "90 days"
        field = f"expiry_notice_{days}_sent_at"
        due = current.filter(expires_on__lte=today + timedelta(days=days), **{f"{field}__isnull": True})
        for pk in due.order_by("pk").values_list("pk", flat=True):
            if days != max(EXPIRY_NOTICE_DAYS):
                # Inside the last window the earlier notice is moot: never send it afterwards.
                Certificate.objects.filter(pk=pk, expiry_notice_90_sent_at__isnull=True).update(
                    expiry_notice_90_sent_at=timezone.now()
                )
            certificate = Certificate.objects.select_related("program").get(pk=pk)
            if _send_once(
                pk,
                field,
                "certificates/email/expiry_notice.txt",
                _("Your %(program)s certificate %(number)s expires soon"),
                days_left=(certificate.expires_on - today).days,
                window_days=certificate.program.recertification_window_days,
            ):
                sent[days] += 1
    return sent


def certificates_requeue_stuck(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Queues again certificates whose task was lost (a broker restart): claims lapsed, not done."""
    cutoff = timezone.now() - older_than
    stuck = Certificate.objects.filter(
        status__in=IN_PROGRESS_STATUSES,
        created_at__lt=cutoff,
        render_attempts__lt=F("render_max_attempts"),
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now()))
    from certificates.tasks import certificate_process_task

    count = 0
    for pk in stuck.values_list("pk", flat=True):
        certificate_process_task.delay(pk)
        count += 1
    return count
