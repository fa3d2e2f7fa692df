from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.interchange.export import FORMATS, bank_export


class Command(BaseCommand):
    help = (
        "Exports every current, non-retired item version with its status and tags: qti3 (a QTI 3.0 content "
        "package, zip), moodle (Moodle XML), gift (single, multiple and true/false; ordering is left out) or csv."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="export_format")
        parser.add_argument("--out", required=True, help="The file to write.")

    def handle(self, *args, export_format: str, out: str, **options):
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"No folder {target.parent} to write {target.name} in.")
        export = bank_export(format=export_format)
        for warning in export.warnings:
            self.stdout.write(f"warning: {warning}")
        target.write_bytes(export.data)
        self.stdout.write(self.style.SUCCESS(f"Exported {export.count} item(s) as {export_format} to {target}."))
