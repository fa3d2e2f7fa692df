"""The demo cast: one person per role, with a password printed by load_demo."""

from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from candidates.models import CandidateProfile

DEMO_PASSWORD = "certdesk-demo-2026"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    roles: tuple[Role, ...]
    superuser: bool = False
    time_zone: str = "Europe/London"

    @property
    def email(self) -> str:
        return f"{self.username}@demo.certdesk.example"


CAST = [
    DemoPerson("admin", "Amara", "Okafor", (Role.PROGRAM_ADMIN,), superuser=True),
    DemoPerson("author", "Lena", "Fischer", (Role.AUTHOR,)),
    DemoPerson("author2", "Marcus", "Webb", (Role.AUTHOR,)),
    DemoPerson("reviewer", "Ravi", "Menon", (Role.REVIEWER,)),
    DemoPerson("proctor", "Tomás", "Alvarez", (Role.PROCTOR,)),
    DemoPerson("candidate", "Sofia", "Marin", (Role.CANDIDATE,), time_zone="Europe/Madrid"),
    DemoPerson("candidate2", "Jonah", "Price", (Role.CANDIDATE,), time_zone="America/Chicago"),
]


def demo_users_create(cast: list[DemoPerson] = CAST) -> list[tuple[DemoPerson, User, bool]]:
    """Creates the cast (or the people given) or puts them back as they were: same names, roles and password."""
    result = []
    for person in cast:
        user, created = User.objects.get_or_create(
            username=person.username,
            defaults={"email": person.email, "first_name": person.first_name, "last_name": person.last_name},
        )
        user.email, user.first_name, user.last_name = person.email, person.first_name, person.last_name
        user.is_superuser = user.is_staff = person.superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.set_roles(list(person.roles))
        if Role.CANDIDATE in person.roles:
            CandidateProfile.objects.update_or_create(
                user=user,
                defaults={
                    "legal_name": f"{person.first_name} {person.last_name}",
                    "time_zone": person.time_zone,
                    "email_confirmed_at": timezone.now(),
                },
            )
        result.append((person, user, created))
    return result
