"""Program administrators' session pages: list, create and edit, publish, cancel, bookings and no-shows."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from exams import session_selectors as selectors
from exams import sessions as services
from exams.forms_sessions import SessionCancelForm, SessionFilterForm, SessionForm
from exams.models.delivery import AttemptStatus, ExamSession, SessionStatus


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _session(pk: int) -> ExamSession:
    try:
        return selectors.session_for_admin(pk)
    except ExamSession.DoesNotExist:
        raise Http404 from None


@role_required(Role.PROGRAM_ADMIN)
def session_list(request: HttpRequest) -> HttpResponse:
    filters = SessionFilterForm(request.GET or None)
    chosen = filters.filters()
    return render(
        request,
        "exams/sessions/list.html",
        {"filters": filters, "sessions": selectors.sessions_for_admin(**chosen), "when": chosen["when"]},
    )


@role_required(Role.PROGRAM_ADMIN)
def session_create(request: HttpRequest) -> HttpResponse:
    initial = {"program": request.GET["program"]} if request.GET.get("program", "").isdigit() else {}
    form = SessionForm(request.POST or None, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(by=request.user, **form.service_fields())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Session created as a draft. Publish it to open booking."))
            return redirect("exams:session_detail", session.pk)
    return render(request, "exams/sessions/form.html", {"form": form, "session": None})


@role_required(Role.PROGRAM_ADMIN)
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    if session.status == SessionStatus.CANCELLED:
        messages.error(request, _("A cancelled session cannot be changed."))
        return redirect("exams:session_detail", session.pk)
    form = SessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(session=session, by=request.user, **form.service_fields())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Session saved."))
            return redirect("exams:session_detail", session.pk)
    return render(request, "exams/sessions/form.html", {"form": form, "session": session})


@role_required(Role.PROGRAM_ADMIN)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    bookings = selectors.session_bookings(session)
    now = timezone.now()
    unresolved = [a for a in bookings if a.status in (AttemptStatus.BOOKED, AttemptStatus.CHECKED_IN)]
    return render(
        request,
        "exams/sessions/detail.html",
        {
            "session": session,
            "bookings": bookings,
            "events": session.events.select_related("actor"),
            "window_closed": now > session.closes_at,
            "unresolved_no_shows": len(unresolved) if now > session.closes_at else 0,
            "cancel_form": SessionCancelForm() if session.status != SessionStatus.CANCELLED else None,
        },
    )


@require_POST
@role_required(Role.PROGRAM_ADMIN)
def session_publish(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    try:
        services.session_publish(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Session published: candidates can book it."))
    return redirect("exams:session_detail", session.pk)


@role_required(Role.PROGRAM_ADMIN)
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    if session.status == SessionStatus.CANCELLED:
        messages.info(request, _("This session is already cancelled."))
        return redirect("exams:session_detail", session.pk)
    form = SessionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = services.session_cancel(session=session, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("Session cancelled. %(n)s booked candidates were told by email.") % {"n": len(cancelled)},
            )
            return redirect("exams:session_detail", session.pk)
    return render(request, "exams/sessions/cancel.html", {"form": form, "session": session})


@require_POST
@role_required(Role.PROGRAM_ADMIN)
def session_no_shows(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    try:
        expired = services.session_record_no_shows(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(n)s no-shows recorded.") % {"n": expired})
    return redirect("exams:session_detail", session.pk)
