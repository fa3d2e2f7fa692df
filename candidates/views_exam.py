"""The candidate's exam: check-in, start, the exam screen and its JSON endpoints, the result.

Every attempt URL goes through exam_access.attempt_for_candidate (404 for anyone but the
candidate) and enforce_deadline (an attempt whose time is up is submitted on the next request,
whoever makes it). The pages call exams.delivery's services; nothing here changes an attempt itself.
"""

import json
from functools import wraps

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from candidates.exam_access import attempt_for_candidate, attempt_form_ids, exam_driver
from candidates.exam_live import LIVE_POLL_SECONDS, live_token, report_heartbeat, report_server_event
from candidates.exam_payloads import (
    clock,
    exam_payload,
    practice_payload,
    proctor_messages,
    result_state,
    score_report,
    screen_strings,
    script_json,
    warm_form_items,
)
from candidates.models import CandidateProfile
from candidates.services import approved_extra_time_percent
from certdesk import pdf
from exams import delivery, live
from exams.delivery import DEADLINE_GRACE, AttemptClosed, IllegalTransition, WrongDevice
from exams.models.delivery import LIVE_STATUSES, Attempt, AttemptStatus, Response
from exams.models.programs import FormItem

A = AttemptStatus
FINISHED = (A.SUBMITTED, A.SCORED, A.RELEASED, A.TERMINATED, A.VOIDED, A.EXPIRED, A.CANCELLED)


def _fresh(attempt: Attempt) -> Attempt:
    # attempt_submit returns the attempt as it was after scoring; a release that followed is in the row.
    if attempt.status in (A.SUBMITTED, A.SCORED):
        attempt.refresh_from_db()
    return attempt


def _attempt(request, public_id: str) -> Attempt:
    return _fresh(delivery.enforce_deadline(attempt_for_candidate(request, public_id)))


def _where(attempt: Attempt) -> str:
    """The page an attempt in this status belongs on."""
    if attempt.status == A.BOOKED:
        return reverse("candidates:exam_checkin", args=[attempt.public_id])
    if attempt.status == A.CHECKED_IN:
        return reverse("candidates:exam_start", args=[attempt.public_id])
    if attempt.status in LIVE_STATUSES:
        return reverse("candidates:exam", args=[attempt.public_id])
    return reverse("candidates:exam_result", args=[attempt.public_id])


def _moved_away(request, attempt: Attempt, driver: str) -> bool:
    """A browser a proctor moved the exam away from: its sign-in ends here, and it is told why."""
    if not delivery.moved_away(attempt, driver):
        return False
    logout(request)
    return True


def _not_the_driver(request, attempt: Attempt) -> str:
    """Why this browser may not drive the attempt: "moved" (and signed out) or "wrong_device" (reported)."""
    driver = exam_driver(request)
    if _moved_away(request, attempt, driver):
        return "moved"
    report_server_event(request, attempt, "second_session", {"driver": driver[:8]})
    return "wrong_device"


def _moved_message() -> str:
    return _("Your proctor moved this exam to another device. This browser is signed out of it.")


def _wrong_device(request, attempt: Attempt, error: WrongDevice):
    moved = _not_the_driver(request, attempt) == "moved"
    message = _moved_message() if moved else error.args[0]
    return render(
        request,
        "candidates/exam/wrong_device.html",
        {"attempt": attempt, "message": message, "moved": moved},
        status=409,
    )


def _profile(user) -> CandidateProfile | None:
    return CandidateProfile.objects.filter(user=user).first()


# --- check-in and start ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def exam_checkin(request, public_id: str):
    attempt = _attempt(request, public_id)
    if attempt.status != A.BOOKED:
        return redirect(_where(attempt))
    errors, accepted = [], False
    if request.method == "POST":
        accepted = request.POST.get("agreement") == "yes"
        try:
            delivery.attempt_check_in(attempt=attempt, by=request.user, agreement_accepted=accepted)
        except ValidationError as error:
            errors = error.messages
        else:
            return redirect("candidates:exam_start", public_id)
    return render(
        request,
        "candidates/exam/check_in.html",
        {"attempt": attempt, "errors": errors, "accepted": accepted},
        status=400 if errors else 200,
    )


