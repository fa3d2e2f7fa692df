"""The certificate's Open Badges 3.0 credential: its shape, signing, and every way verification must fail."""

import copy
import json
from datetime import UTC, datetime

import pytest

from certificates.credential import (
    CredentialStatus,
    Problem,
    credential_sign,
    credential_verify,
    holder_email_hash,
    status_list_credential_verify,
)
from certificates.did import did_document, issuer_did_document
from certificates.keys import KeyRing, SigningKey, signing_key_generate
from certificates.status_list import StatusPurpose, status_bit_set, status_bits_new, status_list_credential_build
from tests.certificates.builders import ISSUER_DID, PUBLIC_URL, certificate_credential

DURING = datetime(2027, 1, 1, tzinfo=UTC)
REVOCATION_URL = f"{PUBLIC_URL}/status/revocation/1"
SUSPENSION_URL = f"{PUBLIC_URL}/status/suspension/1"


@pytest.fixture
def signed(issuer):
    return credential_sign(certificate_credential())


def _status_list(purpose: str, url: str, *, set_index: int | None = None, key_ring=None) -> dict:
    bits = status_bits_new()
    if set_index is not None:
        status_bit_set(bits, set_index)
    unsigned = status_list_credential_build(
        list_url=url, issuer_id=ISSUER_DID, purpose=purpose, bits=bits, valid_from=datetime(2026, 1, 1, tzinfo=UTC)
    )
    return credential_sign(unsigned, key_ring=key_ring)


def test_credential_has_the_open_badges_3_shape():
    credential = certificate_credential()
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"] == ISSUER_DID
    assert credential["validFrom"] == "2026-03-01T09:30:00Z"
    assert credential["validUntil"] == "2029-03-01T09:30:00Z"
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["fieldOfStudy"] == "HDI Customer Support Specialist"
    assert achievement["specialization"] == "Specialist"
    assert [a["targetCode"] for a in achievement["alignment"]] == ["CSS-1.1", "CSS-2.3"]
    assert achievement["criteria"]["narrative"].startswith("Passed")
    assert [(s["statusPurpose"], s["statusListIndex"]) for s in credential["credentialStatus"]] == [
        ("revocation", "4242"),
        ("suspension", "4242"),
    ]


def test_the_holder_email_appears_only_as_a_salted_hash():
    credential = certificate_credential()
    assert "sofia.marin@example.org" not in json.dumps(credential)
    [email] = [i for i in credential["credentialSubject"]["identifier"] if i["identityType"] == "emailAddress"]
    assert email["hashed"] is True
    assert email["identityHash"] == holder_email_hash("Sofia.Marin@example.org ", email["salt"])
    assert email["identityHash"].startswith("sha256$") and len(email["identityHash"]) == 7 + 64


def test_a_certificate_cannot_expire_before_it_is_issued():
    with pytest.raises(ValueError, match="expire"):
        certificate_credential(valid_until=datetime(2026, 1, 1, tzinfo=UTC))


def test_signed_credential_verifies(signed):
    check = credential_verify(signed, now=DURING)
    assert check.status == CredentialStatus.VALID, check.reasons
    assert check.valid
    assert check.verification_method.startswith(f"{ISSUER_DID}#key-z6Mk")
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_one_changed_character_of_the_holder_name_fails(signed):
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["name"] = "Sofia Marln"
    check = credential_verify(tampered, now=DURING)
    assert check.status == CredentialStatus.INVALID
    assert check.has(Problem.BAD_SIGNATURE)


def test_a_moved_expiry_date_fails(signed):
    tampered = copy.deepcopy(signed)
    tampered["validUntil"] = "2039-03-01T09:30:00Z"
    assert credential_verify(tampered, now=DURING).has(Problem.BAD_SIGNATURE)


def test_an_added_property_fails(signed):
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["score"] = 100
    check = credential_verify(tampered, now=DURING)
    assert check.status == CredentialStatus.INVALID


def test_a_key_outside_our_did_document_fails_even_naming_our_issuer(issuer):
    forger = KeyRing((signing_key_generate(),))
    forged = credential_sign(certificate_credential(), key_ring=forger)
    assert forged["issuer"]["id"] == ISSUER_DID
    check = credential_verify(forged, now=DURING)
    assert check.status == CredentialStatus.INVALID
    assert check.has(Problem.UNKNOWN_KEY)


def test_a_forger_claiming_our_key_id_fails_on_the_signature(issuer):
    forger = KeyRing((signing_key_generate(),))
    forged = credential_sign(certificate_credential(), key_ring=forger)
    forged["proof"]["verificationMethod"] = f"{ISSUER_DID}#key-{issuer.current.public_key_multibase}"
    check = credential_verify(forged, now=DURING)
    assert check.has(Problem.BAD_SIGNATURE)


def test_a_forger_with_their_own_did_document_is_not_trusted(issuer):
    forger = KeyRing((signing_key_generate(),))
    forged = credential_sign(certificate_credential(issuer_id="did:web:forger.example"), key_ring=forger)
    check = credential_verify(forged, did_document=did_document(did="did:web:forger.example", keys=forger.keys))
    assert check.status == CredentialStatus.INVALID
    assert check.has(Problem.UNTRUSTED_ISSUER)


def test_a_did_document_that_is_not_the_issuers_is_refused(signed):
    other = did_document(did="did:web:other.example", keys=[signing_key_generate()])
    check = credential_verify(signed, did_document=other, trusted={ISSUER_DID}, now=DURING)
    assert check.has(Problem.UNKNOWN_KEY)


