"""The candidate's booking pages: the catalogue, booking with a confirmation step, reschedule, cancel."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import role_required
from accounts.roles import Role
from candidates import booking
from candidates.booking_emails import candidate_zone
from candidates.forms_booking import RescheduleForm
from exams import session_selectors as selectors
from exams.delivery import booking_blockers
from exams.models.delivery import Attempt, AttemptStatus, ExamSession


def booking_for_candidate(request: HttpRequest, public_id: str) -> Attempt:
    """The signed-in candidate's own attempt; anyone else's is a 404 (not even its existence)."""
    return get_object_or_404(
        Attempt.objects.select_related("program", "session"), public_id=public_id, candidate=request.user
    )


def _zone_name(request: HttpRequest) -> str:
    return candidate_zone(request.user).key


@role_required(Role.CANDIDATE)
def book(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "candidates/booking/book.html",
        {"offers": selectors.booking_catalogue(candidate=request.user), "tz_name": _zone_name(request)},
    )


def _session_problems(session: ExamSession, candidate, now) -> list[str]:
    problems = []
    if session.opens_at <= now:
        problems.append(_("This session has already started; choose a later one."))
    elif session.seats_free <= 0:
        problems.append(_("This session is full."))
    return problems + booking_blockers(program=session.program, candidate=candidate, now=now)


@role_required(Role.CANDIDATE)
def book_session(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        session = selectors.bookable_session(pk)
    except ExamSession.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        try:
            booking.booking_create(session=session, candidate=request.user)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(request, _("Your seat is booked. A confirmation is on its way to your email."))
            return redirect("candidates:dashboard")
    else:
        problems = _session_problems(session, request.user, timezone.now())
    return render(
        request,
        "candidates/booking/confirm.html",
        {"session": session, "program": session.program, "problems": problems, "tz_name": _zone_name(request)},
        status=409 if request.method == "POST" else 200,
    )


def _changeable(request: HttpRequest, attempt: Attempt):
    """None when the booking can still change; otherwise where to send the candidate back."""
    if attempt.status != AttemptStatus.BOOKED:
        messages.error(request, _("Only a booked seat can be moved or cancelled."))
        return redirect("candidates:dashboard")
    return None


@role_required(Role.CANDIDATE)
def booking_reschedule(request: HttpRequest, public_id: str) -> HttpResponse:
    attempt = booking_for_candidate(request, public_id)
    if (back := _changeable(request, attempt)) is not None:
        return back
    form = RescheduleForm(request.POST or None, attempt=attempt)
    if request.method == "POST" and form.is_valid():
        try:
            booking.booking_reschedule(attempt=attempt, session=form.cleaned_data["session"], by=request.user)
        except ValidationError as error:
            form.add_error("session", error.messages)
        else:
            messages.success(request, _("Your exam has moved. The new time is in your email."))
            return redirect("candidates:dashboard")
    now = timezone.now()
    return render(
        request,
        "candidates/booking/reschedule.html",
        {
            "attempt": attempt,
            "form": form,
            "options": selectors.open_sessions(programs=[attempt.program], exclude=attempt.session, now=now),
            "cutoff_passed": now >= attempt.session.change_cutoff,
            "tz_name": _zone_name(request),
        },
        status=409 if form.errors else 200,
    )


@role_required(Role.CANDIDATE)
def booking_cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    attempt = booking_for_candidate(request, public_id)
    if (back := _changeable(request, attempt)) is not None:
        return back
    problems: list[str] = []
    if request.method == "POST":
        try:
            booking.booking_cancel(attempt=attempt, by=request.user)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.success(request, _("Your booking is cancelled."))
            return redirect("candidates:dashboard")
    return render(
        request,
        "candidates/booking/cancel.html",
        {
            "attempt": attempt,
            "problems": problems,
            "cutoff_passed": timezone.now() >= attempt.session.change_cutoff,
            "tz_name": _zone_name(request),
        },
        status=409 if problems else 200,
    )
