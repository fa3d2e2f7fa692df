"""The two multibase encodings the credentials use: base58btc ('z') and base64url ('u').

Written out here rather than pulled in as a dependency: base58 is twenty lines, and keys and
signatures must decode the same way everywhere they are read.
"""

import base64

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}


class MultibaseError(ValueError):
    pass


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_ALPHABET[remainder])
    # Leading zero bytes carry no numeric value, so base58 spells each one as a '1'.
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _INDEX:
            raise MultibaseError(f"{char!r} is not a base58btc character.")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_base58btc(data: bytes) -> str:
    return "z" + base58btc_encode(data)


def multibase_base58btc_decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise MultibaseError("Expected a base58btc multibase value (starting with 'z').")
    return base58btc_decode(text[1:])


def multibase_base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def multibase_base64url_decode(text: str) -> bytes:
    if not text.startswith("u"):
        raise MultibaseError("Expected a base64url multibase value (starting with 'u').")
    body = text[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as error:
        raise MultibaseError("Not valid base64url.") from error
