"""eddsa-rdfc-2022 proofs, checked against the W3C test vectors, and the offline context loader."""

import copy
import json
import socket
from pathlib import Path

import pytest

from certificates.integrity import (
    CONTEXT_FILES,
    ContextNotAllowed,
    IntegrityError,
    canonicalize,
    document_sign,
    hash_data,
    local_context_loader,
    proof_verify,
)
from certificates.keys import signing_key_from_multibase, signing_key_generate

VECTORS = Path(__file__).parent / "vectors"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"


def _vector(name: str):
    text = (VECTORS / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith((".json", ".jsonld")) else text


@pytest.fixture(scope="module")
def vector_loader():
    return local_context_loader().with_contexts({EXAMPLES_CONTEXT: _vector("credentials-examples-v2.jsonld")})


@pytest.fixture(scope="module")
def vector_key():
    pair = _vector("eddsa-rdfc-2022-key-pair.json")
    return signing_key_from_multibase(secret=pair["privateKeyMultibase"], public=pair["publicKeyMultibase"])


@pytest.fixture(scope="module")
def signed_vector():
    return _vector("eddsa-rdfc-2022-signed.json")


def _unsigned(document: dict) -> dict:
    return {name: value for name, value in document.items() if name != "proof"}


def test_proof_configuration_canonicalises_to_the_w3c_n_quads(vector_loader):
    config = _vector("eddsa-rdfc-2022-proof-config.json")
    assert canonicalize(config, loader=vector_loader) == _vector("eddsa-rdfc-2022-proof-canonical.nq")


def test_hash_data_matches_the_w3c_combined_hash(vector_loader, signed_vector):
    data = hash_data(
        document=_unsigned(signed_vector),
        proof_config=_vector("eddsa-rdfc-2022-proof-config.json"),
        loader=vector_loader,
    )
    assert data.hex() == _vector("eddsa-rdfc-2022-combined-hash.txt").strip()


def test_signing_reproduces_the_w3c_test_vector_byte_for_byte(vector_loader, vector_key, signed_vector):
    proof = signed_vector["proof"]
    signed = document_sign(
        _unsigned(signed_vector),
        key=vector_key,
        verification_method=proof["verificationMethod"],
        created=proof["created"],
        loader=vector_loader,
    )
    assert signed["proof"]["proofValue"] == (
        "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"
    )
    assert json.dumps(signed, indent=2) == json.dumps(signed_vector, indent=2)


def test_the_w3c_signed_credential_verifies(vector_loader, vector_key, signed_vector):
    check = proof_verify(signed_vector, public_key_for=lambda method: vector_key, loader=vector_loader)
    assert check.verified, check.problem
    assert check.verification_method.endswith("#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")


def test_the_w3c_credential_with_a_changed_subject_fails(vector_loader, vector_key, signed_vector):
    tampered = copy.deepcopy(signed_vector)
    tampered["credentialSubject"]["alumniOf"] = "The School of Exemples"
    check = proof_verify(tampered, public_key_for=lambda method: vector_key, loader=vector_loader)
    assert not check.verified
    assert check.code == "bad-signature"


def test_a_changed_proof_date_fails(vector_loader, vector_key, signed_vector):
    tampered = copy.deepcopy(signed_vector)
    tampered["proof"]["created"] = "2023-02-24T23:36:39Z"
    check = proof_verify(tampered, public_key_for=lambda method: vector_key, loader=vector_loader)
    assert check.code == "bad-signature"


def test_a_key_the_verifier_does_not_know_is_refused(vector_loader, signed_vector):
    check = proof_verify(signed_vector, public_key_for=lambda method: None, loader=vector_loader)
    assert check.code == "unknown-key"


def test_the_vector_verified_with_another_key_fails(vector_loader, signed_vector):
    other = signing_key_generate()
    check = proof_verify(signed_vector, public_key_for=lambda method: other, loader=vector_loader)
    assert check.code == "bad-signature"


def test_a_truncated_proof_value_is_malformed(vector_loader, vector_key, signed_vector):
    tampered = copy.deepcopy(signed_vector)
    tampered["proof"]["proofValue"] = tampered["proof"]["proofValue"][:40]
    check = proof_verify(tampered, public_key_for=lambda method: vector_key, loader=vector_loader)
    assert check.code == "malformed"


def test_the_loader_serves_only_the_contexts_shipped_with_certdesk():
    loader = local_context_loader()
    for url in CONTEXT_FILES:
        assert loader(url, {})["document"]["@context"]
    for url in [EXAMPLES_CONTEXT, "https://evil.example/context.json", "http://www.w3.org/ns/credentials/v2"]:
        with pytest.raises(ContextNotAllowed):
            loader(url, {})


def test_a_document_with_an_unknown_context_cannot_be_canonicalised(signed_vector):
    # The examples context was served to another loader in this module: it must not leak into ours.
    with pytest.raises(IntegrityError, match="examples/v2"):
        canonicalize(_unsigned(signed_vector))


def test_a_term_no_context_defines_is_refused_rather_than_dropped():
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:certdesk.example",
        "unsignedExtra": "anything",
    }
    with pytest.raises(IntegrityError, match="unsignedExtra"):
        canonicalize(document)


def test_sign_and_verify_need_no_network(no_network, vector_loader, vector_key, signed_vector):
    with pytest.raises(AssertionError, match="Network access attempted"):
        socket.create_connection(("www.w3.org", 443))
    proof = signed_vector["proof"]
    signed = document_sign(
        _unsigned(signed_vector),
        key=vector_key,
        verification_method=proof["verificationMethod"],
        created=proof["created"],
        loader=vector_loader,
    )
    assert proof_verify(signed, public_key_for=lambda method: vector_key, loader=vector_loader).verified
