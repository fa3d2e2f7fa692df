"""Writes about candidates: registration and email confirmation, profile, accommodations."""

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from candidates.models import AccommodationEvent, AccommodationRequest, CandidateProfile

_CONFIRM_SALT = "certdesk.candidates.email-confirmation"
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def _username_for(email: str) -> str:
    # Candidates sign in with their email; the username only has to be unique and stable.
    base = email.split("@", 1)[0][:100] or "candidate"
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}{n}"
    return username


def confirmation_token(user: User) -> str:
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign(f"{user.pk}:{user.email}")


def candidate_register(
    *, email: str, legal_name: str, time_zone: str, password: str, confirm_url: Callable[[str], str]
) -> User:
    """Creates an inactive candidate and emails a confirmation link; the account works once confirmed."""
    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email exists. Sign in or reset your password.")})
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=_username_for(email), email=email, password=password, is_active=False
            )
            user.set_roles([Role.CANDIDATE])
            CandidateProfile.objects.create(user=user, legal_name=legal_name.strip(), time_zone=time_zone)
            url = confirm_url(confirmation_token(user))
            transaction.on_commit(lambda: _send_confirmation(user, url))
    except IntegrityError:  # two sign-ups with one address at once
        raise ValidationError({"email": _("An account with this email exists.")}) from None
    return user


def _send_confirmation(user: User, url: str) -> None:
    send_mail(
        subject=_("Confirm your certdesk account"),
        message=render_to_string(
            "candidates/email/confirm.txt",
            {"user": user, "url": url, "days": settings.EMAIL_CONFIRMATION_DAYS},
        ),
        from_email=None,
        recipient_list=[user.email],
    )


def candidate_resend_confirmation(*, email: str, confirm_url: Callable[[str], str]) -> None:
    """Sends a new link to an unconfirmed account; says nothing about whether the address exists."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=False, candidate_profile__isnull=False).first()
    if user is not None and user.candidate_profile.email_confirmed_at is None:
        _send_confirmation(user, confirm_url(confirmation_token(user)))


def candidate_confirm_email(*, token: str) -> User:
    """Activates the account the token names; a link works until the email is confirmed."""
    try:
        value = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign(
            token, max_age=settings.EMAIL_CONFIRMATION_DAYS * 24 * 3600
        )
    except signing.SignatureExpired:
        raise ValidationError(_("This confirmation link has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This confirmation link is not valid.")) from None
    pk, _sep, email = value.partition(":")
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=pk, email=email).first()
        if user is None:
            raise ValidationError(_("This confirmation link is not valid."))
        profile = user.candidate_profile
        if profile.email_confirmed_at is None:
            profile.email_confirmed_at = timezone.now()
            profile.save(update_fields=["email_confirmed_at"])
            user.is_active = True
            user.save(update_fields=["is_active"])
    return user


def profile_update(*, user: User, legal_name: str, time_zone: str) -> CandidateProfile:
    profile = user.candidate_profile
    profile.legal_name, profile.time_zone = legal_name.strip(), time_zone
    profile.full_clean(exclude=["user"])
    profile.save(update_fields=["legal_name", "time_zone"])
    return profile


# --- accommodations --------------------------------------------------------------------------


def _check_evidence(evidence) -> None:
    if evidence.size > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": _("The file is larger than 10 MB.")})
    content_type = getattr(evidence, "content_type", "")
    head = evidence.read(5)
    evidence.seek(0)
    looks_like = (
        "application/pdf"
        if head.startswith(b"%PDF")
        else "image/png"
        if head.startswith(b"\x89PNG")
        else "image/jpeg"
        if head.startswith(b"\xff\xd8")
        else ""
    )
    # The browser's word is not enough: the first bytes must agree.
    if content_type not in EVIDENCE_TYPES or looks_like != content_type:
        raise ValidationError({"evidence": _("Upload a PDF, PNG or JPEG document.")})


def accommodation_request(
    *, candidate: User, extra_time_percent: int, other_arrangements: str, reason: str, evidence
) -> AccommodationRequest:
    _check_evidence(evidence)
    if extra_time_percent == 0 and not other_arrangements.strip():
        raise ValidationError({"other_arrangements": _("Ask for extra time or describe another arrangement.")})
    try:
        with transaction.atomic():
            request = AccommodationRequest.objects.create(
                candidate=candidate,
                extra_time_percent=extra_time_percent,
                other_arrangements=other_arrangements.strip(),
                reason=reason.strip(),
                evidence=evidence,
            )
            AccommodationEvent.objects.create(
                request=request, to_status=AccommodationRequest.Status.PENDING, actor=candidate
            )
    except IntegrityError:
        raise ValidationError(_("You already have a request waiting for review.")) from None
    return request


# action: (status it starts from, status it ends in)
ACCOMMODATION_TRANSITIONS = {
    "approve": (AccommodationRequest.Status.PENDING, AccommodationRequest.Status.APPROVED),
    "reject": (AccommodationRequest.Status.PENDING, AccommodationRequest.Status.REJECTED),
    "withdraw": (AccommodationRequest.Status.PENDING, AccommodationRequest.Status.WITHDRAWN),
}


@transaction.atomic
def accommodation_decide(
    *,
    request: AccommodationRequest,
    action: str,
    by: User,
    note: str = "",
    extra_time_percent: int | None = None,
    valid_until: date | None = None,
) -> AccommodationRequest:
    """Approve or reject (a program administrator, never for themselves) or withdraw (the candidate)."""
    request = AccommodationRequest.objects.select_for_update().get(pk=request.pk)
    if action not in ACCOMMODATION_TRANSITIONS:
        raise ValidationError(_("Unknown action."))
    source, target = ACCOMMODATION_TRANSITIONS[action]
    if request.status != source:
        raise ValidationError(_("This request has already been decided."))
    if action == "withdraw":
        if by.pk != request.candidate_id:
            raise PermissionDenied
    else:
        if not by.has_role(Role.PROGRAM_ADMIN) or by.pk == request.candidate_id:
            raise PermissionDenied
        if action == "reject" and not note.strip():
            raise ValidationError({"note": _("Tell the candidate why.")})
        request.decided_by, request.decided_at = by, timezone.now()
        request.decision_note = note.strip()
        if action == "approve":
            if extra_time_percent is not None:
                request.extra_time_percent = extra_time_percent
            request.valid_until = valid_until
    request.status = target
    request.save()
    AccommodationEvent.objects.create(request=request, from_status=source, to_status=target, actor=by, note=note)
    return request


def approved_extra_time_percent(user: User, on: date | None = None) -> int:
    """The extra time a candidate's current approved accommodation grants, for the exam clock."""
    current = [
        r for r in user.accommodation_requests.filter(status=AccommodationRequest.Status.APPROVED) if r.is_current(on)
    ]
    return max((r.extra_time_percent for r in current), default=0)
