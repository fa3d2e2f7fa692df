"""The issuer's Ed25519 signing keys: read from the environment or a file, never from the database.

The key ring lists every key the certification body has used, oldest first. The newest key signs;
older keys stay listed (usually with their secret removed) so that certificates signed before a
rotation still verify against the DID document.

CERTDESK_SIGNING_KEYS (a setting, or the environment variable of that name) is one of:
- a path to a JSON key ring written by `manage.py signing_key_create`:
  {"keys": [{"publicKeyMultibase": "z6Mk…", "secretKeyMultibase": "z3u2…", "created": "…"}, …]}
- a path to a PEM file with one or more Ed25519 PRIVATE KEY or PUBLIC KEY blocks, oldest first;
- inline multibase keys, comma separated, oldest first ("z3u2…" secrets or "z6Mk…" public keys).
Left empty with DEBUG on, a key ring is generated on first use under VAR_DIR/keys/; left empty in
production it is a configuration error (system check certdesk.E001).
"""

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from certificates.multibase import MultibaseError, multibase_base58btc, multibase_base58btc_decode

# Multicodec prefixes (varint-encoded) that the Multikey format puts before the raw key bytes.
ED25519_PUBLIC_PREFIX = b"\xed\x01"
ED25519_SECRET_PREFIX = b"\x80\x26"
SETTING = "CERTDESK_SIGNING_KEYS"
_PEM_BLOCK = re.compile(r"-----BEGIN (PRIVATE KEY|PUBLIC KEY)-----.+?-----END \1-----", re.DOTALL)


class SigningKeyError(ImproperlyConfigured):
    """The configured signing keys are missing or cannot be read."""


@dataclass(frozen=True)
class SigningKey:
    """One Ed25519 key of the issuer; `private_key` is None for a retired key kept for verification."""

    public_key: Ed25519PublicKey
    private_key: Ed25519PrivateKey | None = None
    created: str = ""

    @property
    def public_key_multibase(self) -> str:
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return multibase_base58btc(ED25519_PUBLIC_PREFIX + raw)

    @property
    def secret_key_multibase(self) -> str:
        if self.private_key is None:
            raise SigningKeyError("This key was retired: only its public half is kept.")
        seed = self.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return multibase_base58btc(ED25519_SECRET_PREFIX + seed)

    @property
    def can_sign(self) -> bool:
        return self.private_key is not None

    def sign(self, data: bytes) -> bytes:
        if self.private_key is None:
            raise SigningKeyError("This key was retired and can no longer sign.")
        return self.private_key.sign(data)

    def verifies(self, signature: bytes, data: bytes) -> bool:
        try:
            self.public_key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def as_json(self) -> dict:
        entry = {"publicKeyMultibase": self.public_key_multibase}
        if self.private_key is not None:
            entry["secretKeyMultibase"] = self.secret_key_multibase
        if self.created:
            entry["created"] = self.created
        return entry


@dataclass(frozen=True)
class KeyRing:
    """Every key the issuer has used, oldest first; the newest signs."""

    keys: tuple[SigningKey, ...]

    def __post_init__(self):
        if not self.keys:
            raise SigningKeyError("The key ring holds no keys.")
        if not self.keys[-1].can_sign:
            raise SigningKeyError("The newest key in the key ring has no secret key, so nothing can sign.")
        names = [key.public_key_multibase for key in self.keys]
        if len(set(names)) != len(names):
            raise SigningKeyError("The key ring lists the same key twice.")

    @property
    def current(self) -> SigningKey:
        return self.keys[-1]

    def as_json(self) -> dict:
        return {"keys": [key.as_json() for key in self.keys]}


