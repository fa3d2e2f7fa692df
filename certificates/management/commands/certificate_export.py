"""Everything an outside verifier needs, as files: per certificate its PDF and credential JSON, and
once the issuer's DID document and both current status list credentials."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.did import issuer_did_document
from certificates.models import DELIVERED_STATUSES, Certificate
from certificates.services import status_list_credential
from certificates.status_list import StatusPurpose


class Command(BaseCommand):
    help = "Writes certificates (PDF and credential JSON), the DID document and the status lists to a folder."

    def add_arguments(self, parser):
        parser.add_argument("number", nargs="?", help="A certificate number, e.g. CSS-2026-000123.")
        parser.add_argument("--all", action="store_true", help="Export every certificate that has been issued.")
        parser.add_argument("--out", required=True, help="The folder to write to (created if missing).")

    def handle(self, *args, number: str | None, all: bool, out: str, **options):
        if bool(number) == bool(all):
            raise CommandError("Give one certificate number, or --all.")
        certificates = Certificate.objects.filter(status__in=DELIVERED_STATUSES).exclude(credential_json="")
        if number:
            certificates = certificates.filter(number=number)
            if not certificates.exists():
                raise CommandError(f"No issued certificate numbered {number}.")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for certificate in certificates.order_by("number").iterator():
            (folder / f"{certificate.number}.credential.json").write_text(certificate.credential_json, encoding="utf-8")
            if certificate.pdf:
                with certificate.pdf.open("rb") as source:
                    (folder / f"{certificate.number}.pdf").write_bytes(source.read())
            count += 1
        (folder / "did.json").write_text(json.dumps(issuer_did_document(), indent=2), encoding="utf-8")
        for purpose in StatusPurpose.ALL:
            credential = status_list_credential(purpose)
            (folder / f"status-list-{purpose}.json").write_text(json.dumps(credential, indent=2), encoding="utf-8")
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {count} certificate(s), did.json and both status lists to {folder}.")
        )
