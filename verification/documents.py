"""A certificate PDF as a verifier receives it: the signed credential attached inside, and the
text printed on the page, which must say what the credential says.

A forger can leave the attachment untouched and change the printed name, or keep the page and
attach someone else's genuine credential; the signature alone catches neither, the comparison
of the printed facts with the credential catches both. Used by the upload page and, with no
database and no network, by `manage.py verify_credential`.
"""

import io
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from certificates.rendering import CREDENTIAL_ATTACHMENT

log = logging.getLogger(__name__)
MAX_PDF_BYTES = 5 * 1024 * 1024  # a certificate is about 100 KB; anything this big is not one of ours
MAX_PAGES = 2


class DocumentError(ValueError):
    """The file cannot be read as a certificate PDF; the message says why, for the person who uploaded it."""


@dataclass(frozen=True)
class PdfContents:
    credential: dict
    printed: str  # the page text, whitespace collapsed


def _collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def pdf_contents(data: bytes) -> PdfContents:
    """The attached credential and the printed text of a certificate PDF."""
    if len(data) > MAX_PDF_BYTES:
        raise DocumentError(_("The file is larger than a certificate PDF can be (5 MB)."))
    if not data.startswith(b"%PDF-"):
        raise DocumentError(_("This is not a PDF file."))
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(_("The PDF is encrypted; certificates never are."))
        if len(reader.pages) > MAX_PAGES:
            raise DocumentError(_("The PDF has more pages than a certificate."))
        attached = reader.attachments.get(CREDENTIAL_ATTACHMENT) or []
        printed = _collapse(" ".join(page.extract_text() or "" for page in reader.pages))
    except DocumentError:
        raise
    except Exception as error:  # pypdf raises many kinds of error on damaged or hostile files
        log.info("Unreadable PDF uploaded: %s: %s", type(error).__name__, error)
        raise DocumentError(_("The PDF cannot be read; it may be damaged.")) from error
    if len(attached) != 1:
        raise DocumentError(
            _("The PDF carries no signed credential (credential.json), so it is not a certificate we issued.")
        )
    try:
        credential = json.loads(attached[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise DocumentError(_("The credential inside the PDF is not valid JSON.")) from error
    if not isinstance(credential, dict):
        raise DocumentError(_("The credential inside the PDF is not a JSON object."))
    return PdfContents(credential=credential, printed=printed)


@dataclass(frozen=True)
class CredentialFacts:
    """What a certificate's credential says that the page also prints."""

    holder_name: str
    number: str
    valid_from: date | None
    expires_on: date | None


def credential_facts(credential: dict) -> CredentialFacts:
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}

    def day(value) -> date | None:
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return None
        return moment.date()  # credentials write UTC ("Z")

    name, number = subject.get("name"), subject.get("licenseNumber")
    return CredentialFacts(
        holder_name=name if isinstance(name, str) else "",
        number=number if isinstance(number, str) else "",
        valid_from=day(credential.get("validFrom")),
        # validUntil is the first moment (UTC) of the printed expiry date.
        expires_on=day(credential.get("validUntil")),
    )


def _labels() -> dict[str, str]:
    """The phrases certificates/pdf/certificate.html prints around each fact, in the language it
    renders in (settings.LANGUAGE_CODE)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "certify": _collapse(_("This is to certify that")),
            "statement": _collapse(_("has met all requirements of the certification scheme and is certified as")),
            "number": _collapse(_("Certificate number")),
            "number_top": _collapse(_("Certificate no.")),
            "issued": _collapse(_("Issued on")),
            "expires": _collapse(_("Expires on")),
            "months": {str(name): number for number, name in MONTHS.items()},
        }


def _printed_dates(printed: str, label: str, months: dict[str, int]) -> list[date | None]:
    """Every date printed after `label`, as 'j F Y' renders it; None where the text after the label is no date."""
    found = []
    names = "|".join(re.escape(name) for name in months)
    for match in re.finditer(re.escape(label) + rf"\s+(?:(\d{{1,2}}) ({names}) (\d{{4}}))?", printed):
        if match.group(1) is None:
            found.append(None)
            continue
        try:
            found.append(date(int(match.group(3)), months[match.group(2)], int(match.group(1))))
        except ValueError:
            found.append(None)
    return found


def printed_mismatches(
    printed: str,
    *,
    holder_name: str,
    number: str,
    expires_on: date | None,
    issued_on: date | None = None,
    issued_not_after: date | None = None,
) -> list[str]:
    """The printed facts that differ from the expected ones (empty: the page says what the
    credential says). Every place a fact is printed must show it: an extra line of tiny text
    with the genuine name does not hide an altered headline.

    Give issued_on when the exact date is known (from the register); offline, only that it is
    not after the credential's validFrom (a reissue keeps the original date)."""
    labels = _labels()
    problems = []
    pattern = re.escape(labels["certify"]) + r"\s*(.*?)\s*" + re.escape(labels["statement"])
    names = re.findall(pattern, printed)
    if not names or any(name != _collapse(holder_name) for name in names):
        problems.append(_("The printed holder's name is not the one in the signed credential."))
    numbers = re.findall(rf"(?:{re.escape(labels['number'])}|{re.escape(labels['number_top'])})\s+(\S+)", printed)
    if not numbers or any(found != number for found in numbers):
        problems.append(_("The printed certificate number is not the one in the signed credential."))
    expiry = _printed_dates(printed, labels["expires"], labels["months"])
    if not expiry or expires_on is None or any(found != expires_on for found in expiry):
        problems.append(_("The printed expiry date is not the one in the signed credential."))
    issued = _printed_dates(printed, labels["issued"], labels["months"])
    if not issued or any(found is None for found in issued):
        problems.append(_("The printed issue date is missing or unreadable."))
    elif issued_on is not None and any(found != issued_on for found in issued):
        problems.append(_("The printed issue date is not the one in the register."))
    elif issued_not_after is not None and any(found > issued_not_after for found in issued):
        problems.append(_("The printed issue date is later than the signed credential's."))
    return problems
