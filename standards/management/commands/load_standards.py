from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from standards.loading import StandardFileError, default_paths, load_standards


class Command(BaseCommand):
    help = "Loads the competency standards from fixtures/standards/ (or the given files). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="Standard files (YAML or JSON).")
        parser.add_argument(
            "--dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures" / "standards",
            help="Folder to read every *.yaml from when no files are given.",
        )

    def handle(self, *args, files, dir, **options):
        paths = files or default_paths(dir)
        if not paths:
            raise CommandError(f"No standard files found in {dir}.")
        try:
            report = load_standards(paths)
        except StandardFileError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {', '.join(report.standards)}: {report.created} created, "
                f"{report.updated} updated, {report.unchanged} unchanged, {report.deleted} removed."
            )
        )
