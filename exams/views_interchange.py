"""Import and export pages for the question bank: upload, preview, confirm, watch it save; download."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.permissions import role_required
from accounts.roles import Role
from exams.interchange.export import FORMATS, bank_export
from exams.interchange.forms import ImportConfirmForm, ImportUploadForm
from exams.interchange.jobs import import_job_confirm, import_job_create, import_job_for_user
from exams.models import ImportJob
from exams.models.bank import VersionStatus

BANK_STAFF = (Role.AUTHOR, Role.PROGRAM_ADMIN)
EXPORT_CHOICES = [
    (
        "qti3",
        gettext_lazy("QTI 3.0 content package"),
        gettext_lazy("A zip with imsmanifest.xml, for TAO and other QTI tools."),
    ),
    (
        "moodle",
        gettext_lazy("Moodle XML"),
        gettext_lazy("Multichoice, true/false and ordering questions in categories."),
    ),
    (
        "gift",
        gettext_lazy("GIFT"),
        gettext_lazy("Plain text; ordering items cannot be written in GIFT and are left out."),
    ),
    ("csv", gettext_lazy("CSV"), gettext_lazy("One row per item with its tags, for spreadsheets.")),
]


def _job(request, pk: int) -> ImportJob:
    try:
        return import_job_for_user(user=request.user, pk=pk)
    except ImportJob.DoesNotExist as error:
        raise Http404 from error


@role_required(*BANK_STAFF)
def interchange_home(request):
    form = ImportUploadForm(*(request.POST, request.FILES) if request.method == "POST" else ())
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job, _plan = import_job_create(name=upload.name, data=upload.read(), by=request.user)
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            return redirect("exams:interchange_job", pk=job.pk)
    jobs = ImportJob.objects.select_related("created_by")
    if not request.user.has_role(Role.PROGRAM_ADMIN):
        jobs = jobs.filter(created_by=request.user)
    return render(request, "exams/interchange/home.html", {"form": form, "jobs": jobs[:10]})


@role_required(*BANK_STAFF)
def import_job_detail(request, pk: int):
    job = _job(request, pk)
    form = ImportConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_confirm(job=job, skip_unsupported=form.cleaned_data["skip_unsupported"], by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.info(request, _("Import confirmed: the items are being saved."))
        return redirect("exams:interchange_job", pk=job.pk)
    preview = job.preview or {}
    items = preview.get("items", [])
    for item in items:
        item["landing_label"] = VersionStatus(item["landing_status"]).label if item.get("landing_status") else ""
    return render(
        request,
        "exams/interchange/job.html",
        {
            "job": job,
            "form": form,
            "items": items,
            "unsupported": [i for i in items if not i["supported"]],
            "file_warnings": preview.get("warnings", []),
            "file_errors": preview.get("errors", []),
            "can_confirm": job.status == ImportJob.Status.PREVIEWED and job.created_by_id == request.user.pk,
        },
    )


@role_required(*BANK_STAFF)
def import_job_progress(request, pk: int):
    return render(request, "exams/interchange/job.html#progress", {"job": _job(request, pk)})


@role_required(*BANK_STAFF)
@require_GET
def export_page(request):
    return render(request, "exams/interchange/export.html", {"formats": EXPORT_CHOICES})


@role_required(*BANK_STAFF)
@require_GET
def export_download(request, format: str):
    if format not in FORMATS:
        raise Http404
    export = bank_export(format=format)
    response = HttpResponse(export.data, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
