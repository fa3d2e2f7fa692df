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
    NavEntry(_("Book an exam"), "candidates:book", roles=(Role.CANDIDATE,)),
    NavEntry(_("Practice exam"), "candidates:exam_practice", roles=(Role.CANDIDATE,)),
    NavEntry(_("My certificates"), "certificates:mine", roles=(Role.CANDIDATE,)),
    NavEntry(_("Question bank"), "exams:bank", roles=(Role.AUTHOR, Role.REVIEWER, Role.PROGRAM_ADMIN)),
    NavEntry(_("Review queue"), "exams:review_queue", roles=(Role.REVIEWER,)),
    NavEntry(_("Import and export"), "exams:interchange", roles=(Role.AUTHOR, Role.PROGRAM_ADMIN)),
    NavEntry(_("Coverage"), "exams:coverage", roles=(Role.AUTHOR, Role.REVIEWER, Role.PROGRAM_ADMIN)),
    NavEntry(_("Programs"), "exams:program_list", roles=(Role.PROGRAM_ADMIN,)),
    NavEntry(_("Exam sessions"), "exams:session_list", roles=(Role.PROGRAM_ADMIN,)),
    NavEntry(_("Proctoring"), "proctoring:session_list", roles=(Role.PROCTOR, Role.PROGRAM_ADMIN)),
    NavEntry(_("Attempt review"), "proctoring:review_queue", roles=(Role.PROCTOR, Role.PROGRAM_ADMIN)),
    NavEntry(_("Certificates"), "certificates:register", roles=(Role.PROGRAM_ADMIN,)),
    NavEntry(_("Accommodations"), "candidates:accommodation_queue", roles=(Role.PROGRAM_ADMIN,)),
    NavEntry(_("Staff and roles"), "accounts:staff", roles=(Role.PROGRAM_ADMIN,)),
    NavEntry(_("Standards"), "standards:list"),
    NavEntry(_("Verify a certificate"), "verification:home"),
    NavEntry(_("Django admin"), "admin:index", superuser_only=True),
]


def entries_for(user, current_path: str = "") -> list[dict]:
    """The entries this user may see. The active one is the entry whose page is the longest
    prefix of the current path, so /bank/items/7/ lights "Question bank" but /bank/review/
    lights only "Review queue"."""
    visible = []
    for entry in ENTRIES:
        if entry.superuser_only and not getattr(user, "is_superuser", False):
            continue
        if entry.roles and not (user.is_authenticated and user.has_role(*entry.roles)):
            continue
        visible.append({"label": entry.label, "url": reverse(entry.url_name), "active": False})
    matches = [e for e in visible if current_path.startswith(e["url"]) and e["url"] != "/"]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return visible