def signing_key_generate() -> SigningKey:
    return SigningKey(
        public_key=(private := Ed25519PrivateKey.generate()).public_key(),
        private_key=private,
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    try:
        raw = multibase_base58btc_decode(value)
    except MultibaseError as error:
        raise SigningKeyError(f"Not a Multikey public key: {error}") from error
    if not raw.startswith(ED25519_PUBLIC_PREFIX) or len(raw) != 34:
        raise SigningKeyError("Not an Ed25519 Multikey public key (expected 'z6Mk…', 0xed01 and 32 bytes).")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def signing_key_from_multibase(secret: str = "", public: str = "", created: str = "") -> SigningKey:
    """A key from its Multikey encodings; with both given, they must be halves of one key."""
    if not secret:
        return SigningKey(public_key=public_key_from_multibase(public), created=created)
    try:
        raw = multibase_base58btc_decode(secret)
    except MultibaseError as error:
        raise SigningKeyError(f"Not a Multikey secret key: {error}") from error
    if not raw.startswith(ED25519_SECRET_PREFIX) or len(raw) != 34:
        raise SigningKeyError("Not an Ed25519 Multikey secret key (expected 'z3u2…', 0x8026 and a 32-byte seed).")
    private = Ed25519PrivateKey.from_private_bytes(raw[2:])
    key = SigningKey(public_key=private.public_key(), private_key=private, created=created)
    if public and public != key.public_key_multibase:
        raise SigningKeyError(f"The public key {public} does not belong to the secret key listed with it.")
    return key


def key_ring_from_json(text: str) -> KeyRing:
    try:
        data = json.loads(text)
        entries = data["keys"]
        return KeyRing(
            tuple(
                signing_key_from_multibase(
                    secret=entry.get("secretKeyMultibase", ""),
                    public=entry.get("publicKeyMultibase", ""),
                    created=entry.get("created", ""),
                )
                for entry in entries
            )
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise SigningKeyError(f"The key ring is not in the expected JSON form: {error}") from error


def key_ring_from_pem(text: str) -> KeyRing:
    keys = []
    for block in _PEM_BLOCK.finditer(text):
        data = block.group(0).encode("ascii")
        try:
            if block.group(1) == "PRIVATE KEY":
                private = serialization.load_pem_private_key(data, password=None)
                if not isinstance(private, Ed25519PrivateKey):
                    raise SigningKeyError("A PEM private key is not an Ed25519 key.")
                keys.append(SigningKey(public_key=private.public_key(), private_key=private))
            else:
                public = serialization.load_pem_public_key(data)
                if not isinstance(public, Ed25519PublicKey):
                    raise SigningKeyError("A PEM public key is not an Ed25519 key.")
                keys.append(SigningKey(public_key=public))
        except ValueError as error:
            raise SigningKeyError(f"A PEM block cannot be read: {error}") from error
    return KeyRing(tuple(keys))


def key_ring_from_inline(value: str) -> KeyRing:
    keys = []
    for part in (part.strip() for part in value.split(",")):
        if part.startswith("z3u2"):
            keys.append(signing_key_from_multibase(secret=part))
        elif part.startswith("z6Mk"):
            keys.append(signing_key_from_multibase(public=part))
        elif part:
            raise SigningKeyError("Inline keys must be Multikey values: 'z3u2…' secrets or 'z6Mk…' public keys.")
    return KeyRing(tuple(keys))


def key_ring_read(configured: str) -> KeyRing:
    """The key ring a CERTDESK_SIGNING_KEYS value names (see the module docstring for the forms)."""
    configured = configured.strip()
    if configured.startswith(("z3u2", "z6Mk")):
        return key_ring_from_inline(configured)
    path = Path(configured)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SigningKeyError(f"{SETTING}: cannot read the key file {path}: {error.strerror}.") from error
    if "-----BEGIN" in text:
        return key_ring_from_pem(text)
    return key_ring_from_json(text)


def key_ring_write(key_ring: KeyRing, path: Path) -> None:
    """Writes the key ring readable by its owner only, replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(key_ring.as_json(), handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def configured_signing_keys() -> str:
    """The CERTDESK_SIGNING_KEYS setting, or the environment variable when settings do not define it."""
    value = getattr(settings, SETTING, None)
    if value is None:
        value = os.environ.get(SETTING, "")
    return str(value).strip()


def development_key_file() -> Path:
    return Path(settings.VAR_DIR) / "keys" / "development-signing-keys.json"


def development_key_ring() -> KeyRing:
    """The local key ring under var/, created on first use; only ever used with DEBUG on."""
    path = development_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together (web and worker) must not each write a different key.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(KeyRing((signing_key_generate(),)).as_json(), handle, indent=2)
                handle.write("\n")
    return _key_ring_cached(str(path), _modified(str(path)))


def issuer_key_ring() -> KeyRing:
    """The deployment's key ring, from configuration; raises SigningKeyError when there is none."""
    configured = configured_signing_keys()
    if configured:
        return _key_ring_cached(configured, _modified(configured))
    if settings.DEBUG:
        return development_key_ring()
    raise SigningKeyError(
        f"No signing keys: set {SETTING} to a key file (python manage.py signing_key_create --out FILE) "
        "or to inline Multikey secrets."
    )


def _modified(configured: str) -> float:
    # Part of the cache key, so a rotated key file is picked up without restarting workers.
    try:
        return Path(configured).stat().st_mtime
    except (OSError, ValueError):
        return 0.0


@lru_cache(maxsize=8)
def _key_ring_cached(configured: str, modified: float) -> KeyRing:
    return key_ring_read(configured)
