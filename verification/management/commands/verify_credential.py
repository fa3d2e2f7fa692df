"""Verifies a certificate's credential, or a certificate PDF, from files alone: no network, no database.

Exit status: 0 valid and current, 1 invalid (bad signature, tampered, unknown key or issuer, or
a PDF whose printed details differ from its credential), 2 revoked or suspended, 3 expired.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from certificates.credential import CredentialStatus, credential_verify, issuer_id_of, trusted_issuers
from certificates.did import issuer_did_document
from verification.documents import DocumentError, credential_facts, pdf_contents, printed_mismatches

EXIT_VALID, EXIT_INVALID, EXIT_WITHDRAWN, EXIT_EXPIRED = 0, 1, 2, 3
EXIT_FOR = {
    CredentialStatus.VALID: EXIT_VALID,
    CredentialStatus.INVALID: EXIT_INVALID,
    CredentialStatus.REVOKED: EXIT_WITHDRAWN,
    CredentialStatus.SUSPENDED: EXIT_WITHDRAWN,
    CredentialStatus.EXPIRED: EXIT_EXPIRED,
}


def _read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"Cannot read {what} {path}: {error.strerror}.", returncode=EXIT_INVALID) from error
    except ValueError as error:
        raise CommandError(f"{what.capitalize()} {path} is not JSON: {error}", returncode=EXIT_INVALID) from error
    if not isinstance(data, dict):
        raise CommandError(f"{what.capitalize()} {path} is not a JSON object.", returncode=EXIT_INVALID)
    return data


class Command(BaseCommand):
    help = (
        "Verifies a certificate credential (JSON) or certificate PDF offline: the signature against the issuer's "
        "DID document, that the issuer is trusted, the validity dates, the status lists given, and for a PDF "
        "that the printed details match the attached credential. Exits 0 valid and current, 1 invalid, "
        "2 revoked or suspended, 3 expired."
    )
    requires_system_checks = []  # it reads files only; the deployment's checks are not its business

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A credential JSON file or a certificate PDF.")
        parser.add_argument(
            "--did",
            type=Path,
            help="The issuer's DID document (saved from https://<site>/.well-known/did.json). "
            "Default: this deployment's own, from its configured keys.",
        )
        parser.add_argument(
            "--status-list",
            type=Path,
            action="append",
            default=[],
            dest="status_lists",
            metavar="FILE",
            help="A status list credential (saved from /status-lists/revocation or /status-lists/suspension); "
            "repeat for both. Without them revocation and suspension are not checked.",
        )
        parser.add_argument(
            "--trust",
            action="append",
            default=[],
            metavar="DID",
            help="Also trust this issuer DID (besides this deployment's and CERTDESK_TRUSTED_ISSUERS).",
        )

    def handle(self, *args, file: Path, did: Path | None, status_lists: list[Path], trust: list[str], **options):
        credential, printed = self._load(file)
        did_document = _read_json(did, "DID document") if did else self._own_did_document()
        lists = [_read_json(path, "status list") for path in status_lists]
        try:
            trusted = trusted_issuers() | set(trust)
        except ImproperlyConfigured:
            trusted = set(trust)  # no PUBLIC_URL here: only what the command line names is trusted
        now = datetime.now(UTC)
        check = credential_verify(credential, did_document=did_document, trusted=trusted, status_lists=lists, now=now)
        facts = credential_facts(credential)

        self._say(f"File:        {file} ({'PDF with credential.json attached' if printed is not None else 'JSON'})")
        self._say(f"Certificate: {facts.number or '?'} — {facts.holder_name or '?'} — {credential.get('name', '?')}")
        issuer = issuer_id_of(credential) or "?"
        self._say(f"Issuer:      {issuer} ({'trusted' if issuer in trusted else 'NOT trusted'})")
        if check.verification_method:
            self._say(f"Signed by:   {check.verification_method}")
        self._say(f"Valid:       {credential.get('validFrom', '?')} until {credential.get('validUntil', '(no end)')}")
        status = check.status
        problems = list(check.reasons)
        if status != CredentialStatus.INVALID:
            self._say(f"Status:      {self._statuses(credential, check.statuses_checked)}")
        if printed is not None and status != CredentialStatus.INVALID:
            mismatches = printed_mismatches(
                printed,
                holder_name=facts.holder_name,
                number=facts.number,
                expires_on=facts.expires_on,
                # A reissue keeps the original issue date; a time zone ahead of UTC can print the next day.
                issued_not_after=facts.valid_from + timedelta(days=1) if facts.valid_from else None,
            )
            self._say(f"Printed:     {'matches the credential' if not mismatches else 'DOES NOT match the credential'}")
            if mismatches:
                status = CredentialStatus.INVALID
                problems += mismatches

        for problem in problems:
            self._say(f"  - {problem}")
        verdict = {
            CredentialStatus.VALID: "VALID: genuine and current.",
            CredentialStatus.INVALID: "INVALID: do not rely on this certificate.",
            CredentialStatus.REVOKED: "REVOKED: genuine, but withdrawn.",
            CredentialStatus.SUSPENDED: "SUSPENDED: genuine, but not valid while suspended.",
            CredentialStatus.EXPIRED: "EXPIRED: genuine, but past its expiry.",
        }[status]
        if EXIT_FOR[status]:
            raise CommandError(verdict, returncode=EXIT_FOR[status])
        self.stdout.write(self.style.SUCCESS(f"Result:      {verdict}"))

    def _say(self, line: str) -> None:
        self.stdout.write(line)

    def _load(self, file: Path) -> tuple[dict, str | None]:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.", returncode=EXIT_INVALID) from error
        if data.startswith(b"%PDF-"):
            try:
                contents = pdf_contents(data)
            except DocumentError as error:
                raise CommandError(str(error), returncode=EXIT_INVALID) from error
            return contents.credential, contents.printed
        return _read_json(file, "credential"), None

    def _own_did_document(self) -> dict:
        try:
            return issuer_did_document()
        except ImproperlyConfigured as error:
            raise CommandError(
                f"No --did given and this deployment's DID document cannot be built: {error}", returncode=EXIT_INVALID
            ) from error

    @staticmethod
    def _statuses(credential: dict, checked: list[str]) -> str:
        entries = credential.get("credentialStatus", [])
        entries = entries if isinstance(entries, list) else [entries]
        purposes = [entry.get("statusPurpose", "?") for entry in entries if isinstance(entry, dict)]
        if not purposes:
            return "the credential names no status list"
        unchecked = [purpose for purpose in purposes if purpose not in checked]
        parts = [f"{purpose} checked" for purpose in purposes if purpose in checked]
        if unchecked:
            parts.append(f"{', '.join(unchecked)} NOT checked (give --status-list)")
        return "; ".join(parts)
