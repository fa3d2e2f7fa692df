"""The verification API as OpenAPI 3.1, served at /api/v1/openapi.json and shown at /verify/api/.

Field names are a contract with HR systems: add fields, never rename or remove them. The test
suite checks that every answer has exactly the fields listed here.
"""

from certificates.did import public_url
from verification.lookup import Disclosure, PublicStatus

API_VERSION = "1.0.0"

_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}

VERIFICATION_FIELDS = {
    "status": {
        "type": "string",
        "enum": list(PublicStatus.ALL),
        "description": "valid: issued and current. expired: past its expiry date. suspended: temporarily not "
        "valid (may be reinstated). revoked: withdrawn for good, or replaced by a reissue with corrected details.",
    },
    "disclosure": {
        "type": "string",
        "enum": [Disclosure.FULL, Disclosure.LIMITED],
        "description": "limited when looked up by certificate number without the holder's surname: only status "
        "and program are given, the other fields are null.",
    },
    "certificate_number": {"type": "string", "examples": ["CSS-2026-000042"]},
    "program": {"type": "string", "description": "The certification program's name."},
    "program_code": {"type": "string"},
    "standard": {"type": "string", "description": "The standard the certification assesses against."},
    "level": {"type": "string", "description": "The level certified; empty for standards without levels."},
    "holder_name": {"type": ["string", "null"], "description": "The holder's name exactly as printed."},
    "issued_on": _NULLABLE_DATE,
    "expires_on": {**_NULLABLE_DATE, "description": "Not valid from this date on."},
    "status_changed_on": {
        **_NULLABLE_DATE,
        "description": "When it was revoked or suspended; null for valid and expired certificates.",
    },
    "superseded": {
        "type": ["boolean", "null"],
        "description": "A newer certificate (a renewal or a reissue) replaces this one.",
    },
    "competencies": {
        "type": ["array", "null"],
        "description": "The competencies the certification covers, as signed in the credential.",
        "items": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
            "required": ["code", "name"],
        },
    },
    "issuer": {
        "type": ["object", "null"],
        "properties": {
            "name": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "did": {"type": "string", "description": "The issuer's did:web identifier."},
        },
        "required": ["name", "url", "did"],
    },
    "verified_at": {"type": "string", "format": "date-time", "description": "When this answer was made."},
}

_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "enum": ["not_found", "rate_limited", "method_not_allowed"]},
        "detail": {"type": "string"},
    },
    "required": ["error", "detail"],
}


def _json(schema_ref: str, description: str, **extra) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
        **extra,
    }


_NOT_FOUND = _json(
    "Error",
    "Unknown, hidden by the holder, not yet issued or malformed: always the same answer, so nothing can be "
    "learned from the difference.",
)
_RATE_LIMITED = _json(
    "Error",
    "Too many lookups from this address in the last minute.",
    headers={"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
)
_CACHE_HEADERS = {
    "ETag": {"schema": {"type": "string"}, "description": "Send it back in If-None-Match to get 304 when unchanged."},
    "Cache-Control": {"schema": {"type": "string"}},
}


def openapi_schema() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "certdesk certificate verification",
            "version": API_VERSION,
            "description": "Check a certificate's status and facts by its verification code (from the QR "
            "code), by its number, or through a link the holder shared. No authentication; each client "
            "address may make a limited number of lookups a minute (429 beyond it). Answers are never cached.",
        },
        "servers": [{"url": public_url()}],
        "paths": {
            "/api/v1/verify/{identifier}": {
                "get": {
                    "operationId": "verifyCertificate",
                    "summary": "A certificate's status and facts",
                    "parameters": [
                        {
                            "name": "identifier",
                            "in": "path",
                            "required": True,
                            "description": "The verification code (the last part of the QR code's address) or "
                            "the certificate number.",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "surname",
                            "in": "query",
                            "required": False,
                            "description": "With a certificate number: the holder's surname as printed (case and "
                            "accents ignored). Without it a number lookup gives status and program only.",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": _json("Verification", "The certificate's status and facts."),
                        "404": _NOT_FOUND,
                        "429": _RATE_LIMITED,
                    },
                }
            },
            "/api/v1/verify/shared/{token}": {
                "get": {
                    "operationId": "verifySharedCertificate",
                    "summary": "A certificate through a link its holder shared",
                    "description": "The token is the last part of a /verify/shared/ link. Works while the link "
                    "is active, even if the holder hid the certificate from public lookup.",
                    "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": _json("Verification", "The certificate's status and facts."),
                        "404": _NOT_FOUND,
                        "429": _RATE_LIMITED,
                    },
                }
            },
            "/api/v1/credentials/{identifier}": {
                "get": {
                    "operationId": "getCredential",
                    "summary": "The signed credential, for any Verifiable Credentials verifier",
                    "description": "The certificate's Open Badges 3.0 OpenBadgeCredential (W3C Verifiable "
                    "Credential 2.0) with its eddsa-rdfc-2022 Data Integrity proof, exactly as attached to the PDF. "
                    "By verification code only.",
                    "parameters": [
                        {"name": "identifier", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "The signed credential.",
                            "headers": _CACHE_HEADERS,
                            "content": {"application/vc+ld+json": {"schema": {"type": "object"}}},
                        },
                        "304": {"description": "Unchanged since the ETag given in If-None-Match."},
                        "404": _NOT_FOUND,
                        "429": _RATE_LIMITED,
                    },
                }
            },
            "/status-lists/{purpose}": {
                "get": {
                    "operationId": "getStatusList",
                    "summary": "A signed BitstringStatusListCredential (W3C Bitstring Status List v1.0)",
                    "parameters": [
                        {
                            "name": "purpose",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": ["revocation", "suspension"]},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The status list credential each certificate's credentialStatus names.",
                            "headers": _CACHE_HEADERS,
                            "content": {"application/vc+ld+json": {"schema": {"type": "object"}}},
                        },
                        "304": {"description": "Unchanged since the ETag given in If-None-Match."},
                    },
                }
            },
            "/.well-known/did.json": {
                "get": {
                    "operationId": "getDidDocument",
                    "summary": "The issuer's did:web DID document: every key that has signed certificates",
                    "responses": {
                        "200": {
                            "description": "The DID document.",
                            "headers": _CACHE_HEADERS,
                            "content": {"application/did+json": {"schema": {"type": "object"}}},
                        },
                        "304": {"description": "Unchanged since the ETag given in If-None-Match."},
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Verification": {
                    "type": "object",
                    "properties": VERIFICATION_FIELDS,
                    "required": list(VERIFICATION_FIELDS),
                },
                "Error": _ERROR,
            }
        },
    }