def _clock_text(minutes: int) -> str:
    """The time the clock will start from, written as exam.js writes it (H:MM:SS, or M:SS under an hour)."""
    return f"{minutes // 60}:{minutes % 60:02d}:00" if minutes >= 60 else f"{minutes}:00"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def exam_start(request, public_id: str):
    """The exam screen before the clock: how the exam works, the wait for admission, and Start.

    exam.js posts Start asking for JSON: the reply records the start and says where the exam is
    (exam_payload_json), which the screen it is already on then fetches and shows. A session's
    candidates press Start in the same second; with no page to render a start is small, and the
    server records the starts it has queued before it hands out the exams they lead to, so nobody
    is answering (and no answer waits) while starts are still queued. Without JavaScript the form
    posts and the exam screen comes back as a page.
    """
    attempt = _attempt(request, public_id)
    wants_json = request.method == "POST" and _wants_json(request)
    if attempt.status != A.CHECKED_IN:
        if wants_json:
            return _error("not_checked_in", _("This exam cannot be started now."), 409, url=_where(attempt))
        return redirect(_where(attempt))
    extra = approved_extra_time_percent(request.user)
    errors = []
    if request.method == "POST":
        try:
            started = delivery.attempt_start(
                attempt=attempt, by=request.user, driver=exam_driver(request), extra_time_percent=extra
            )
        except ValidationError as error:
            if wants_json:
                return _error("not_started", " ".join(error.messages), 400, errors=error.messages)
            errors = error.messages
        else:
            if wants_json:
                return JsonResponse(
                    {"status": started.status, "exam_url": reverse("candidates:exam_payload", args=[public_id])}
                )
            return _exam_screen(request, started)
    else:
        errors = delivery.start_blockers(attempt)
        if timezone.now() < attempt.session.opens_at:
            errors.append(_("The session has not opened yet."))
        # Before the clock, while the candidate reads this page (or waits to be admitted): the exam
        # fetched after the start then finds its items in the shared cache, not in the form's rows.
        warm_form_items(attempt)
    duration = attempt.program.duration_minutes
    total_minutes = duration + duration * extra // 100
    return _shell(
        request,
        mode="live",
        attempt=attempt,
        program_label=f"{attempt.program.code} — {attempt.program.name}",
        status=400 if errors and request.method == "POST" else 200,
        ready=True,
        program=attempt.program,
        duration=duration,
        extra_percent=extra,
        extra_minutes=duration * extra // 100,
        total_minutes=total_minutes,
        clock_text=_clock_text(total_minutes),
        errors=errors,
        # While something holds the start (admission, a paused session, the clock), the page waits on
        # the live version (exam_start.js) and asks exam_start_state when it changes.
        waiting=bool(errors),
        live_token=live_token(attempt),
        live_version=live.version(attempt.pk) if errors else "",  # after the start, the exam brings its own
        live_seconds=LIVE_POLL_SECONDS,
        opens_in=max(0, int((attempt.session.opens_at - timezone.now()).total_seconds())),
    )


# --- the exam screen -------------------------------------------------------------------------


def _shell(request, *, mode: str, attempt: Attempt | None, program_label: str, status: int = 200, **extra):
    return render(
        request,
        "candidates/exam/exam.html",
        {
            "mode": mode,
            "attempt": attempt,
            "program_label": program_label,
            "strings": screen_strings(),
            "candidate_name": _display_name(request.user),
            **extra,
        },
        status=status,
    )


def _display_name(user) -> str:
    profile = _profile(user)
    return (profile.legal_name if profile else "") or user.get_full_name() or user.get_username()


@login_required
@never_cache
def exam(request, public_id: str):
    attempt = _attempt(request, public_id)
    if attempt.status not in LIVE_STATUSES:
        return redirect(_where(attempt))
    driver = exam_driver(request)
    # A proctor may have let the exam move here from another device: the first browser to open it drives it.
    delivery.attempt_claim_driver(attempt=attempt, driver=driver)
    try:
        delivery.check_driver(attempt, driver)
    except WrongDevice as error:
        return _wrong_device(request, attempt, error)
    return _exam_screen(request, attempt)


def _exam_screen(request, attempt: Attempt):
    """The exam screen of a live attempt, for the browser that drives it (checked by the caller)."""
    return _shell(
        request,
        mode="live",
        attempt=attempt,
        program_label=f"{attempt.program.code} — {attempt.program.name}",
        live_token=live_token(attempt),
        live_version=live.version(attempt.pk),
        live_seconds=LIVE_POLL_SECONDS,
        payload_json=script_json(exam_payload(attempt)),
    )


@role_required(Role.CANDIDATE)
@never_cache
def exam_practice(request):
    return _shell(
        request,
        mode="practice",
        attempt=None,
        program_label=_("Practice exam"),
        practice=practice_payload(),
        storage_key=f"practice-{request.user.pk}",
    )


