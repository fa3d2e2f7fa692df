"""The verification API for HR systems (documented in verification/openapi.py) and the signed
credential for standard Verifiable Credentials verifiers.

Everything here is public and read-only: any origin may call it from a browser (CORS *, no
cookies honoured), every error is JSON.
"""

import hashlib
from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import conditional_page

from verification.lookup import certificate_lookup, credential_lookup, share_link_lookup
from verification.models import LookupFailure, LookupKind
from verification.openapi import openapi_schema
from verification.views import _record, noindex, rate_limited

NOT_FOUND = {"error": "not_found", "detail": "No certificate can be shown for this identifier."}
CREDENTIAL_MAX_AGE = 300  # a signed credential never changes; hiding it should reach caches within minutes


def api_get(view):
    """GET and HEAD only, answered in JSON even when refused; callable from any origin."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            response = JsonResponse({"error": "method_not_allowed", "detail": "This API only answers GET."}, status=405)
            response["Allow"] = "GET, HEAD, OPTIONS"
        elif request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "If-None-Match"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        return response

    return wrapped


def _not_found() -> JsonResponse:
    return JsonResponse(NOT_FOUND, status=404)


def _answer(lookup) -> JsonResponse:
    return JsonResponse({**lookup.facts.as_json(), "verified_at": timezone.now().isoformat(timespec="seconds")})


@api_get
@noindex
@never_cache
@rate_limited(LookupKind.API)
def verify(request, identifier: str):
    lookup = certificate_lookup(identifier, surname=request.GET.get("surname", "")[:100])
    if lookup.failure:
        _record(request, LookupKind.API, lookup.failure, identifier)
    return _answer(lookup) if lookup.found else _not_found()


@api_get
@noindex
@never_cache
@rate_limited(LookupKind.API)
def verify_shared(request, token: str):
    lookup = share_link_lookup(token)
    if not lookup.found:
        _record(request, LookupKind.API, lookup.failure, token)
        return _not_found()
    return _answer(lookup)


@api_get
@noindex
@rate_limited(LookupKind.CREDENTIAL)
def credential(request, identifier: str):
    """The credential exactly as signed (the bytes attached to the PDF), cacheable by its hash."""
    certificate = credential_lookup(identifier)
    if certificate is None:
        _record(request, LookupKind.CREDENTIAL, LookupFailure.UNKNOWN, identifier)
        response = _not_found()
        patch_cache_control(response, no_store=True)
        return response
    etag = '"' + hashlib.sha256(certificate.credential_json.encode("utf-8")).hexdigest()[:32] + '"'
    response = HttpResponse(certificate.credential_json, content_type="application/vc+ld+json; charset=utf-8")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=CREDENTIAL_MAX_AGE)
    return get_conditional_response(request, etag=etag, response=response)


@api_get
@conditional_page
def openapi(request):
    response = JsonResponse(openapi_schema(), json_dumps_params={"indent": 2})
    patch_cache_control(response, public=True, max_age=3600)
    return response
