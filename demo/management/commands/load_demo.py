from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.bank import demo_bank_load
from demo.certificates import demo_certificate_create
from demo.programs import demo_programs_create
from demo.sessions import LIVE_SUMMARY, demo_sessions_create
from demo.users import DEMO_PASSWORD, demo_users_create


class Command(BaseCommand):
    help = (
        "Creates the demo users (one per role), the demo question bank, the five programs, a certified "
        "candidate, and exam sessions (upcoming ones to book and one under way today). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (demo accounts have a published password).",
        )

    def handle(self, *args, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "DEBUG is off: demo accounts share a published password. Use --allow-production to insist."
            )
        people = demo_users_create()
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {DEMO_PASSWORD}):"))
        for person, user, created in people:
            roles = ", ".join(str(role.label) for role in person.roles)
            new = " (new)" if created else ""
            self.stdout.write(f"  {person.username:<11} {user.get_full_name():<16} {roles}{new}")

        users = {person.username: user for person, user, _created in people}
        created = demo_bank_load(authors=[users["author"], users["author2"]], reviewer=users["reviewer"])
        self.stdout.write(self.style.SUCCESS(f"Demo question bank: {created} items added."))
        programs = demo_programs_create(by=users["admin"])
        self.stdout.write(self.style.SUCCESS(f"Demo certification programs: {programs} added."))
        certificate = demo_certificate_create(candidate=users["candidate"], admin=users["admin"])
        if certificate:
            self.stdout.write(
                self.style.SUCCESS(f"Demo certificate: {certificate.number} for {certificate.holder_name}.")
            )
        sessions = demo_sessions_create(admin=users["admin"], proctor=users["proctor"], candidate2=users["candidate2"])
        self.stdout.write(
            self.style.SUCCESS(f"Demo exam sessions: {sessions} added{LIVE_SUMMARY if sessions else '.'}")
        )
