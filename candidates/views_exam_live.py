"""The exam screen's endpoints for what happens on the proctor's side: the live poll, the browser's
integrity events, and the start page's wait for admission. Included with candidates.exam_urls.
"""

import json

from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from candidates.exam_access import exam_driver
from candidates.exam_live import live_attempt_id, report_allowed, report_browser_events
from candidates.views_exam import _closed, _error, _where, exam_json
from exams import delivery, live
from exams.models.delivery import LIVE_STATUSES, Attempt, AttemptStatus

EVENTS_PER_REPORT = 20


@never_cache
def exam_live(request, public_id: str) -> JsonResponse:
    """{"v": the attempt's live version}: the screen fetches its state only when it changed.

    Authenticated by the signed token the exam page was given (header X-Exam-Live), not by the
    sign-in session: the answer comes from the cache and costs no database query. It says nothing
    but a number; everything that matters is fetched from exam_state, which checks the session.
    """
    if request.method != "GET":
        return _error("method", _("Use GET."), 405)
    attempt_id = live_attempt_id(request.headers.get("X-Exam-Live", ""), public_id)
    if attempt_id is None:
        return _error("token", _("Reload the exam page."), 403)
    return JsonResponse({"v": live.version(attempt_id)})


@exam_json("POST")
def exam_events(request, attempt: Attempt) -> JsonResponse:
    """A batch of integrity events from the exam page: {"events": [{"kind", "at", "detail"}, ...]}."""
    delivery.check_driver(attempt, exam_driver(request))
    if attempt.status not in LIVE_STATUSES:
        return _closed(attempt)
    try:
        events = json.loads(request.body).get("events")
    except (ValueError, AttributeError):
        events = None
    if not isinstance(events, list):
        return _error("bad_request", _("Send the events as a JSON list under “events”."), 400)
    allowed, retry_after = report_allowed(attempt)
    if not allowed:
        response = _error(
            "rate_limited",
            _("Too many reports from this exam; they are taken again shortly."),
            429,
            retry_after=retry_after,
        )
        response["Retry-After"] = str(retry_after)
        return response
    report_browser_events(request, attempt, events[:EVENTS_PER_REPORT])
    return JsonResponse({"received": min(len(events), EVENTS_PER_REPORT)})


@exam_json("GET")
def exam_start_state(request, attempt: Attempt) -> JsonResponse:
    """Whether the candidate may start now, and if not, why (awaiting admission, session paused, too early)."""
    blockers = []
    if attempt.status == AttemptStatus.CHECKED_IN:
        blockers = delivery.start_blockers(attempt)
        if timezone.now() < attempt.session.opens_at:
            blockers.append(_("The session has not opened yet."))
    return JsonResponse(
        {
            "status": attempt.status,
            "can_start": attempt.status == AttemptStatus.CHECKED_IN and not blockers,
            "blockers": blockers,
            "url": _where(attempt),
        }
    )
