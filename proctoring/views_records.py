"""The proctoring record and the review after the session.

- Exports: a session's log as CSV and its PDF reports (rendered by a worker, see proctoring.reports),
  for the session's proctor and program administrators (proctoring.access: 404 for the proctor of
  another session); one attempt's log as CSV, for them and for whoever may review that attempt.
- The review queue and an attempt's review page, for the review roles of proctoring.services
  (REVIEW_ROLES; 403 for other roles). Whoever proctored an attempt gets a 403 page that says so,
  whatever their roles: services.review_uphold and review_void refuse them too.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.permissions import role_required
from exams.models.delivery import Attempt, AttemptStatus
from proctoring import records, reports, selectors, selectors_review, services
from proctoring.access import PROCTOR_ROLES, may_proctor, session_for_proctor
from proctoring.forms_review import DECISION_FORMS, UpholdForm, VoidForm
from proctoring.models import Incident, ProctorNote, ReviewDecision

A = AttemptStatus
QUEUE_PAGE_SIZE = 50
RECORD_ROLES = tuple(dict.fromkeys((*PROCTOR_ROLES, *services.REVIEW_ROLES)))


def _download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


# --- exports -------------------------------------------------------------------------------------


@role_required(*PROCTOR_ROLES)
@require_GET
def session_log_csv(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_proctor(request, pk)
    return _download(
        records.log_csv(records.session_record(session).entries),
        content_type="text/csv; charset=utf-8",
        filename=records.session_csv_filename(session),
    )


@role_required(*PROCTOR_ROLES)
@require_http_methods(["GET", "POST"])
@never_cache
def session_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """The session's PDF reports: ask for a new one (a worker renders it), download those stored."""
    session = session_for_proctor(request, pk)
    if request.method == "POST":
        if reports.session_report_request(session=session, by=request.user):
            messages.success(request, _("The report is being prepared. It appears below in a few seconds."))
        else:
            messages.info(request, _("A report of this session is already being prepared."))
        return redirect("proctoring:session_reports", session.pk)
    context = {
        "session": session,
        "reports": reports.session_reports(session),
        "pending": reports.session_report_pending(session),
    }
    if request.headers.get("HX-Request"):
        return render(request, "proctoring/records/reports.html#list", context)
    return render(request, "proctoring/records/reports.html", context)


