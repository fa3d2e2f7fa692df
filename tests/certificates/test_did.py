"""did:web from the public URL, and the DID document that lists every signing key."""

import pytest

from certificates.did import (
    DidError,
    assertion_keys,
    did_document,
    did_document_url,
    did_web_from_url,
    issuer_did,
    issuer_did_document,
)
from certificates.integrity import canonicalize
from certificates.keys import SigningKey, signing_key_generate


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("https://certdesk.example", "did:web:certdesk.example"),
        ("https://certdesk.example/", "did:web:certdesk.example"),
        ("https://CertDesk.Example", "did:web:certdesk.example"),
        ("https://certdesk.example:8443", "did:web:certdesk.example%3A8443"),
        ("https://example.org/exams/certdesk", "did:web:example.org:exams:certdesk"),
        ("https://example.org:8443/certdesk/", "did:web:example.org%3A8443:certdesk"),
    ],
)
def test_public_url_maps_to_did_web(url, did):
    assert did_web_from_url(url) == did


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:certdesk.example", "https://certdesk.example/.well-known/did.json"),
        ("did:web:certdesk.example%3A8443", "https://certdesk.example:8443/.well-known/did.json"),
        ("did:web:example.org:exams:certdesk", "https://example.org/exams/certdesk/did.json"),
    ],
)
def test_did_web_names_where_its_document_lives(did, url):
    assert did_document_url(did) == url


@pytest.mark.parametrize(
    "url", ["certdesk.example", "ftp://certdesk.example", "https://certdesk.example/?a=1", "https://[::1]:8000"]
)
def test_urls_that_cannot_be_a_did_web_are_refused(url):
    with pytest.raises(DidError):
        did_web_from_url(url)


def test_the_issuer_did_comes_from_public_url(settings):
    settings.PUBLIC_URL = "https://certs.example.org:444/"
    assert issuer_did() == "did:web:certs.example.org%3A444"


def test_did_document_shape():
    key = signing_key_generate()
    document = did_document(did="did:web:certdesk.example", keys=[key])
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert document["id"] == "did:web:certdesk.example"
    [method] = document["verificationMethod"]
    assert method == {
        "id": f"did:web:certdesk.example#key-{key.public_key_multibase}",
        "type": "Multikey",
        "controller": "did:web:certdesk.example",
        "publicKeyMultibase": key.public_key_multibase,
    }
    assert document["assertionMethod"] == [method["id"]]


def test_the_did_document_is_valid_json_ld_against_the_local_contexts():
    document = did_document(did="did:web:certdesk.example", keys=[signing_key_generate()])
    quads = canonicalize(document)
    assert "<https://w3id.org/security#Multikey>" in quads
    assert "<https://w3id.org/security#assertionMethod>" in quads


def test_after_rotation_the_document_lists_every_key_ever_used(issuer, settings):
    old = issuer.current
    new = signing_key_generate()
    settings.CERTDESK_SIGNING_KEYS = f"{old.public_key_multibase},{new.secret_key_multibase}"
    document = issuer_did_document()
    assert [method["publicKeyMultibase"] for method in document["verificationMethod"]] == [
        old.public_key_multibase,
        new.public_key_multibase,
    ]
    assert set(assertion_keys(document).values()) == {old.public_key_multibase, new.public_key_multibase}


def test_only_assertion_keys_controlled_by_the_did_count():
    did = "did:web:certdesk.example"
    listed, unlisted, foreign = signing_key_generate(), signing_key_generate(), signing_key_generate()
    document = did_document(did=did, keys=[listed, unlisted, foreign])
    document["assertionMethod"] = [
        m["id"]
        for m in document["verificationMethod"]
        if m["id"].endswith((listed.public_key_multibase, foreign.public_key_multibase))
    ]
    document["verificationMethod"][2]["controller"] = "did:web:attacker.example"
    assert assertion_keys(document) == {f"{did}#key-{listed.public_key_multibase}": listed.public_key_multibase}


def test_a_retired_key_is_still_listed():
    retired = SigningKey(public_key=signing_key_generate().public_key)
    document = did_document(did="did:web:certdesk.example", keys=[retired, signing_key_generate()])
    assert len(assertion_keys(document)) == 2