@login_required
@require_POST
def exam_submit(request, public_id: str):
    attempt = _attempt(request, public_id)
    if attempt.status not in LIVE_STATUSES:
        return redirect(_where(attempt))
    try:
        delivery.check_driver(attempt, exam_driver(request))
        delivery.attempt_submit(attempt=attempt, by=request.user)
    except WrongDevice as error:
        return _wrong_device(request, attempt, error)
    except IllegalTransition:
        pass  # the deadline got there first: the result page says what happened
    return redirect("candidates:exam_result", public_id)


# --- JSON endpoints --------------------------------------------------------------------------


def _error(reason: str, message: str, http_status: int, **extra) -> JsonResponse:
    return JsonResponse({"reason": reason, "message": message, **extra}, status=http_status)


def _closed(attempt: Attempt, now=None) -> JsonResponse:
    """Why an attempt takes no answers, with where the candidate should go now."""
    now = now or timezone.now()
    attempt.refresh_from_db(fields=["status", "deadline", "paused_at", "paused_seconds"])
    extra = {"status": attempt.status, "result_url": reverse("candidates:exam_result", args=[attempt.public_id])}
    if attempt.status == A.PAUSED:
        return _error("paused", _("Your exam is paused. Answers are saved again when it resumes."), 409, **extra)
    if attempt.deadline and now > attempt.deadline + DEADLINE_GRACE:
        return _error("time_up", _("Time is up: answers after the deadline are not accepted."), 409, **extra)
    return _error("closed", _("This exam no longer takes answers."), 409, **extra)


def exam_json(*methods: str):
    """Signed-in candidate, own attempt, deadline enforced; every failure is JSON with a reason."""

    def decorator(view):
        @wraps(view)
        @never_cache
        def wrapped(request, public_id: str):
            if request.method not in methods:
                return _error("method", _("Use %(methods)s.") % {"methods": ", ".join(methods)}, 405)
            if not request.user.is_authenticated:
                return _error("signed_out", _("You are signed out. Sign in again to continue."), 403)
            try:
                attempt = _attempt(request, public_id)
            except Http404:
                return _error("not_found", _("There is no such exam."), 404)
            try:
                return view(request, attempt)
            except WrongDevice as error:
                if _not_the_driver(request, attempt) == "moved":
                    return _error("moved", _moved_message(), 409)
                return _error("wrong_device", error.args[0], 409)
            except AttemptClosed:
                return _closed(attempt)

        return wrapped

    return decorator


@exam_json("GET")
def exam_payload_json(request, attempt: Attempt):
    """The exam as the screen starts from it (exam_payload), with the attempt's live version: what
    the start page's screen asks for once the start is recorded."""
    delivery.check_driver(attempt, exam_driver(request))
    if attempt.status not in LIVE_STATUSES:
        return _closed(attempt)
    # The version before the state, as on the exam page: a change in between shows as a newer version.
    version = live.version(attempt.pk)
    return JsonResponse({**exam_payload(attempt), "live_version": version})


def _answer_input(body: bytes) -> tuple[int, list, bool, int]:
    try:
        data = json.loads(body)
        position, value, flagged, seq = data["position"], data["value"], data.get("flagged", False), data["seq"]
    except (ValueError, KeyError, TypeError):
        raise ValidationError(_("Send position, value, flagged and seq as JSON.")) from None
    if not isinstance(position, int) or not isinstance(seq, int) or isinstance(seq, bool):
        raise ValidationError(_("position and seq are whole numbers."))
    if not isinstance(value, list) or not isinstance(flagged, bool):
        raise ValidationError(_("value is a list of option numbers and flagged is true or false."))
    return position, value, flagged, seq


@exam_json("POST")
def _exam_answer_checked(request, attempt: Attempt):
    """Saves one answer: {"position", "value", "flagged", "seq"} → {"stored", "seq", "remaining_seconds", "event"}.

    "seq" in the reply is the newest sequence the server holds for the item: when a newer answer
    was already stored, this one is not, and the browser knows its newer one counts. "event" is the
    attempt's last event id (delivery.last_event_id).
    """
    driver = exam_driver(request)
    delivery.check_driver(attempt, driver)
    try:
        position, value, flagged, seq = _answer_input(request.body)
    except ValidationError as error:
        return _error("bad_request", error.messages[0], 400)
    if attempt.form_id is None:
        return _closed(attempt)
    form_item = (
        FormItem.objects.select_related("item_version").filter(form_id=attempt.form_id, position=position).first()
    )
    if form_item is None:
        return _error("bad_request", _("This exam has no question %(n)s.") % {"n": position}, 400)
    try:
        stored = delivery.response_save(
            attempt=attempt,
            form_item=form_item,
            value=value,
            flagged=flagged,
            client_seq=seq,
            driver=driver,
            n_options=len(form_item.option_order),
        )
    except AttemptClosed:
        raise  # a ValidationError too, but not bad input: exam_json answers it with 409 and the reason
    except ValidationError as error:
        return _error("bad_request", error.messages[0], 400)
    if not stored:
        seq = Response.objects.filter(attempt=attempt, form_item=form_item).values_list("client_seq", flat=True)[0]
    return JsonResponse(
        {
            "stored": stored,
            "seq": seq,
            "remaining_seconds": attempt.remaining_seconds(),
            "event": delivery.last_event_id(attempt.pk),
        }
    )


