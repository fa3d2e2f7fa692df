"""Public verification pages, the holder's privacy and sharing page, and the administrators' view
of failed lookups. The JSON API is in verification/api.py."""

from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from certificates.did import issuer_did, public_url
from certificates.models import Certificate
from verification import services
from verification.forms import FailedLookupFilterForm, LookupForm, PdfUploadForm, ShareLinkForm, VisibilityForm
from verification.lookup import Disclosure, certificate_lookup, share_link_lookup
from verification.models import FailedLookup, LookupFailure, LookupKind, ShareLink
from verification.openapi import VERIFICATION_FIELDS, openapi_schema
from verification.pdf_check import Verdict, pdf_check
from verification.ratelimit import WINDOW_SECONDS, client_address, lookup_allowed

STATUS_STYLE = {
    # Bootstrap pairs that keep WCAG AA contrast; the word and a symbol carry the meaning, not the colour alone.
    "valid": ("text-bg-success", "✓"),
    "expired": ("text-bg-secondary", "⌛"),
    "suspended": ("text-bg-warning", "!"),
    "revoked": ("text-bg-danger", "✗"),
}


def noindex(view):
    """Verification pages name people: keep them out of search engines, by header and meta tag."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _too_many(request, *, api: bool):
    if api:
        response = JsonResponse(
            {"error": "rate_limited", "detail": "Too many lookups from your address; try again in a minute."},
            status=429,
        )
    else:
        response = render(request, "verification/rate_limited.html", {"seconds": WINDOW_SECONDS}, status=429)
    response["Retry-After"] = str(WINDOW_SECONDS)
    return response


def rate_limited(kind: str):
    """Counts the request against its client address; refuses with 429 beyond VERIFY_RATE_LIMIT a minute."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            address = client_address(request)
            allowed, first_refusal = lookup_allowed(address)
            if not allowed:
                if first_refusal:
                    _record(request, kind, LookupFailure.RATE_LIMITED, next(iter(kwargs.values()), ""), address)
                return _too_many(request, api=kind in (LookupKind.API, LookupKind.CREDENTIAL))
            request.client_address = address
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _record(request, kind: str, reason: str, identifier: str = "", address: str = "") -> None:
    services.failed_lookup_record(
        address=address or getattr(request, "client_address", "") or client_address(request),
        kind=kind,
        reason=reason,
        identifier=identifier,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def not_found(request):
    """The one answer for unknown, hidden, unfinished and malformed identifiers: the same bytes,
    so nobody can tell a hidden certificate from one that never existed."""
    return render(request, "verification/not_found.html", status=404)


# --- public pages ----------------------------------------------------------------------------


@noindex
@require_GET
def home(request):
    form = LookupForm(request.GET or None)
    if request.GET and form.is_valid():
        url = reverse("verification:certificate", args=[form.cleaned_data["identifier"]])
        if form.cleaned_data["surname"]:
            url += "?" + urlencode({"surname": form.cleaned_data["surname"]})
        return redirect(url)
    return render(request, "verification/home.html", {"form": form, "upload_form": PdfUploadForm()})


def _facts_page(request, lookup, *, shared: bool = False, surname: str = "", identifier: str = ""):
    facts = lookup.facts
    # The credential is offered only to whoever already holds the public identifier (the QR code):
    # a share link or a number must not lead to a permanent address.
    by_public_id = identifier and identifier == lookup.certificate.public_id and lookup.certificate.credential_json
    style, symbol = STATUS_STYLE[facts.status]
    return render(
        request,
        "verification/certificate.html",
        {
            "facts": facts,
            "limited": facts.disclosure == Disclosure.LIMITED,
            "surname_failed": lookup.failure == LookupFailure.SURNAME,
            "surname": surname,
            "status_style": style,
            "status_symbol": symbol,
            "shared": shared,
            "checked_at": timezone.now(),
            "credential_url": reverse("verification:api_credential", args=[identifier]) if by_public_id else "",
        },
    )


@noindex
@never_cache
@require_GET
@rate_limited(LookupKind.PAGE)
def certificate(request, identifier: str):
    surname = request.GET.get("surname", "")[:100]
    lookup = certificate_lookup(identifier, surname=surname)
    if not lookup.found:
        _record(request, LookupKind.PAGE, lookup.failure, identifier)
        return not_found(request)
    if lookup.failure:
        _record(request, LookupKind.PAGE, lookup.failure, identifier)
    return _facts_page(request, lookup, surname=surname, identifier=identifier)


@noindex
@never_cache
@require_GET
@rate_limited(LookupKind.SHARED)
def shared(request, token: str):
    lookup = share_link_lookup(token)
    if not lookup.found:
        _record(request, LookupKind.SHARED, lookup.failure, token)
        return not_found(request)
    return _facts_page(request, lookup, shared=True)


@noindex
@never_cache
@require_POST
@rate_limited(LookupKind.PDF)
def pdf(request):
    form = PdfUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "verification/home.html", {"form": LookupForm(), "upload_form": form}, status=400)
    result = pdf_check(form.cleaned_data["document"].read())
    if result.verdict != Verdict.GENUINE:
        _record(request, LookupKind.PDF, LookupFailure.NOT_GENUINE, result.number or result.verdict)
    style, symbol = STATUS_STYLE.get(result.status, ("text-bg-danger", "✗"))
    return render(
        request,
        "verification/pdf_result.html",
        {"result": result, "status_style": style, "status_symbol": symbol, "checked_at": timezone.now()},
    )


