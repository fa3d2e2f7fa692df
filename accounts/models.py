import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class User(AbstractUser):
    """A person who signs in. Holds personal data: name and email."""

    email = models.EmailField(_("email address"), unique=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @cached_property
    def role_names(self) -> frozenset[str]:
        names = frozenset(self.groups.values_list("name", flat=True))
        # A superuser runs the installation, so it can do what a program administrator can.
        if self.is_superuser:
            names |= {Role.PROGRAM_ADMIN.value}
        return names

    def has_role(self, *roles: Role | str) -> bool:
        return any(str(role) in self.role_names for role in roles)

    def set_roles(self, roles: list[Role | str]) -> None:
        # get_or_create: a database flushed between tests (or restored without data) has no groups yet.
        self.groups.set([Group.objects.get_or_create(name=str(Role(r)))[0] for r in roles])
        self.__dict__.pop("role_names", None)


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry():
    return timezone.now() + timedelta(days=settings.STAFF_INVITATION_DAYS)


class Invitation(models.Model):
    """An emailed offer of a staff account with given roles. Holds personal data: name and email."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    email = models.EmailField(_("email address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    roles = models.ManyToManyField(Group, verbose_name=_("roles"))
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation_accepted",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address: a second one would race the first on acceptance.
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_status_display()})"

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()


class AccountEvent(models.Model):
    """Append-only record of who changed whose access, and when."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("Invited")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        ROLES_CHANGED = "roles_changed", _("Roles changed")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="account_events"
    )
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, null=True, related_name="events")
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