@role_required(*PROCTOR_ROLES)
@require_GET
def session_report_download(request: HttpRequest, pk: int, filename: str) -> FileResponse:
    session = session_for_proctor(request, pk)
    path = reports.session_report_path(session, filename)
    if path is None:
        raise Http404
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{records.session_report_filename(session).removesuffix('.pdf')}-{filename}",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _attempt(public_id: str) -> Attempt:
    attempt = (
        Attempt.objects.select_related(
            "program", "session", "session__program", "session__proctor", "candidate", "candidate__candidate_profile"
        )
        .filter(public_id=public_id)
        .exclude(status=A.CANCELLED)
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


def _reviewable(attempt: Attempt) -> bool:
    """In the queue now, or decided by a review before: the attempts the review pages show."""
    return services.needs_review(attempt) or ReviewDecision.objects.filter(attempt_id=attempt.pk).exists()


@role_required(*RECORD_ROLES)
@require_GET
def attempt_log_csv(request: HttpRequest, public_id: str) -> HttpResponse:
    attempt = _attempt(public_id)
    allowed = may_proctor(request.user, attempt.session) or (
        services.may_review(request.user, attempt) and _reviewable(attempt)
    )
    if not allowed:
        raise Http404
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return _download(
        records.log_csv(records.attempt_record(attempt)),
        content_type="text/csv; charset=utf-8",
        filename=f"proctoring-log-{attempt.program.code}-{attempt.public_id}-{stamp}.csv",
    )


# --- the review ----------------------------------------------------------------------------------


@role_required(*services.REVIEW_ROLES)
@require_GET
@never_cache
def review_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.review_queue(), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    attempts = list(page.object_list)
    proctored = selectors_review.attempts_proctored_by(request.user, attempts)
    reasons = selectors_review.flag_reasons([a.pk for a in attempts])
    rows = [
        {
            "attempt": a,
            "name": selectors.candidate_name(a.candidate),
            "proctored": a.pk in proctored,
            "flag_reason": reasons.get(a.pk, "") if a.review_flag else "",
        }
        for a in attempts
    ]
    return render(
        request,
        "proctoring/review/queue.html",
        {"page": page, "rows": rows, "recent": selectors_review.recent_reviews()},
    )


def _refused(request: HttpRequest, attempt: Attempt, reason: str) -> HttpResponse:
    return render(
        request,
        "proctoring/review/refused.html",
        {"attempt": attempt, "name": selectors.candidate_name(attempt.candidate), "reason": reason},
        status=403,
    )


def _review_page(request: HttpRequest, attempt: Attempt, *, bound=None, status: int = 200) -> HttpResponse:
    decision = ReviewDecision.objects.select_related("decided_by").filter(attempt_id=attempt.pk).first()
    proctor_ids = services.proctors_of(attempt)
    held_by = [_("Flagged for review.")] if attempt.review_flag else []
    if blocker := services.release_blocker(attempt):
        held_by.append(blocker)
    forms = {}
    if decision is None:
        forms = {
            "uphold": UpholdForm(prefix="uphold") if attempt.status == A.SCORED else None,
            "void": VoidForm(prefix="void"),
            **(bound or {}),
        }
    log = records.attempt_record(attempt)
    return render(
        request,
        "proctoring/review/attempt.html",
        {
            "attempt": attempt,
            "session": attempt.session,
            "name": selectors.candidate_name(attempt.candidate),
            "proctors": [u.get_full_name() or u.username for u in User.objects.filter(pk__in=proctor_ids)],
            "decision": decision,
            "score": selectors_review.score_summary(attempt),
            "incidents": list(Incident.objects.filter(attempt=attempt).select_related("opened_by", "decided_by")),
            "notes": list(ProctorNote.objects.filter(attempt=attempt).select_related("author")),
            "event_counts": records.event_counts(log),
            "log": log,
            "forms": forms,
            "held_by": held_by,
            "problems": [str(e) for form in (bound or {}).values() for e in form.non_field_errors()],
        },
        status=status,
    )


def _attempt_for_review(request: HttpRequest, public_id: str) -> tuple[Attempt, HttpResponse | None]:
    attempt = _attempt(public_id)
    if not _reviewable(attempt):
        raise Http404
    if request.user.pk in services.proctors_of(attempt):
        return attempt, _refused(request, attempt, _("You proctored this attempt: another reviewer must decide it."))
    return attempt, None


@role_required(*services.REVIEW_ROLES)
@require_GET
@never_cache
def review_attempt(request: HttpRequest, public_id: str) -> HttpResponse:
    attempt, refused = _attempt_for_review(request, public_id)
    return refused or _review_page(request, attempt)


@role_required(*services.REVIEW_ROLES)
@require_POST
def review_decide(request: HttpRequest, public_id: str, outcome: str) -> HttpResponse:
    if outcome not in DECISION_FORMS:
        raise Http404
    attempt, refused = _attempt_for_review(request, public_id)
    if refused:
        return refused
    form = DECISION_FORMS[outcome](request.POST, prefix=outcome)
    if form.is_valid():
        service = services.review_uphold if outcome == "uphold" else services.review_void
        try:
            attempt = service(attempt=attempt, by=request.user, reason=form.cleaned_data["reason"])
        except PermissionDenied as error:
            return _refused(request, attempt, str(error) or _("You may not review this attempt."))
        except ValidationError as error:
            for name, errors in getattr(error, "error_dict", {None: error.error_list}).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            name = selectors.candidate_name(attempt.candidate)
            if outcome == "uphold":
                text = _("Upheld: %(name)s's result is released.") % {"name": name}
                if attempt.passed:
                    text += " " + _("Their certificate follows.")
            else:
                text = _("Voided: %(name)s's attempt has no result and will never earn a certificate.") % {"name": name}
            messages.success(request, text)
            return redirect("proctoring:review_queue")
    attempt = _attempt(public_id)
    return _review_page(request, attempt, bound={outcome: form}, status=400)
