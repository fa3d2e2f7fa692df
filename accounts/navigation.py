"""The menu each role sees. Entries name URL patterns; each app's pages are added here."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: tuple[Role, ...] = ()  # empty: everyone, signed in or not
    superuser_only: bool = False


ENTRIES = [
    NavEntry(_("My exams"), "candidates:dashboard", roles=(Role.CANDIDATE,)),
    NavEntry(_("Standards"), "standards:list"),
    NavEntry(_("Accommodations"), "candidates:accommodation_queue", roles=(Role.PROGRAM_ADMIN,)),
    NavEntry(_("Staff and roles"), "accounts:staff", roles=(Role.PROGRAM_ADMIN,)),
    NavEntry(_("Django admin"), "admin:index", superuser_only=True),
]


def entries_for(user, current_view: str = "") -> list[dict]:
    """The entries this user may see; an entry is active on any page of its own section."""
    current_section = current_view.rpartition(":")[0]
    visible = []
    for entry in ENTRIES:
        if entry.superuser_only and not getattr(user, "is_superuser", False):
            continue
        if entry.roles and not (user.is_authenticated and user.has_role(*entry.roles)):
            continue
        section = entry.url_name.rpartition(":")[0]
        active = current_view == entry.url_name or (section and section == current_section)
        visible.append({"label": entry.label, "url": reverse(entry.url_name), "active": bool(active)})
    return visible
