"""The issuer's identity as did:web, and the DID document that lists its keys.

A verifier reads the DID document at /.well-known/did.json (or <path>/did.json for a deployment
under a path) to learn which keys may sign for the issuer. Every key ever used stays listed, so a
certificate signed before a key rotation still verifies.
"""

import os
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from certificates.keys import SigningKey, issuer_key_ring

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:8000"


class DidError(ValueError):
    pass


def did_web_from_url(public_url: str) -> str:
    """did:web for a deployment URL: the host (a port's colon becomes %3A), then path segments joined by ':'."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise DidError(f"{public_url!r} is not an absolute http(s) URL.")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise DidError(f"{public_url!r} must be a plain origin with an optional path (no query, fragment or login).")
    if ":" in parts.hostname:
        raise DidError("did:web cannot name an IPv6 address; use a host name.")
    host = parts.hostname.encode("idna").decode("ascii").lower()
    if parts.port is not None:
        host = f"{host}%3A{parts.port}"
    segments = [quote(unquote(segment), safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did", "web", host, *segments])


def did_document_url(did: str) -> str:
    """Where did:web says its document lives: /.well-known/did.json at the root, <path>/did.json below."""
    if not did.startswith("did:web:"):
        raise DidError(f"{did!r} is not a did:web identifier.")
    host, *segments = did.removeprefix("did:web:").split(":")
    if not host:
        raise DidError(f"{did!r} names no host.")
    host = unquote(host)
    path = "/".join(segments) if segments else ".well-known"
    return f"https://{host}/{path}/did.json"


def configured_public_url() -> str:
    """The PUBLIC_URL setting, or the environment variable when settings do not define it."""
    value = getattr(settings, "PUBLIC_URL", None)
    if value is None:
        value = os.environ.get("PUBLIC_URL", "")
    return str(value).strip()


def public_url() -> str:
    """The deployment's public URL without a trailing slash; a local address when DEBUG is on and none is set."""
    value = configured_public_url()
    if not value:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "Set PUBLIC_URL to the address the site is served under, e.g. https://certdesk.example."
            )
        value = DEVELOPMENT_PUBLIC_URL
    return value.rstrip("/")


def issuer_did() -> str:
    return did_web_from_url(public_url())


def verification_method_id(did: str, key: SigningKey) -> str:
    """An absolute key id: relative ids ('#key-…') break verifiers that compare ids as strings."""
    return f"{did}#key-{key.public_key_multibase}"


def did_document(*, did: str, keys: Iterable[SigningKey]) -> dict:
    methods = [
        {
            "id": verification_method_id(did, key),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
    ]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def assertion_keys(document: dict) -> dict[str, str]:
    """The keys a DID document lets sign credentials: verification method id -> publicKeyMultibase.

    A method counts only if it is a Multikey controlled by the document's own DID and is listed
    under assertionMethod (by reference or embedded)."""
    did = document.get("id")
    methods = {
        method["id"]: method
        for method in document.get("verificationMethod", [])
        if isinstance(method, dict) and isinstance(method.get("id"), str)
    }
    keys = {}
    for entry in document.get("assertionMethod", []):
        method = methods.get(entry) if isinstance(entry, str) else entry
        if (
            isinstance(method, dict)
            and method.get("type") == "Multikey"
            and method.get("controller") == did
            and isinstance(method.get("id"), str)
            and method["id"].startswith(f"{did}#")
            and isinstance(method.get("publicKeyMultibase"), str)
        ):
            keys[method["id"]] = method["publicKeyMultibase"]
    return keys


def issuer_did_document() -> dict:
    """This deployment's DID document, from the configured key ring."""
    return did_document(did=issuer_did(), keys=issuer_key_ring().keys)
