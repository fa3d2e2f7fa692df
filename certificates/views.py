import csv
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page, require_GET, require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from certificates import services
from certificates.access import certificate_for_viewer
from certificates.did import issuer_did_document
from certificates.forms import IssuerProfileForm, ReasonForm, RegisterSearchForm, ReissueForm
from certificates.models import DELIVERED_STATUSES, Certificate, IssuerProfile
from certificates.status_list import StatusPurpose

# --- public: what verifiers fetch ------------------------------------------------------------


def _public_document(view):
    """Verifiers fetch these from anywhere, browsers included (CORS *); the ETag (a hash of the
    body, from conditional_page) lets them revalidate with a 304 instead of a download."""

    conditional = conditional_page(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag"
        return response

    return wrapped


@require_GET
@_public_document
@cache_control(public=True, max_age=3600)
def did_document(request):
    return JsonResponse(issuer_did_document(), content_type="application/did+json")


@require_GET
@_public_document
@cache_control(public=True, max_age=60)
def status_list(request, purpose: str):
    if purpose not in StatusPurpose.ALL:
        raise Http404
    return JsonResponse(services.status_list_credential(purpose), content_type="application/vc+ld+json")


# --- the holder's own certificates -----------------------------------------------------------


@role_required(Role.CANDIDATE)
def mine(request):
    certificates = Certificate.objects.filter(holder=request.user).select_related("program").order_by("-created_at")
    return render(request, "certificates/mine.html", {"certificates": certificates})


def _viewer_required(view):
    def wrapped(request, public_id: str):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, certificate_for_viewer(request, public_id))

    wrapped.__name__ = view.__name__
    return wrapped


