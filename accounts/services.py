"""Writes about accounts: invitations and role changes, each atomic and audited."""

from collections.abc import Callable, Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.models import AccountEvent, Invitation, User
from accounts.roles import Role


def invitation_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[Role | str],
    invited_by: User,
    accept_url: Callable[[Invitation], str],
) -> Invitation:
    """Invites a person to a staff account; the email leaves once the row is committed."""
    email = User.objects.normalize_email(email).strip()
    role_names = [str(r) for r in roles]
    if not role_names:
        raise ValidationError({"roles": _("Choose at least one role.")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this email already exists: change their roles instead.")})
    with transaction.atomic():
        # An earlier pending invitation to the same address is replaced, not duplicated.
        for old in Invitation.objects.select_for_update().filter(email__iexact=email, status=Invitation.Status.PENDING):
            _revoke(old, by=invited_by, reason="replaced by a new invitation")
        invitation = Invitation.objects.create(
            email=email, first_name=first_name, last_name=last_name, invited_by=invited_by
        )
        invitation.roles.set(Group.objects.filter(name__in=role_names))
        AccountEvent.objects.create(
            kind=AccountEvent.Kind.INVITED,
            actor=invited_by,
            invitation=invitation,
            detail={"email": email, "roles": sorted(role_names)},
        )
        url = accept_url(invitation)
        transaction.on_commit(lambda: _send_invitation(invitation, url))
    return invitation


def _send_invitation(invitation: Invitation, url: str) -> None:
    context = {"invitation": invitation, "url": url, "roles": invitation.roles.all()}
    send_mail(
        subject=_("You are invited to certdesk"),
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_accept(*, invitation: Invitation, username: str, password: str) -> User:
    """Creates the invited user with the invited roles; an invitation works once."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_usable:
            raise ValidationError(_("This invitation is no longer valid."))
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This username is taken.")})
        user = User.objects.create_user(
            username=username,
            email=invitation.email,
            password=password,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        user.groups.set(invitation.roles.all())
        invitation.status = Invitation.Status.ACCEPTED
        invitation.accepted_user = user
        invitation.save(update_fields=["status", "accepted_user"])
        AccountEvent.objects.create(
            kind=AccountEvent.Kind.INVITATION_ACCEPTED,
            actor=user,
            subject_user=user,
            invitation=invitation,
            detail={"roles": sorted(g.name for g in invitation.roles.all())},
        )
    return user


def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            raise ValidationError(_("Only a pending invitation can be revoked."))
        _revoke(invitation, by=by, reason="revoked")


def _revoke(invitation: Invitation, *, by: User, reason: str) -> None:
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    AccountEvent.objects.create(
        kind=AccountEvent.Kind.INVITATION_REVOKED,
        actor=by,
        invitation=invitation,
        detail={"reason": reason},
    )


def user_set_roles(*, user: User, roles: Iterable[Role | str], by: User) -> None:
    """Replaces a user's roles. An administrator cannot remove their own administrator role,
    so an installation is never left without one by accident."""
    wanted = {str(r) for r in roles}
    if user.pk == by.pk and Role.PROGRAM_ADMIN.value not in wanted and not user.is_superuser:
        raise ValidationError({"roles": _("You cannot remove your own Program administrator role.")})
    with transaction.atomic():
        before = set(user.groups.values_list("name", flat=True))
        if before == wanted:
            return
        user.set_roles(sorted(wanted))
        AccountEvent.objects.create(
            kind=AccountEvent.Kind.ROLES_CHANGED,
            actor=by,
            subject_user=user,
            detail={"added": sorted(wanted - before), "removed": sorted(before - wanted)},
        )


SYSTEM_USERNAME = "certdesk-system"


def system_user() -> User:
    """The actor for work no person did (imports without --author, scheduled jobs). Cannot sign in."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "email": "system@certdesk.invalid",
            "first_name": "certdesk",
            "last_name": "system",
            "is_active": False,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
