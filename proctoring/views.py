"""The proctor's pages: the session list, a live dashboard per session, the attempt's page with its
actions and incident log, the admission form; and the program administrators' thresholds.

Every view is role_required(Proctor, Program administrator) (403 for other roles) and reaches its
session or attempt through proctoring.access (404 for the proctor of another session). Writes go
through proctoring.services.
"""

import mimetypes
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from exams import hooks
from exams.delivery import FLAGGABLE_STATUSES
from exams.models.delivery import LIVE_STATUSES, AttemptStatus
from exams.models.programs import CertificationProgram
from proctoring import selectors, services
from proctoring.access import PROCTOR_ROLES, attempt_for_proctor, session_for_proctor
from proctoring.forms import (
    AdmissionForm,
    DecisionForm,
    ExtendForm,
    MessageForm,
    NoteForm,
    ObservationForm,
    ReasonForm,
    TerminateForm,
    ThresholdsForm,
)
from proctoring.integrity import thresholds_for
from proctoring.models import DEFAULT_THRESHOLDS, Admission, Incident, IntegrityKind, IntegrityThreshold
from proctoring.rows_html import rows_html

A = AttemptStatus


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- sessions --------------------------------------------------------------------------------------


@role_required(*PROCTOR_ROLES)
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    past = request.GET.get("when") == "past"
    sessions = selectors.sessions_for_proctor(request.user, past=past)
    return render(
        request,
        "proctoring/session_list.html",
        {
            "sessions": sessions[:100] if past else sessions,
            "past": past,
            "now": timezone.now(),
            "is_admin": request.user.has_role(Role.PROGRAM_ADMIN),
        },
    )


def _dashboard_context(request, session) -> dict:
    show = request.GET.get("show", "all")
    board = selectors.dashboard(session, show=show)
    # The row's words, translated once for all rows.
    words = {"online": _("online"), "offline": _("offline"), "flagged": _("flagged"), "admit": _("Check ID and admit")}
    return {
        "session": session,
        "board": board,
        "rows_html": rows_html(board.rows, words, empty=_("No candidates here.")),
        "groups": selectors.GROUPS,
        "poll_seconds": 2 if board.live else 10,
    }


@role_required(*PROCTOR_ROLES)
@require_GET
@never_cache
def session_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_proctor(request, pk)
    now = timezone.now()
    context = _dashboard_context(request, session)
    context.update(
        {
            "paused_session": services.session_paused(session),
            "window_closed": now > session.closes_at,
            "pause_form": ReasonForm(prefix="session"),
        }
    )
    return render(request, "proctoring/dashboard.html", context)