def test_verification_works_from_files_alone(signed, settings):
    """An outside verifier has the credential and our DID document, not our settings."""
    document = issuer_did_document()
    settings.PUBLIC_URL = "https://somewhere-else.example"
    settings.CERTDESK_SIGNING_KEYS = signing_key_generate().secret_key_multibase
    check = credential_verify(signed, did_document=document, trusted={ISSUER_DID}, now=DURING)
    assert check.valid, check.reasons


def test_a_certificate_signed_before_a_key_rotation_still_verifies(issuer, settings, signed):
    new = signing_key_generate()
    settings.CERTDESK_SIGNING_KEYS = f"{issuer.current.public_key_multibase},{new.secret_key_multibase}"
    after = credential_sign(certificate_credential())
    assert after["proof"]["verificationMethod"].endswith(new.public_key_multibase)
    assert credential_verify(signed, now=DURING).valid
    assert credential_verify(after, now=DURING).valid


def test_an_expired_certificate_is_reported_as_expired(signed):
    check = credential_verify(signed, now=datetime(2029, 3, 1, 9, 30, tzinfo=UTC))
    assert check.status == CredentialStatus.EXPIRED
    assert check.has(Problem.EXPIRED)


def test_a_certificate_before_its_valid_from_is_invalid(signed):
    check = credential_verify(signed, now=datetime(2026, 2, 28, tzinfo=UTC))
    assert check.status == CredentialStatus.INVALID
    assert check.has(Problem.NOT_YET_VALID)


def test_a_changed_context_is_refused_before_anything_else(signed):
    tampered = copy.deepcopy(signed)
    tampered["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    assert credential_verify(tampered, now=DURING).has(Problem.MALFORMED)


def test_status_lists_with_no_bit_set_leave_the_certificate_valid(signed):
    lists = [
        _status_list(StatusPurpose.REVOCATION, REVOCATION_URL),
        _status_list(StatusPurpose.SUSPENSION, SUSPENSION_URL),
    ]
    check = credential_verify(signed, status_lists=lists, now=DURING)
    assert check.valid, check.reasons
    assert check.statuses_checked == ["revocation", "suspension"]


def test_a_revoked_certificate_is_reported_as_revoked(signed):
    lists = [
        _status_list(StatusPurpose.REVOCATION, REVOCATION_URL, set_index=4242),
        _status_list(StatusPurpose.SUSPENSION, SUSPENSION_URL),
    ]
    check = credential_verify(signed, status_lists=lists, now=DURING)
    assert check.status == CredentialStatus.REVOKED
    assert check.has(Problem.REVOKED)


def test_a_suspended_certificate_is_reported_as_suspended(signed):
    lists = [_status_list(StatusPurpose.SUSPENSION, SUSPENSION_URL, set_index=4242)]
    check = credential_verify(signed, status_lists=lists, now=DURING)
    assert check.status == CredentialStatus.SUSPENDED
    assert check.statuses_checked == ["suspension"]


def test_another_certificates_bit_does_not_revoke_this_one(signed):
    lists = [_status_list(StatusPurpose.REVOCATION, REVOCATION_URL, set_index=4243)]
    assert credential_verify(signed, status_lists=lists, now=DURING).valid


def test_a_status_list_signed_by_another_key_is_not_believed(signed):
    forged = _status_list(StatusPurpose.REVOCATION, REVOCATION_URL, key_ring=KeyRing((signing_key_generate(),)))
    check = credential_verify(signed, status_lists=[forged], now=DURING)
    assert check.status == CredentialStatus.INVALID
    assert check.has(Problem.STATUS_LIST_INVALID)


def test_a_tampered_status_list_is_not_believed(signed):
    genuine = _status_list(StatusPurpose.REVOCATION, REVOCATION_URL, set_index=4242)
    cleared = _status_list(StatusPurpose.REVOCATION, REVOCATION_URL)
    genuine["credentialSubject"]["encodedList"] = cleared["credentialSubject"]["encodedList"]
    check = credential_verify(signed, status_lists=[genuine], now=DURING)
    assert check.has(Problem.STATUS_LIST_INVALID)
    assert not check.valid


def test_a_list_for_the_other_purpose_at_the_same_url_is_refused(signed):
    wrong = _status_list(StatusPurpose.SUSPENSION, REVOCATION_URL, set_index=None)
    assert credential_verify(signed, status_lists=[wrong], now=DURING).has(Problem.STATUS_LIST_INVALID)


def test_a_signed_status_list_verifies_on_its_own(issuer):
    status_list = _status_list(StatusPurpose.REVOCATION, REVOCATION_URL, set_index=1)
    assert status_list_credential_verify(status_list, now=DURING).valid
    assert not status_list_credential_verify(certificate_credential(), now=DURING).valid


def test_retired_keys_cannot_sign_but_still_verify(issuer, settings, signed):
    retired = SigningKey(public_key=issuer.current.public_key)
    ring = KeyRing((retired, signing_key_generate()))
    settings.CERTDESK_SIGNING_KEYS = ",".join([retired.public_key_multibase, ring.current.secret_key_multibase])
    assert credential_verify(signed, now=DURING).valid


def test_sign_and_verify_a_certificate_without_network(no_network, issuer):
    signed = credential_sign(certificate_credential())
    lists = [_status_list(StatusPurpose.REVOCATION, REVOCATION_URL, set_index=4242)]
    assert credential_verify(signed, now=DURING).valid
    assert credential_verify(signed, status_lists=lists, now=DURING).status == CredentialStatus.REVOKED
