"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (W3C Data Integrity EdDSA Cryptosuites v1.0).

Signing: canonicalise the proof configuration and the document with RDFC-1.0 (URDNA2015), hash
each with SHA-256, sign proofConfigHash + documentHash with Ed25519, and write the signature as a
base58btc multibase proofValue. Verification redoes the same steps with the proof's own options.

Canonicalisation expands the document against its JSON-LD contexts. Those are served only from the
copies in certificates/contexts/: a verifier that fetched contexts from the network could be fed a
different context by whoever controls the network, and our workers must not depend on it.
"""

import copy
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cachetools import LRUCache
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError, JsonLdProcessor

from certificates.keys import SigningKey
from certificates.multibase import MultibaseError, multibase_base58btc, multibase_base58btc_decode

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
# The JSON-LD contexts we canonicalise against: public W3C and 1EdTech specification files
# (sources in contexts/SOURCES.md). A URL not listed here is refused.
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "openbadges-v3p0-context-3.0.3.json",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
}


class IntegrityError(ValueError):
    """A document cannot be canonicalised, signed or checked; the message says why."""


class ContextNotAllowed(JsonLdError):
    def __init__(self, url: str):
        super().__init__(
            f"Refusing to load the JSON-LD context {url}: only the contexts shipped with certdesk are used.",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
        self.url = url


class ContextLoader:
    """A pyld document loader that serves a fixed set of contexts from local files and nothing else."""

    def __init__(self, documents: Mapping[str, dict]):
        self._documents = dict(documents)
        # pyld's default cache of resolved contexts is shared by every loader in the process; one per
        # loader keeps a context another loader was allowed to serve from leaking into ours.
        self.resolver = ContextResolver(LRUCache(maxsize=32), self)

    def __call__(self, url: str, options: dict | None = None) -> dict:
        if url not in self._documents:
            raise ContextNotAllowed(url)
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(self._documents[url]),
        }

    def with_contexts(self, extra: Mapping[str, dict]) -> "ContextLoader":
        """A loader that also serves `extra` (test vectors use the W3C examples context)."""
        return ContextLoader({**self._documents, **extra})


def _load_shipped_contexts() -> dict[str, dict]:
    return {url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8")) for url, name in CONTEXT_FILES.items()}


_LOCAL_LOADER: ContextLoader | None = None


def local_context_loader() -> ContextLoader:
    global _LOCAL_LOADER
    if _LOCAL_LOADER is None:
        _LOCAL_LOADER = ContextLoader(_load_shipped_contexts())
    return _LOCAL_LOADER


def _refuse_dropped_property(expanded_property: str | None) -> None:
    # JSON-LD silently drops terms its contexts do not define, and dropped terms are not signed:
    # without this, anything could be added to a signed credential undetected.
    raise IntegrityError(f"The document uses a term its contexts do not define ({expanded_property or 'unnamed'}).")


def canonicalize(document: dict, *, loader: ContextLoader | None = None) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    loader = loader or local_context_loader()
    processor = JsonLdProcessor(on_property_dropped=_refuse_dropped_property)
    try:
        return processor.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader,
                "contextResolver": loader.resolver,
                "base": "",
            },
        )
    except JsonLdError as error:
        raise IntegrityError(f"The document cannot be canonicalised: {_root_cause(error)}") from error


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None:
        error = error.__cause__
    message = error.args[0] if error.args and isinstance(error.args[0], str) else repr(error)
    return message.rstrip(".")


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def hash_data(*, document: dict, proof_config: dict, loader: ContextLoader | None = None) -> bytes:
    """proofConfigHash + transformedDocumentHash: the 64 bytes Ed25519 signs."""
    return _sha256(canonicalize(proof_config, loader=loader)) + _sha256(canonicalize(document, loader=loader))


def proof_options(*, verification_method: str, created: datetime | str | None = None) -> dict:
    if created is None:
        created = datetime.now(UTC)
    if isinstance(created, datetime):
        created = xsd_datetime(created)
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }


def xsd_datetime(moment: datetime) -> str:
    """An aware datetime as an XML Schema dateTime in UTC to the second ('2026-05-01T09:30:00Z')."""
    if moment.tzinfo is None:
        raise ValueError("A naive datetime has no time zone; pass an aware one.")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document_sign(
    document: dict,
    *,
    key: SigningKey,
    verification_method: str,
    created: datetime | str | None = None,
    loader: ContextLoader | None = None,
) -> dict:
    """A copy of `document` with an eddsa-rdfc-2022 proof attached."""
    if "proof" in document:
        raise IntegrityError("The document already carries a proof.")
    if "@context" not in document:
        raise IntegrityError("The document has no @context.")
    options = proof_options(verification_method=verification_method, created=created)
    config = {**options, "@context": document["@context"]}
    signature = key.sign(hash_data(document=document, proof_config=config, loader=loader))
    return {**copy.deepcopy(document), "proof": {**options, "proofValue": multibase_base58btc(signature)}}


@dataclass(frozen=True)
class ProofCheck:
    verified: bool
    verification_method: str = ""
    code: str = ""  # why it failed: "malformed", "unknown-key" or "bad-signature"
    problem: str = ""  # the same, for people

    @classmethod
    def failed(cls, code: str, method: str, problem: str) -> "ProofCheck":
        return cls(False, method, code, problem)


def proof_verify(
    secured: dict,
    *,
    public_key_for: Callable[[str], SigningKey | None],
    loader: ContextLoader | None = None,
) -> ProofCheck:
    """Checks the document's single eddsa-rdfc-2022 proof.

    `public_key_for(verification_method)` returns the key the verifier trusts for that id, or None."""
    proof = secured.get("proof")
    if not isinstance(proof, dict):
        return ProofCheck.failed("malformed", "", "The document has no proof, or more than one.")
    method = proof.get("verificationMethod")
    method = method if isinstance(method, str) else ""
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck.failed(
            "malformed", method, f"The proof is not a {PROOF_TYPE} with the {CRYPTOSUITE} cryptosuite."
        )
    if proof.get("proofPurpose") != "assertionMethod":
        return ProofCheck.failed("malformed", method, "The proof's purpose is not assertionMethod.")
    try:
        signature = multibase_base58btc_decode(proof.get("proofValue") or "")
    except MultibaseError:
        signature = b""
    if len(signature) != 64:
        return ProofCheck.failed("malformed", method, "The proof value is not a base58btc Ed25519 signature.")
    key = public_key_for(method) if method else None
    if key is None:
        return ProofCheck.failed(
            "unknown-key", method, f"The signing key {method or '(none named)'} is not one of the issuer's keys."
        )
    unsecured = {name: value for name, value in secured.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    context = secured.get("@context")
    if "@context" in options and not _starts_with(context, options["@context"]):
        return ProofCheck.failed("malformed", method, "The proof's @context does not match the document's.")
    config = {**options, "@context": context}
    try:
        data = hash_data(document=unsecured, proof_config=config, loader=loader)
    except IntegrityError as error:
        return ProofCheck.failed("malformed", method, str(error))
    if not key.verifies(signature, data):
        return ProofCheck.failed(
            "bad-signature",
            method,
            "The signature does not match the content: it was changed after signing, or signed by another key.",
        )
    return ProofCheck(True, method)


def _starts_with(context, prefix) -> bool:
    context = context if isinstance(context, list) else [context]
    prefix = prefix if isinstance(prefix, list) else [prefix]
    return context[: len(prefix)] == prefix
