"""Bitstring Status List v1.0: bits, encoding and the status list credential."""

import base64
import gzip
from datetime import UTC, datetime

import pytest

from certificates.status_list import (
    MIN_BITS,
    StatusListError,
    StatusPurpose,
    bits_from_encoded_list,
    encoded_list_from_bits,
    status_bit_clear,
    status_bit_from_encoded_list,
    status_bit_get,
    status_bit_set,
    status_bits_new,
    status_list_credential_build,
    status_list_entry,
)


def test_a_new_list_holds_at_least_131072_bits_all_clear():
    bits = status_bits_new()
    assert len(bits) * 8 == MIN_BITS == 131_072
    assert not any(bits)


def test_a_list_smaller_than_the_specification_minimum_is_refused():
    with pytest.raises(StatusListError):
        status_bits_new(1024)


def test_bit_zero_is_the_left_most_bit_of_the_first_byte():
    bits = status_bits_new()
    status_bit_set(bits, 0)
    status_bit_set(bits, 9)
    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000


def test_set_and_clear_change_only_their_own_bit():
    bits = status_bits_new()
    status_bit_set(bits, 4242)
    status_bit_set(bits, 4243)
    status_bit_clear(bits, 4242)
    assert not status_bit_get(bits, 4242)
    assert status_bit_get(bits, 4243)
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_an_index_outside_the_list_is_refused():
    with pytest.raises(StatusListError):
        status_bit_get(status_bits_new(), MIN_BITS)
    with pytest.raises(StatusListError):
        status_bit_get(status_bits_new(), -1)


def test_encoded_list_is_gzip_then_multibase_base64url_without_padding():
    bits = status_bits_new()
    status_bit_set(bits, 131_071)
    encoded = encoded_list_from_bits(bits)
    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    body = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert raw == bytes(bits)


def test_encoding_round_trips_and_reads_single_bits():
    bits = status_bits_new()
    for index in (0, 7, 8, 4242, 131_071):
        status_bit_set(bits, index)
    encoded = encoded_list_from_bits(bits)
    assert bits_from_encoded_list(encoded) == bits
    assert status_bit_from_encoded_list(encoded, 4242)
    assert not status_bit_from_encoded_list(encoded, 4241)


def test_the_same_bits_always_encode_the_same():
    assert encoded_list_from_bits(status_bits_new()) == encoded_list_from_bits(status_bits_new())


def test_a_list_shorter_than_16_kb_is_refused_when_read():
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(1024))).decode().rstrip("=")
    with pytest.raises(StatusListError, match="shorter"):
        bits_from_encoded_list(short)


def test_a_gzip_bomb_is_refused_when_read():
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(40 * 1024 * 1024))).decode().rstrip("=")
    with pytest.raises(StatusListError, match="large"):
        bits_from_encoded_list(bomb)


def test_garbage_is_refused_when_read():
    with pytest.raises(StatusListError):
        bits_from_encoded_list("uNotGzipAtAll")
    with pytest.raises(StatusListError):
        bits_from_encoded_list("zNotBase64url")


def test_status_list_credential_shape():
    bits = status_bits_new()
    status_bit_set(bits, 3)
    credential = status_list_credential_build(
        list_url="https://certdesk.example/status/revocation/1",
        issuer_id="did:web:certdesk.example",
        purpose=StatusPurpose.REVOCATION,
        bits=bits,
        valid_from=datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["id"] == "https://certdesk.example/status/revocation/1"
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert status_bit_from_encoded_list(subject["encodedList"], 3)


def test_status_entry_points_at_its_list_and_index():
    entry = status_list_entry(purpose="suspension", index=17, list_url="https://certdesk.example/status/suspension/1")
    assert entry == {
        "id": "https://certdesk.example/status/suspension/1#17",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "17",
        "statusListCredential": "https://certdesk.example/status/suspension/1",
    }


def test_an_unknown_purpose_is_refused():
    with pytest.raises(StatusListError):
        status_list_entry(purpose="message", index=1, list_url="https://certdesk.example/status/x")
