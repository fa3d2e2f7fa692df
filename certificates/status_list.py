"""W3C Bitstring Status List v1.0: one bit per certificate in a published, signed list.

A certificate's credential names its index in two lists, one for revocation and one for
suspension; setting the bit revokes (or suspends) it. The bitstring is at least 131,072 bits
(16 KB) so that a list does not reveal how few certificates exist or which one changed; it is
published gzip-compressed and multibase base64url-encoded in encodedList.

Bit 0 is the left-most (most significant) bit of the first byte, as the specification says.
"""

import gzip
import io
from datetime import datetime

from certificates.integrity import xsd_datetime
from certificates.multibase import MultibaseError, multibase_base64url, multibase_base64url_decode

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
MIN_BITS = 131_072
# A hostile list could be a gzip bomb; a real one for a million certificates is 125 KB unpacked.
MAX_BYTES = 16 * 1024 * 1024


class StatusPurpose:
    REVOCATION = "revocation"
    SUSPENSION = "suspension"
    ALL = (REVOCATION, SUSPENSION)


class StatusListError(ValueError):
    pass


def status_bits_new(size: int = MIN_BITS) -> bytearray:
    if size < MIN_BITS or size % 8:
        raise StatusListError(f"A status list holds at least {MIN_BITS} bits, in whole bytes.")
    return bytearray(size // 8)


def _position(bits: bytes | bytearray, index: int) -> tuple[int, int]:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"Index {index} is outside the list of {len(bits) * 8} entries.")
    return index // 8, 0x80 >> (index % 8)


def status_bit_get(bits: bytes | bytearray, index: int) -> bool:
    byte, mask = _position(bits, index)
    return bool(bits[byte] & mask)


def status_bit_set(bits: bytearray, index: int, value: bool = True) -> None:
    byte, mask = _position(bits, index)
    if value:
        bits[byte] |= mask
    else:
        bits[byte] &= ~mask & 0xFF


def status_bit_clear(bits: bytearray, index: int) -> None:
    status_bit_set(bits, index, False)


def encoded_list_from_bits(bits: bytes | bytearray) -> str:
    # mtime=0: the same bits always encode to the same text, so an unchanged list re-signs the same.
    return multibase_base64url(gzip.compress(bytes(bits), mtime=0))


def bits_from_encoded_list(encoded: str) -> bytearray:
    try:
        compressed = multibase_base64url_decode(encoded)
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as unpacked:
            bits = unpacked.read(MAX_BYTES + 1)
    except (MultibaseError, OSError, EOFError) as error:
        raise StatusListError(f"The encoded status list cannot be read: {error}") from error
    if len(bits) > MAX_BYTES:
        raise StatusListError("The encoded status list is implausibly large.")
    if len(bits) * 8 < MIN_BITS:
        raise StatusListError(f"The status list is shorter than the {MIN_BITS} bits the specification requires.")
    return bytearray(bits)


def status_bit_from_encoded_list(encoded: str, index: int) -> bool:
    return status_bit_get(bits_from_encoded_list(encoded), index)


def status_list_credential_build(
    *, list_url: str, issuer_id: str, purpose: str, bits: bytes | bytearray, valid_from: datetime
) -> dict:
    """The unsigned BitstringStatusListCredential published at `list_url`; sign it like any credential."""
    if purpose not in StatusPurpose.ALL:
        raise StatusListError(f"Unknown status purpose {purpose!r}.")
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list_from_bits(bits),
        },
    }


def status_list_entry(*, purpose: str, index: int, list_url: str) -> dict:
    """The credentialStatus entry a certificate's credential carries for one list."""
    if purpose not in StatusPurpose.ALL:
        raise StatusListError(f"Unknown status purpose {purpose!r}.")
    if index < 0:
        raise StatusListError("A status list index cannot be negative.")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }
