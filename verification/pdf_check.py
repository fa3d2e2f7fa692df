"""The upload check: is this certificate PDF one we issued, unaltered, and still current?

Three questions, each able to fail alone: the attached credential's signature verifies against
our DID document (and the status lists say it is not revoked or suspended); the credential is
the one in our register; the page prints what the credential says.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from certificates.credential import CredentialStatus, credential_verify
from certificates.services import status_list_credential
from certificates.status_list import StatusPurpose
from verification.documents import DocumentError, credential_facts, pdf_contents, printed_mismatches
from verification.lookup import (
    PUBLIC_ID,
    Disclosure,
    PublicFacts,
    PublicStatus,
    RegisterEntry,
    facts_for,
    register_entry,
)


class Verdict:
    GENUINE = "genuine"  # signed by us, in the register, printed as signed
    MISMATCH = "mismatch"  # the credential is genuine but the page says something else
    NOT_GENUINE = "not-genuine"  # the signature fails, or the credential is not in our register
    UNREADABLE = "unreadable"  # not a PDF, or no credential inside


# A worse status wins when the register and the published lists disagree (they should not).
_SEVERITY = [PublicStatus.VALID, PublicStatus.EXPIRED, PublicStatus.SUSPENDED, PublicStatus.REVOKED]


@dataclass
class PdfCheck:
    verdict: str
    reasons: list[str] = field(default_factory=list)
    status: str = ""  # a PublicStatus once the document is known to be genuine
    facts: PublicFacts | None = None
    number: str = ""  # the credential's certificate number, when one could be read

    @property
    def current(self) -> bool:
        return self.verdict == Verdict.GENUINE and self.status == PublicStatus.VALID


def _register_entry(credential: dict) -> RegisterEntry | None:
    """The register's certificate for this credential: its id is the verification URL, which
    ends in the public identifier; the stored credential must be this very one. A hidden
    certificate counts: whoever holds the PDF holds everything the register would say."""
    identifier = urlsplit(str(credential.get("id", ""))).path.rstrip("/").rsplit("/", 1)[-1]
    if not PUBLIC_ID.fullmatch(identifier):
        return None
    entry = register_entry(field="public_id", value=identifier)
    if entry is None or entry.credential != credential:
        return None
    return entry


def pdf_check(data: bytes, *, today: date | None = None) -> PdfCheck:
    try:
        contents = pdf_contents(data)
    except DocumentError as error:
        return PdfCheck(verdict=Verdict.UNREADABLE, reasons=[str(error)])
    number = credential_facts(contents.credential).number
    lists = [status_list_credential(purpose) for purpose in StatusPurpose.ALL]
    signature = credential_verify(contents.credential, status_lists=lists)
    if signature.status == CredentialStatus.INVALID:
        return PdfCheck(verdict=Verdict.NOT_GENUINE, reasons=signature.reasons, number=number)
    certificate = _register_entry(contents.credential)
    if certificate is None:
        return PdfCheck(
            verdict=Verdict.NOT_GENUINE,
            reasons=[_("The credential inside is not the one our register holds for this certificate.")],
            number=number,
        )
    mismatches = printed_mismatches(
        contents.printed,
        holder_name=certificate.holder_name,
        number=certificate.number,
        expires_on=certificate.expires_on,
        issued_on=certificate.issued_on,
    )
    if mismatches:
        return PdfCheck(verdict=Verdict.MISMATCH, reasons=mismatches, number=number)
    facts = facts_for(certificate, disclosure=Disclosure.FULL, today=today)
    from_lists = {
        CredentialStatus.REVOKED: PublicStatus.REVOKED,
        CredentialStatus.SUSPENDED: PublicStatus.SUSPENDED,
        CredentialStatus.EXPIRED: PublicStatus.EXPIRED,
    }.get(signature.status, PublicStatus.VALID)
    status = max(facts.status, from_lists, key=_SEVERITY.index)
    return PdfCheck(verdict=Verdict.GENUINE, reasons=signature.reasons, status=status, facts=facts, number=number)
