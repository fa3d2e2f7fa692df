"""The five roles of certdesk, each a Django auth group of the same name."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CANDIDATE = "Candidate", _("Candidate")
    AUTHOR = "Author", _("Author")
    REVIEWER = "Reviewer", _("Reviewer")
    PROCTOR = "Proctor", _("Proctor")
    PROGRAM_ADMIN = "Program administrator", _("Program administrator")


STAFF_ROLES = [Role.AUTHOR, Role.REVIEWER, Role.PROCTOR, Role.PROGRAM_ADMIN]


def ensure_role_groups() -> None:
    """Creates any missing role group; used by the data migration and by tests that flush."""
    from django.contrib.auth.models import Group

    for role in Role:
        Group.objects.get_or_create(name=role.value)