@require_GET
@_viewer_required
def download_pdf(request, certificate: Certificate):
    if certificate.status not in DELIVERED_STATUSES or not certificate.pdf:
        raise Http404
    response = FileResponse(certificate.pdf.open("rb"), as_attachment=True, filename=certificate.pdf_filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@_viewer_required
def download_credential(request, certificate: Certificate):
    if certificate.status not in DELIVERED_STATUSES or not certificate.credential_json:
        raise Http404
    response = HttpResponse(certificate.credential_json, content_type="application/vc+ld+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credential-{certificate.number}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- administrators: the register and its actions ---------------------------------------------


def _register_queryset(form: RegisterSearchForm):
    rows = Certificate.objects.select_related("program", "holder").order_by("-issued_on", "-pk")
    if not form.is_valid():
        return rows.none()
    data = form.cleaned_data
    if data["q"]:
        query = data["q"].strip()
        rows = rows.filter(
            Q(number__iexact=query)
            | Q(number__icontains=query)
            | Q(holder_name__icontains=query)
            | Q(holder__email__iexact=query)
        )
    if data["program"]:
        rows = rows.filter(program=data["program"])
    if data["status"]:
        rows = rows.filter(status=data["status"])
    if data["issued_from"]:
        rows = rows.filter(issued_on__gte=data["issued_from"])
    if data["issued_to"]:
        rows = rows.filter(issued_on__lte=data["issued_to"])
    return rows


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = ["number", "status", "kind", "holder_name", "program", "issued_on", "expires_on", "public_id", "replaces"]


def _csv_rows(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for certificate in rows.select_related("replaces").iterator(chunk_size=500):
        yield writer.writerow(
            [
                certificate.number,
                certificate.status,
                certificate.kind,
                # A leading =, +, - or @ would run as a formula in a spreadsheet.
                ("'" + certificate.holder_name) if certificate.holder_name[:1] in "=+-@" else certificate.holder_name,
                certificate.program.code,
                certificate.issued_on.isoformat(),
                certificate.expires_on.isoformat(),
                certificate.public_id,
                certificate.replaces.number if certificate.replaces else "",
            ]
        )


@role_required(Role.PROGRAM_ADMIN)
def register(request):
    form = RegisterSearchForm(request.GET or None)
    rows = _register_queryset(form) if request.GET else _register_queryset(RegisterSearchForm({}))
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(_csv_rows(rows), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="certificate-register-{stamp}.csv"'
        return response
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/register.html",
        {"form": form, "page": page, "query": query.urlencode(), "csv_query": _with(query, format="csv")},
    )


def _with(query, **extra) -> str:
    query = query.copy()
    for name, value in extra.items():
        query[name] = value
    return query.urlencode()


def _admin_certificate(public_id: str) -> Certificate:
    return get_object_or_404(
        Certificate.objects.select_related("program", "holder", "attempt", "replaces"), public_id=public_id
    )


@role_required(Role.PROGRAM_ADMIN)
def detail(request, public_id: str):
    certificate = _admin_certificate(public_id)
    return render(request, "certificates/detail.html", _detail_context(certificate))


def _detail_context(certificate: Certificate, **forms) -> dict:
    return {
        "certificate": certificate,
        "replaced_by": Certificate.objects.filter(replaces=certificate).first(),
        "events": certificate.events.select_related("actor"),
        "verify_url": services.verification_url(certificate),
        "suspend_form": forms.get("suspend") or ReasonForm(prefix="suspend"),
        "reinstate_form": forms.get("reinstate") or ReasonForm(prefix="reinstate"),
        "revoke_form": forms.get("revoke") or ReasonForm(prefix="revoke"),
        "reissue_form": forms.get("reissue")
        or ReissueForm(prefix="reissue", initial={"holder_name": certificate.holder_name}),
        "can": {
            "suspend": certificate.status in services.TRANSITIONS["suspend"][0],
            "reinstate": certificate.status in services.TRANSITIONS["reinstate"][0],
            "revoke": certificate.status in services.TRANSITIONS["revoke"][0],
            "reissue": certificate.status == "issued",
            "retry": certificate.status in ("pending", "signed", "rendered")
            and certificate.render_attempts >= certificate.render_max_attempts,
        },
    }


ACTIONS = {
    "suspend": (ReasonForm, services.certificate_suspend, gettext_lazy("The certificate is suspended.")),
    "reinstate": (ReasonForm, services.certificate_reinstate, gettext_lazy("The certificate is reinstated.")),
    "revoke": (ReasonForm, services.certificate_revoke, gettext_lazy("The certificate is revoked.")),
    "reissue": (
        ReissueForm,
        services.certificate_reissue,
        gettext_lazy("A new certificate is being issued; the old one is superseded."),
    ),
    "retry": (None, services.certificate_retry, gettext_lazy("The certificate is queued again.")),
}


@require_POST
@role_required(Role.PROGRAM_ADMIN)
def action(request, public_id: str, name: str):
    if name not in ACTIONS:
        raise Http404
    form_class, service, done = ACTIONS[name]
    certificate = _admin_certificate(public_id)
    form = form_class(request.POST, prefix=name) if form_class else None
    if form is not None and not form.is_valid():
        return render(request, "certificates/detail.html", _detail_context(certificate, **{name: form}), status=400)
    try:
        result = service(certificate=certificate, by=request.user, **(form.cleaned_data if form else {}))
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect("certificates:detail", public_id=certificate.public_id)
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return render(request, "certificates/detail.html", _detail_context(certificate, **{name: form}), status=400)
    messages.success(request, str(done))
    return redirect("certificates:detail", public_id=result.public_id)


@role_required(Role.PROGRAM_ADMIN)
def issuer_profile(request):
    profile = IssuerProfile.current()
    form = IssuerProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = form.save(commit=False)
        profile.updated_by = request.user
        profile.updated_at = timezone.now()
        profile.save()
        messages.success(request, _("The issuer profile is saved. New certificates use it."))
        return redirect("certificates:issuer_profile")
    return render(request, "certificates/issuer_profile.html", {"form": form, "profile": profile})