@never_cache
def exam_answer(request, public_id: str):
    """Autosave, once a second for every candidate on an exam day: the common case (a valid, newer
    answer to an attempt in progress) is stored in one statement with no attempt row read first;
    anything else goes the whole way through _exam_answer_checked, which says what is wrong.

    Every stored answer's reply carries the attempt's last event id, read in the same statement: a
    proctor's action adds an event, so a screen that is saving answers learns of it from them and
    skips its live polls, which on an exam day are a third of all requests otherwise.
    """
    if request.method == "POST":
        ids = attempt_form_ids(request, public_id)
        if ids is not None:
            try:
                position, value, flagged, seq = _answer_input(request.body)
            except ValidationError:
                pass
            else:
                saved = delivery.response_save_if_live(
                    attempt_id=ids[0],
                    candidate_id=request.user.pk,
                    form_id=ids[1],
                    position=position,
                    value=value,
                    flagged=flagged,
                    client_seq=seq,
                    driver=exam_driver(request),
                )
                if saved is not None:
                    remaining, event = saved
                    return JsonResponse({"stored": True, "seq": seq, "remaining_seconds": remaining, "event": event})
    return _exam_answer_checked(request, public_id)


def _clock_reply(attempt: Attempt, **extra) -> JsonResponse:
    reply = {**clock(attempt), **extra}
    if attempt.status == A.PAUSED:
        reply["message"] = _("Your exam is paused by the proctor. The clock has stopped; wait here.")
    elif attempt.status not in LIVE_STATUSES:
        reply["message"] = _("Your exam has ended.")
        reply["result_url"] = reverse("candidates:exam_result", args=[attempt.public_id])
    return JsonResponse(reply)


@exam_json("POST")
def exam_heartbeat(request, attempt: Attempt):
    """Every 15 s from the exam page: the server's clock, and whether a proctor paused the exam."""
    previous_seen = attempt.last_seen_at
    attempt = delivery.attempt_heartbeat(attempt=attempt, driver=exam_driver(request))
    report_heartbeat(request, attempt, previous_seen)
    return _clock_reply(_fresh(attempt))


def _after(request) -> int:
    value = request.GET.get("after", "")
    return int(value) if value.isdigit() else 0


@exam_json("GET")
def exam_state(request, attempt: Attempt):
    """The screen asks when the live version changed: the clock, the status, and the proctor's new
    messages (after the id it last showed)."""
    delivery.check_driver(attempt, exam_driver(request))
    extra = {
        "current_position": attempt.current_position,
        "messages": proctor_messages(attempt, after=_after(request)),
    }
    if attempt.status not in LIVE_STATUSES:
        extra["ended_by_proctor"] = attempt.events.filter(action="terminate").exists()
    return _clock_reply(attempt, **extra)


# --- the result ------------------------------------------------------------------------------


@login_required
@never_cache
def exam_result(request, public_id: str):
    attempt = _attempt(request, public_id)
    state = result_state(attempt)
    if attempt.status in (A.BOOKED, A.CHECKED_IN, *LIVE_STATUSES):
        return redirect(_where(attempt))
    profile = _profile(request.user)
    context = {
        "attempt": attempt,
        "program": attempt.program,
        "state": state,
        "tz_name": profile.time_zone if profile else "UTC",
    }
    if state == "released":
        context["report"] = score_report(attempt)
    return render(request, "candidates/exam/result.html", context)


@login_required
@never_cache
def exam_result_pdf(request, public_id: str):
    attempt = _attempt(request, public_id)
    if attempt.status != A.RELEASED:
        raise Http404
    html = render_to_string(
        "candidates/exam/report_pdf.html",
        {
            "attempt": attempt,
            "program": attempt.program,
            "report": score_report(attempt),
            "profile": _profile(request.user),
            "name": attempt.legal_name or _display_name(request.user),
        },
        request=request,
    )
    # The candidate's own copy, not an archived record: a plain PDF.
    response = HttpResponse(pdf.html_to_pdf(html, pdf_variant=None), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certdesk-score-report-{attempt.program.code}.pdf"'
    return response