def _field_type(field: dict) -> str:
    """'string or null', 'string: valid, expired, …' — the schema's type as a reader would say it."""
    types = field["type"] if isinstance(field["type"], list) else [field["type"]]
    text = " or ".join(types)
    if field.get("format"):
        text += f" ({field['format']})"
    return f"{text}: {', '.join(field['enum'])}" if field.get("enum") else text


@noindex
@require_GET
def api_docs(request):
    schema = openapi_schema()
    return render(
        request,
        "verification/api_docs.html",
        {
            "fields": [
                (name, _field_type(field), field.get("description", "")) for name, field in VERIFICATION_FIELDS.items()
            ],
            "base_url": public_url(),
            "issuer_did": issuer_did(),
            "paths": schema["paths"],
            "openapi_url": reverse("verification:openapi"),
        },
    )


# --- the holder: hide from lookup, share a link ------------------------------------------------


def _own_certificate(request, public_id: str) -> Certificate:
    """The signed-in holder's own certificate; anyone else's is the same 404 as none."""
    return get_object_or_404(Certificate.objects.select_related("program"), public_id=public_id, holder=request.user)


def _sharing_context(request, certificate: Certificate, **forms) -> dict:
    visibility = getattr(certificate, "visibility", None)
    now = timezone.now()
    links = list(ShareLink.objects.filter(certificate=certificate).order_by("-created_at"))
    base = public_url()
    return {
        "certificate": certificate,
        "hidden": bool(visibility and visibility.hidden),
        "visibility_form": forms.get("visibility")
        or VisibilityForm(initial={"hidden": "1" if visibility and visibility.hidden else "0"}),
        "share_form": forms.get("share") or ShareLinkForm(),
        "active_links": [
            (link, base + reverse("verification:shared", args=[link.token])) for link in links if link.is_active(now)
        ],
        "past_links": [link for link in links if not link.is_active(now)][:10],
        "verify_url": base + reverse("verification:certificate", args=[certificate.public_id]),
    }


@login_required
@require_GET
def sharing(request, public_id: str):
    certificate = _own_certificate(request, public_id)
    return render(request, "verification/sharing.html", _sharing_context(request, certificate))


@login_required
@require_POST
def visibility(request, public_id: str):
    certificate = _own_certificate(request, public_id)
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        context = _sharing_context(request, certificate, visibility=form)
        return render(request, "verification/sharing.html", context, status=400)
    hidden = form.cleaned_data["hidden"]
    services.visibility_set(certificate=certificate, by=request.user, hidden=hidden)
    messages.success(
        request,
        _("Your certificate is hidden: the QR code, the number and the API now find nothing. Share links still work.")
        if hidden
        else _("Your certificate can be checked by anyone with its QR code or number again."),
    )
    return redirect("verification:sharing", public_id=certificate.public_id)


@login_required
@require_POST
def share_create(request, public_id: str):
    certificate = _own_certificate(request, public_id)
    form = ShareLinkForm(request.POST)
    if form.is_valid():
        try:
            services.share_link_create(certificate=certificate, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
    if not form.is_valid():
        return render(
            request, "verification/sharing.html", _sharing_context(request, certificate, share=form), status=400
        )
    messages.success(request, _("The link is ready: copy it from the list below and send it."))
    return redirect("verification:sharing", public_id=certificate.public_id)


@login_required
@require_POST
def share_withdraw(request, public_id: str, pk: int):
    certificate = _own_certificate(request, public_id)
    link = get_object_or_404(ShareLink, pk=pk, certificate=certificate)
    services.share_link_withdraw(link=link, by=request.user)
    messages.success(request, _("The link is withdrawn; it now finds nothing."))
    return redirect("verification:sharing", public_id=certificate.public_id)


# --- administrators: failed lookups -----------------------------------------------------------


@role_required(Role.PROGRAM_ADMIN)
@require_GET
def failed_lookups(request):
    form = FailedLookupFilterForm(request.GET or None)
    rows = FailedLookup.objects.all()
    if form.is_valid():
        if form.cleaned_data["reason"]:
            rows = rows.filter(reason=form.cleaned_data["reason"])
        if form.cleaned_data["address"]:
            rows = rows.filter(address=form.cleaned_data["address"].strip())
    since = timezone.now() - timedelta(days=1)
    busiest = (
        FailedLookup.objects.filter(at__gte=since)
        .values("address")
        .annotate(count=Count("id"))
        .order_by("-count", "address")[:10]
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "verification/failed_lookups.html",
        {
            "form": form,
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "busiest": busiest,
            "query": query.urlencode(),
            "kept_days": services.FAILED_LOOKUP_DAYS,
        },
    )
