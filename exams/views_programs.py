"""Program pages: programs and their exam definition, the blueprint editor with its live feasibility
panel, a sample form drawn from the blueprint, and the bank's coverage of every blueprint."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from exams import programs as services
from exams.forms_programs import BlueprintForm, ProgramForm, SeedForm
from exams.models.programs import CertificationProgram

# Staff who already read items with their keys in the bank; the sample form shows keys too.
BANK_STAFF = (Role.AUTHOR, Role.REVIEWER, Role.PROGRAM_ADMIN)


def _program(pk: int) -> CertificationProgram:
    try:
        return CertificationProgram.objects.select_related("standard", "level", "prerequisite").get(pk=pk)
    except CertificationProgram.DoesNotExist:
        raise Http404 from None


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@role_required(Role.PROGRAM_ADMIN)
def program_list(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/programs/list.html", {"overview": services.programs_overview()})


@role_required(Role.PROGRAM_ADMIN)
def program_create(request: HttpRequest) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.program_create(by=request.user, **form.service_fields())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Program created as a draft. Give it a blueprint, then publish it."))
            return redirect("exams:blueprint_edit", program.pk)
    return render(request, "exams/programs/form.html", {"form": form, "program": None})


@role_required(Role.PROGRAM_ADMIN)
def program_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    form = ProgramForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            services.program_update(
                program=program, by=request.user, comment=form.cleaned_data["comment"], **form.service_fields()
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Program saved."))
            return redirect("exams:program_detail", program.pk)
    return render(request, "exams/programs/form.html", {"form": form, "program": program})


@role_required(Role.PROGRAM_ADMIN)
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    blueprint = services.blueprint_of(program)
    cells = services.blueprint_feasibility(blueprint) if blueprint is not None else []
    weights = {row.domain_id: row.weight for row in blueprint.domains.all()} if blueprint is not None else {}
    return render(
        request,
        "exams/programs/detail.html",
        {
            "program": program,
            "blueprint": blueprint,
            "groups": [
                (domain, weights.get(domain.object_id), minimums)
                for domain, minimums in services.cells_by_domain(cells)
            ],
            "shortfalls": [cell for cell in cells if not cell.ok],
            "events": program.events.select_related("actor"),
        },
    )


@require_POST
@role_required(Role.PROGRAM_ADMIN)
def program_publish(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    try:
        services.program_publish(program=program, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Program published: sessions can be opened for booking."))
    return redirect("exams:program_detail", program.pk)


# --- blueprint -------------------------------------------------------------------------------


def _feasibility_panel(program: CertificationProgram, form: BlueprintForm) -> dict:
    """What the panel shows for the editor's current state: the blueprint's own errors, or each cell."""
    total = form.weight_total()
    panel = {
        "total": total,
        "total_ok": abs(total - 100) <= services.WEIGHT_SUM_SLACK,
        "errors": [],
        "cells": [],
        "shortfalls": [],
    }
    if form.is_bound and not form.is_valid():
        panel["errors"] = [
            f"{form.fields[name].label}: {message}" if name in form.fields else message
            for name, messages_ in form.errors.items()
            for message in messages_
            if name != "comment"
        ]
        return panel
    try:
        panel["cells"] = services.blueprint_check(program=program, data=form.blueprint_input())
    except ValidationError as error:
        panel["errors"] = error.messages
    panel["groups"] = services.cells_by_domain(panel["cells"])
    panel["shortfalls"] = [cell for cell in panel["cells"] if not cell.ok]
    return panel


@role_required(Role.PROGRAM_ADMIN)
def blueprint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    form = BlueprintForm(request.POST or None, program=program)
    # Read before saving: a refusal adds its messages to the form, and the panel should still show the cells.
    panel = _feasibility_panel(program, form)
    if request.method == "POST" and form.is_valid() and "check" not in request.POST:
        try:
            services.blueprint_save(
                program=program, data=form.blueprint_input(), by=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Blueprint saved: the bank can fill it."))
            return redirect("exams:program_detail", program.pk)
    return render(
        request,
        "exams/programs/blueprint.html",
        {"form": form, "program": program, "panel": panel},
    )


@require_POST
@role_required(Role.PROGRAM_ADMIN)
def blueprint_feasibility(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor's live panel: the unsaved blueprint against the bank as it is now. Saves nothing."""
    program = _program(pk)
    form = BlueprintForm(request.POST, program=program)
    return render(
        request,
        "exams/programs/blueprint.html#feasibility",
        {"program": program, "panel": _feasibility_panel(program, form)},
    )


# --- reads for bank staff --------------------------------------------------------------------


@role_required(*BANK_STAFF)
def form_preview(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    seed_form = SeedForm(request.GET or None)
    seed = seed_form.cleaned_data["seed"] if seed_form.is_valid() else None
    return render(
        request,
        "exams/programs/preview.html",
        {
            "program": program,
            "seed_form": seed_form,
            "preview": services.form_preview(program=program, seed=seed),
            "can_manage": request.user.has_role(Role.PROGRAM_ADMIN),
        },
    )


@role_required(*BANK_STAFF)
def coverage(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/programs/coverage.html", {"standards": services.coverage()})
