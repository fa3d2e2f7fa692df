from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import system_user
from exams.interchange.detect import plan_from_file
from exams.interchange.plan import ImportRefused, import_plan_apply
from exams.interchange.safety import UnsafeFile


class Command(BaseCommand):
    help = (
        "Imports questions into the bank from a QTI package (.zip) or item (QTI 2.x or 3.0), Moodle XML or "
        "GIFT; the format is read from the file. All or nothing: any item with errors, or unsupported items "
        "without --skip-unsupported, stops the import with nothing saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--dry-run", action="store_true", help="Check everything and save nothing.")
        parser.add_argument(
            "--skip-unsupported",
            action="store_true",
            help="Import the rest when the file holds item types certdesk does not support.",
        )
        parser.add_argument("--author", help="Username credited with the imported items (default: the system user).")

    def handle(self, *args, path: str, dry_run: bool, skip_unsupported: bool, author: str | None, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No file at {path}.")
        if author:
            by = User.objects.filter(username=author).first()
            if by is None:
                raise CommandError(f"No user named {author!r}.")
        else:
            by = system_user()
        try:
            plan = plan_from_file(source.read_bytes(), filename=source.name)
        except UnsafeFile as error:
            raise CommandError(f"Refused {source.name}: {error}") from error

        self.stdout.write(f"{source.name}: {plan.format}, {len(plan.items)} item(s).")
        for warning in plan.warnings:
            self.stdout.write(f"warning: {warning}")
        for item in plan.items:
            for warning in item.warnings:
                self.stdout.write(f"warning: {item.name} ({item.where}): {warning}")
        for item in plan.unsupported:
            self.stdout.write(f"unsupported: {item.name} ({item.source_type}) at {item.where}")
        for item in plan.with_errors:
            self.stderr.write(f"error: {item.name} ({item.where}): {' '.join(item.errors)}")
        for error in plan.errors:
            self.stderr.write(f"error: {error}")
        if not plan.items or (not plan.to_import and not plan.refusal(skip_unsupported=skip_unsupported)):
            self.stdout.write(self.style.SUCCESS(f"Nothing to import in {source.name}."))
            return
        try:
            result = import_plan_apply(plan, author=by, skip_unsupported=skip_unsupported, dry_run=dry_run)
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        statuses = Counter(i.landing_status for i in plan.to_import)
        landing = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        skipped = []
        if result.skipped_unsupported:
            skipped.append(f"{result.skipped_unsupported} unsupported skipped")
        if result.skipped_duplicates:
            skipped.append(f"{result.skipped_duplicates} already in the bank")
        tail = f"; {', '.join(skipped)}" if skipped else ""
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {len(result.created)} item(s) would be imported ({landing}){tail}. Nothing saved."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {len(result.created)} item(s) ({landing}) as {by.username}{tail}.")
            )
