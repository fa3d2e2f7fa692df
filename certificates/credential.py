"""The certificate as an Open Badges 3.0 credential (a W3C Verifiable Credential 2.0): build, sign, verify.

Everything here takes and returns plain values, so the Certificate model (and an outside
verifier with nothing but files) can call it. The holder's email never appears in clear: only a
salted SHA-256 hash, as Open Badges' IdentityObject allows.
"""

import hashlib
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from django.conf import settings

from certificates.did import assertion_keys, issuer_did, issuer_did_document, verification_method_id
from certificates.integrity import ContextLoader, document_sign, proof_verify, xsd_datetime
from certificates.keys import KeyRing, SigningKey, SigningKeyError, issuer_key_ring, public_key_from_multibase
from certificates.status_list import StatusListError, StatusPurpose, status_bit_from_encoded_list, status_list_entry

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_CONTEXT = [VC_CONTEXT, OPEN_BADGES_CONTEXT]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]


@dataclass(frozen=True)
class CompetencyCovered:
    code: str
    name: str


def holder_email_salt_new() -> str:
    return secrets.token_hex(16)


def holder_email_hash(email: str, salt: str) -> str:
    """Open Badges' identityHash: 'sha256$' + hex SHA-256 of the identity followed by the salt.

    The address is trimmed and lower-cased first, so an employer who types it differently still matches."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def credential_build(
    *,
    issuer_id: str,
    issuer_name: str,
    issuer_url: str,
    certificate_url: str,
    certificate_number: str,
    holder_name: str,
    holder_email: str,
    holder_email_salt: str,
    program_code: str,
    program_name: str,
    program_url: str,
    standard: str,
    level: str,
    competencies: Sequence[CompetencyCovered | tuple[str, str]],
    criteria_narrative: str,
    valid_from: datetime,
    valid_until: datetime,
    status_list_index: int,
    revocation_list_url: str,
    suspension_list_url: str,
) -> dict:
    """The unsigned OpenBadgeCredential for one certificate.

    certificate_url is the public verification address (it carries the certificate's public
    identifier) and becomes the credential's id; certificate_number is the human-friendly number
    printed on the certificate. Both status lists use the same index."""
    if valid_until <= valid_from:
        raise ValueError("A certificate must expire after it is issued.")
    covered = [item if isinstance(item, CompetencyCovered) else CompetencyCovered(*item) for item in competencies]
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": certificate_url,
        "type": list(CREDENTIAL_TYPE),
        "name": program_name,
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name, "url": issuer_url},
        "validFrom": xsd_datetime(valid_from),
        "validUntil": xsd_datetime(valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": holder_name,
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": holder_name},
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": holder_email_hash(holder_email, holder_email_salt),
                    "salt": holder_email_salt,
                },
            ],
            "licenseNumber": certificate_number,
            "achievement": {
                "id": program_url,
                "type": ["Achievement"],
                "achievementType": "Certification",
                "humanCode": program_code,
                "name": program_name,
                # The standard the certification assesses against, and the level it certifies.
                "fieldOfStudy": standard,
                "specialization": level,
                "criteria": {"narrative": criteria_narrative},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetCode": competency.code,
                        "targetName": competency.name,
                        "targetFramework": standard,
                        "targetType": "ceasn:Competency",
                    }
                    for competency in covered
                ],
            },
        },
        "credentialStatus": [
            status_list_entry(purpose=StatusPurpose.REVOCATION, index=status_list_index, list_url=revocation_list_url),
            status_list_entry(purpose=StatusPurpose.SUSPENSION, index=status_list_index, list_url=suspension_list_url),
        ],
    }


def issuer_id_of(credential: dict) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else ""


def credential_sign(
    credential: dict,
    *,
    key_ring: KeyRing | None = None,
    created: datetime | None = None,
    loader: ContextLoader | None = None,
) -> dict:
    """A copy of any credential (a certificate's or a status list) signed with the issuer's newest key."""
    key = (key_ring or issuer_key_ring()).current
    issuer_id = issuer_id_of(credential)
    if not issuer_id:
        raise ValueError("The credential names no issuer.")
    return document_sign(
        credential, key=key, verification_method=verification_method_id(issuer_id, key), created=created, loader=loader
    )


class CredentialStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


class Problem(StrEnum):
    MALFORMED = "malformed"
    UNTRUSTED_ISSUER = "untrusted-issuer"
    UNKNOWN_KEY = "unknown-key"
    BAD_SIGNATURE = "bad-signature"
    NOT_YET_VALID = "not-yet-valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    STATUS_LIST_INVALID = "status-list-invalid"


# Which status a problem leads to; the first that applies wins.
_STATUS_FOR = [
    (
        {
            Problem.MALFORMED,
            Problem.UNTRUSTED_ISSUER,
            Problem.UNKNOWN_KEY,
            Problem.BAD_SIGNATURE,
            Problem.NOT_YET_VALID,
            Problem.STATUS_LIST_INVALID,
        },
        CredentialStatus.INVALID,
    ),
    ({Problem.REVOKED}, CredentialStatus.REVOKED),
    ({Problem.SUSPENDED}, CredentialStatus.SUSPENDED),
    ({Problem.EXPIRED}, CredentialStatus.EXPIRED),
]


@dataclass
class CredentialCheck:
    """The outcome of verifying a credential: its status and, when not valid, every reason why."""

    problems: list[tuple[Problem, str]] = field(default_factory=list)
    verification_method: str = ""
    statuses_checked: list[str] = field(default_factory=list)  # status purposes read from a given list

    def add(self, problem: Problem, message: str) -> None:
        self.problems.append((problem, message))

    def has(self, problem: Problem) -> bool:
        return any(found == problem for found, _ in self.problems)

    @property
    def status(self) -> CredentialStatus:
        found = {problem for problem, _ in self.problems}
        for problems, status in _STATUS_FOR:
            if found & problems:
                return status
        return CredentialStatus.VALID

    @property
    def valid(self) -> bool:
        return self.status == CredentialStatus.VALID

    @property
    def reasons(self) -> list[str]:
        return [message for _, message in self.problems]


def trusted_issuers() -> set[str]:
    """This deployment's DID, and any former ones (CERTDESK_TRUSTED_ISSUERS) whose certificates still count."""
    extra = getattr(settings, "CERTDESK_TRUSTED_ISSUERS", None)
    if extra is None:
        extra = [part.strip() for part in os.environ.get("CERTDESK_TRUSTED_ISSUERS", "").split(",")]
    return {issuer_did(), *(did for did in extra if did)}


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _check_issuer_and_proof(
    document: dict, check: CredentialCheck, *, did_document: dict, trusted: set[str], loader: ContextLoader | None
) -> None:
    issuer_id = issuer_id_of(document)
    if not issuer_id:
        check.add(Problem.MALFORMED, "The credential names no issuer.")
        return
    if issuer_id not in trusted:
        check.add(Problem.UNTRUSTED_ISSUER, f"The issuer {issuer_id} is not one we trust.")
        return
    if did_document.get("id") != issuer_id:
        check.add(Problem.UNKNOWN_KEY, f"The DID document given is not the issuer's ({issuer_id}).")
        return
    keys = assertion_keys(did_document)

    def public_key_for(method: str) -> SigningKey | None:
        if method not in keys:
            return None
        try:
            return SigningKey(public_key=public_key_from_multibase(keys[method]))
        except SigningKeyError:
            return None

    proof = proof_verify(document, public_key_for=public_key_for, loader=loader)
    check.verification_method = proof.verification_method
    if not proof.verified:
        problem = {"unknown-key": Problem.UNKNOWN_KEY, "bad-signature": Problem.BAD_SIGNATURE}
        check.add(problem.get(proof.code, Problem.MALFORMED), proof.problem)


def _check_validity_period(document: dict, check: CredentialCheck, now: datetime) -> None:
    valid_from = _parse_time(document.get("validFrom"))
    if valid_from is None:
        check.add(Problem.MALFORMED, "validFrom is missing or not a date and time with a time zone.")
    elif now < valid_from:
        check.add(Problem.NOT_YET_VALID, f"The credential is valid only from {document['validFrom']}.")
    if "validUntil" in document:
        valid_until = _parse_time(document["validUntil"])
        if valid_until is None:
            check.add(Problem.MALFORMED, "validUntil is not a date and time with a time zone.")
        elif now >= valid_until:
            check.add(Problem.EXPIRED, f"The credential expired on {document['validUntil']}.")


def credential_verify(
    credential: dict,
    *,
    did_document: dict | None = None,
    trusted: Iterable[str] | None = None,
    status_lists: Iterable[dict] = (),
    now: datetime | None = None,
    loader: ContextLoader | None = None,
) -> CredentialCheck:
    """Verifies a certificate's OpenBadgeCredential: issuer, key, signature, dates and status.

    did_document and trusted default to this deployment's; pass them to verify with nothing but
    files. status_lists are signed BitstringStatusListCredentials; an entry whose list is not given
    is left unchecked (and not listed in statuses_checked)."""
    check = CredentialCheck()
    if not isinstance(credential, dict):
        check.add(Problem.MALFORMED, "A credential is a JSON object.")
        return check
    if credential.get("@context") != CREDENTIAL_CONTEXT:
        check.add(Problem.MALFORMED, "The @context is not exactly the VC 2.0 and Open Badges 3.0.3 contexts.")
        return check
    types = credential.get("type")
    if not isinstance(types, list) or not set(CREDENTIAL_TYPE) <= set(types):
        check.add(Problem.MALFORMED, "The credential is not an OpenBadgeCredential.")
        return check
    did_document = did_document if did_document is not None else issuer_did_document()
    trusted = set(trusted) if trusted is not None else trusted_issuers()
    now = now or datetime.now(UTC)
    _check_issuer_and_proof(credential, check, did_document=did_document, trusted=trusted, loader=loader)
    if check.problems:
        return check  # nothing else the credential says can be believed
    _check_validity_period(credential, check, now)
    _check_status(credential, check, did_document=did_document, trusted=trusted, lists=status_lists, now=now)
    return check


def status_list_credential_verify(
    status_list: dict,
    *,
    did_document: dict | None = None,
    trusted: Iterable[str] | None = None,
    now: datetime | None = None,
    loader: ContextLoader | None = None,
) -> CredentialCheck:
    """Verifies a BitstringStatusListCredential's issuer, signature and dates."""
    check = CredentialCheck()
    types = status_list.get("type") if isinstance(status_list, dict) else None
    if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
        check.add(Problem.MALFORMED, "This is not a BitstringStatusListCredential.")
        return check
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        check.add(Problem.MALFORMED, "The status list credential holds no BitstringStatusList.")
        return check
    did_document = did_document if did_document is not None else issuer_did_document()
    trusted = set(trusted) if trusted is not None else trusted_issuers()
    _check_issuer_and_proof(status_list, check, did_document=did_document, trusted=trusted, loader=loader)
    if not check.problems:
        _check_validity_period(status_list, check, now or datetime.now(UTC))
    return check


def _check_status(
    credential: dict, check: CredentialCheck, *, did_document: dict, trusted: set[str], lists: Iterable[dict], now
) -> None:
    by_url = {item.get("id"): item for item in lists if isinstance(item, dict)}
    entries = credential.get("credentialStatus", [])
    entries = entries if isinstance(entries, list) else [entries]
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            continue
        purpose = entry.get("statusPurpose")
        status_list = by_url.get(entry.get("statusListCredential"))
        if status_list is None:
            continue
        list_check = status_list_credential_verify(status_list, did_document=did_document, trusted=trusted, now=now)
        subject = status_list.get("credentialSubject", {})
        if not list_check.valid:
            check.add(Problem.STATUS_LIST_INVALID, f"The {purpose} list is not valid: {' '.join(list_check.reasons)}")
            continue
        if issuer_id_of(status_list) != issuer_id_of(credential) or subject.get("statusPurpose") != purpose:
            check.add(Problem.STATUS_LIST_INVALID, f"The {purpose} list is not the issuer's list for that purpose.")
            continue
        try:
            is_set = status_bit_from_encoded_list(subject.get("encodedList", ""), int(entry["statusListIndex"]))
        except (StatusListError, KeyError, TypeError, ValueError) as error:
            check.add(Problem.STATUS_LIST_INVALID, f"The {purpose} list cannot be read: {error}")
            continue
        check.statuses_checked.append(purpose)
        if is_set and purpose == StatusPurpose.REVOCATION:
            check.add(Problem.REVOKED, "The certificate has been revoked.")
        elif is_set and purpose == StatusPurpose.SUSPENSION:
            check.add(Problem.SUSPENDED, "The certificate is suspended.")