@role_required(*PROCTOR_ROLES)
@require_GET
@never_cache
def session_rows(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx refresh: the table body, and the counts above it swapped out of band."""
    session = session_for_proctor(request, pk)
    context = _dashboard_context(request, session)
    rows = render_to_string("proctoring/dashboard.html#rows", context, request=request)
    summary = render_to_string("proctoring/dashboard.html#summary", {**context, "oob": True}, request=request)
    return HttpResponse(rows + summary)


@role_required(*PROCTOR_ROLES)
@require_POST
def session_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _session_pause_or_resume(request, pk, pause=True)


@role_required(*PROCTOR_ROLES)
@require_POST
def session_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _session_pause_or_resume(request, pk, pause=False)


def _session_pause_or_resume(request, pk: int, *, pause: bool) -> HttpResponse:
    session = session_for_proctor(request, pk)
    form = ReasonForm(request.POST, prefix="session")
    if not form.is_valid():
        messages.error(request, _("Say why: the reason goes into every candidate's history."))
        return redirect("proctoring:session", session.pk)
    service = services.session_pause if pause else services.session_resume
    try:
        changed = service(session=session, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        text = (
            _("Session paused: %(n)s exams stopped; nobody can start until you resume.")
            if pause
            else _("Session resumed: %(n)s exams go on.")
        )
        messages.success(request, text % {"n": len(changed)})
    return redirect("proctoring:session", session.pk)


@role_required(*PROCTOR_ROLES)
@require_POST
def session_no_shows(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_proctor(request, pk)
    try:
        expired = services.session_no_shows(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(n)s no-shows recorded.") % {"n": expired})
    return redirect("proctoring:session", session.pk)


@role_required(*PROCTOR_ROLES)
@require_http_methods(["GET", "POST"])
def session_log(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_proctor(request, pk)
    form = NoteForm(request.POST or None, prefix="note")
    if request.method == "POST" and form.is_valid():
        services.note_add(session=session, by=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Note added to the session's log."))
        return redirect("proctoring:session_log", session.pk)
    return render(
        request,
        "proctoring/session_log.html",
        {"session": session, "entries": selectors.session_log(session), "note_form": form},
        status=400 if form.errors else 200,
    )


# --- one attempt -------------------------------------------------------------------------------------

ACTIONS = {
    "pause": ReasonForm,
    "resume": ReasonForm,
    "extend": ExtendForm,
    "message": MessageForm,
    "move": ReasonForm,
    "flag": ReasonForm,
    "terminate": TerminateForm,
    "note": NoteForm,
    "observe": ObservationForm,
}


def _run(action: str, attempt, by, data: dict) -> str:
    """Calls the service for one action; returns what to tell the proctor."""
    if action == "pause":
        services.proctor_pause(attempt=attempt, by=by, reason=data["reason"])
        return _("Paused: the candidate's clock has stopped.")
    if action == "resume":
        services.proctor_resume(attempt=attempt, by=by, reason=data["reason"])
        return _("Resumed.")
    if action == "extend":
        services.proctor_extend(attempt=attempt, by=by, minutes=data["minutes"], reason=data["reason"])
        return _("%(n)s minutes added.") % {"n": data["minutes"]}
    if action == "message":
        services.proctor_message(attempt=attempt, by=by, text=data["text"], reason=data["reason"])
        return _("Message sent to the candidate's screen.")
    if action == "move":
        services.proctor_move_device(attempt=attempt, by=by, reason=data["reason"])
        return _("The candidate may now open the exam on another device; this browser is shut out.")
    if action == "flag":
        services.proctor_flag(attempt=attempt, by=by, reason=data["reason"])
        return _("Flagged: the result waits for a review after the exam.")
    if action == "terminate":
        services.proctor_terminate(attempt=attempt, by=by, reason=data["reason"], outcome=data["outcome"])
        return _("The exam is terminated.")
    if action == "note":
        services.note_add(session=attempt.session, attempt=attempt, by=by, text=data["text"])
        return _("Note added.")
    services.incident_open(attempt=attempt, by=by, summary=data["summary"])
    return _("Incident opened.")


def _available(attempt) -> set[str]:
    available = {"note"}
    if attempt.status == A.IN_PROGRESS:
        available |= {"pause"}
    if attempt.status == A.PAUSED:
        available |= {"resume"}
    if attempt.status in LIVE_STATUSES:
        available |= {"move"}
    if attempt.status in (A.CHECKED_IN, *LIVE_STATUSES):
        available |= {"extend", "message", "terminate"}
    if attempt.status in FLAGGABLE_STATUSES:
        available |= {"observe"}
        if not attempt.review_flag:
            available |= {"flag"}
    return available


def _attempt_page(request, attempt, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    bound = bound or {}
    available = _available(attempt)
    # A refused action keeps its form (and its errors) on the page even when its status no longer offers it.
    forms = {
        name: bound.get(name) or ACTIONS[name](prefix=name) for name in ACTIONS if name in available or name in bound
    }
    incidents = list(attempt.incidents.select_related("opened_by", "decided_by"))
    decision_forms = {
        incident.pk: bound.get(f"decide-{incident.pk}") or DecisionForm(prefix=f"incident-{incident.pk}")
        for incident in incidents
        if incident.is_open
    }
    try:
        admission = attempt.admission
    except Admission.DoesNotExist:
        admission = None
    return render(
        request,
        "proctoring/attempt.html",
        {
            "attempt": attempt,
            "session": attempt.session,
            "name": selectors.candidate_name(attempt.candidate),
            "row": selectors.attempt_row(attempt),
            "admission": admission,
            "forms": forms,
            "incidents": [(incident, decision_forms.get(incident.pk)) for incident in incidents],
            "log": selectors.attempt_log(attempt),
        },
        status=status,
    )


@role_required(*PROCTOR_ROLES)
@require_GET
@never_cache
def attempt_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _attempt_page(request, attempt_for_proctor(request, public_id))


@role_required(*PROCTOR_ROLES)
@require_GET
@never_cache
def attempt_status(request: HttpRequest, public_id: str) -> HttpResponse:
    attempt = attempt_for_proctor(request, public_id)
    return render(
        request, "proctoring/attempt.html#status", {"attempt": attempt, "row": selectors.attempt_row(attempt)}
    )


@role_required(*PROCTOR_ROLES)
@require_POST
def attempt_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    attempt = attempt_for_proctor(request, public_id)
    form = ACTIONS[action](request.POST, prefix=action)
    if form.is_valid():
        try:
            done = _run(action, attempt, request.user, form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("proctoring:attempt", attempt.public_id)
    attempt.refresh_from_db()
    return _attempt_page(request, attempt, bound={action: form}, status=400)


@role_required(*PROCTOR_ROLES)
@require_POST
def incident_decide(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("attempt"), pk=pk)
    attempt = attempt_for_proctor(request, incident.attempt.public_id)
    form = DecisionForm(request.POST, prefix=f"incident-{incident.pk}")
    if form.is_valid():
        try:
            services.incident_decide(incident=incident, by=request.user, **form.service_fields())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("proctoring:attempt", attempt.public_id)
    attempt.refresh_from_db()
    return _attempt_page(request, attempt, bound={f"decide-{incident.pk}": form}, status=400)


# --- admission -------------------------------------------------------------------------------------


@role_required(*PROCTOR_ROLES)
@require_http_methods(["GET", "POST"])
def attempt_admit(request: HttpRequest, public_id: str) -> HttpResponse:
    attempt = attempt_for_proctor(request, public_id)
    legal_name = hooks.legal_name_for(attempt.candidate)
    form = AdmissionForm(request.POST or None, request.FILES or None, initial={"id_name": legal_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.admission_record(attempt=attempt, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("%(name)s is admitted and can start.") % {"name": legal_name})
            return redirect("proctoring:session", attempt.session_id)
    return render(
        request,
        "proctoring/admit.html",
        {
            "attempt": attempt,
            "session": attempt.session,
            "legal_name": legal_name,
            "form": form,
            "late": services.minutes_late(attempt.session, attempt.checked_in_at or timezone.now()),
        },
        status=400 if form.errors else 200,
    )


@role_required(*PROCTOR_ROLES)
@require_GET
@never_cache
def admission_photo(request: HttpRequest, public_id: str) -> FileResponse:
    attempt = attempt_for_proctor(request, public_id)
    admission = Admission.objects.filter(attempt=attempt).first()
    if admission is None or not admission.photo:
        raise Http404
    content_type = mimetypes.guess_type(admission.photo.name)[0] or "application/octet-stream"
    response = FileResponse(admission.photo.open("rb"), content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


# --- thresholds (program administrators) -----------------------------------------------------------


@role_required(Role.PROGRAM_ADMIN)
@require_GET
def thresholds(request: HttpRequest) -> HttpResponse:
    own: dict[int, dict[str, int]] = defaultdict(dict)
    for program_id, kind, threshold in IntegrityThreshold.objects.values_list("program_id", "kind", "threshold"):
        own[program_id][kind] = threshold
    table = [
        (program, [own[program.pk].get(kind, default) for kind, default in DEFAULT_THRESHOLDS.items()])
        for program in CertificationProgram.objects.order_by("code")
    ]
    kinds = [IntegrityKind(kind).label for kind in DEFAULT_THRESHOLDS]
    return render(request, "proctoring/thresholds.html", {"table": table, "kinds": kinds})


@role_required(Role.PROGRAM_ADMIN)
@require_http_methods(["GET", "POST"])
def thresholds_edit(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(CertificationProgram, pk=pk)
    form = ThresholdsForm(request.POST or None, current=thresholds_for(program.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.thresholds_save(program=program, by=request.user, values=form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Thresholds saved for %(code)s.") % {"code": program.code})
            return redirect("proctoring:thresholds")
    return render(
        request,
        "proctoring/thresholds_edit.html",
        {"program": program, "form": form},
        status=400 if form.errors else 200,
    )
