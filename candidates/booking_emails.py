"""Booking emails: confirmation, reschedule, cancellation (by the candidate or with the session),
and the reminder a day before. Every time is written in the candidate's own time zone, named.

The session-cancelled notices answer exams.sessions.session_cancelled: the exam core announces,
this app writes to the people (it is connected in CandidatesConfig.ready()).
"""

import os
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exams.models.delivery import Attempt, ExamSession
from exams.sessions import session_cancelled

DEVELOPMENT_URL = "http://127.0.0.1:8000"


def site_url(path: str) -> str:
    """An absolute link for emails sent outside a request (the worker sends reminders).

    PUBLIC_URL as the certificates use it; the local server's address when none is set.
    """
    base = getattr(settings, "PUBLIC_URL", None) or os.environ.get("PUBLIC_URL", "") or DEVELOPMENT_URL
    return str(base).rstrip("/") + path


def candidate_zone(user) -> zoneinfo.ZoneInfo:
    profile = getattr(user, "candidate_profile", None)
    try:
        return zoneinfo.ZoneInfo(profile.time_zone if profile else "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


SUBJECTS = {
    "confirmed": _("Your %(program)s exam is booked"),
    "rescheduled": _("Your %(program)s exam has moved"),
    "cancelled": _("Your %(program)s booking is cancelled"),
    "session_cancelled": _("Your %(program)s exam session is cancelled"),
    "reminder": _("Reminder: your %(program)s exam is tomorrow"),
}


def _message(kind: str, attempt: Attempt, **extra) -> EmailMessage:
    candidate = attempt.candidate
    zone = candidate_zone(candidate)
    profile = getattr(candidate, "candidate_profile", None)
    context = {
        "attempt": attempt,
        "session": attempt.session,
        "program": attempt.program,
        "name": profile.legal_name if profile else (candidate.get_full_name() or candidate.username),
        "tz": zone,
        "tz_name": zone.key,
        "dashboard_url": site_url(reverse("candidates:dashboard")),
        "book_url": site_url(reverse("candidates:book")),
        **extra,
    }
    subject = str(SUBJECTS[kind]) % {"program": attempt.program.code}
    body = render_to_string(f"candidates/booking/email/{kind}.txt", context)
    return EmailMessage(subject=subject, body=body, to=[candidate.email])


def _fresh(attempt_id: int) -> Attempt:
    return Attempt.objects.select_related("candidate__candidate_profile", "program", "session").get(pk=attempt_id)


def send_booking_confirmed(attempt_id: int) -> None:
    _message("confirmed", _fresh(attempt_id)).send()


def send_booking_rescheduled(attempt_id: int, previous_session_id: int) -> None:
    previous = ExamSession.objects.get(pk=previous_session_id)
    _message("rescheduled", _fresh(attempt_id), previous=previous).send()


def send_booking_cancelled(attempt_id: int) -> None:
    _message("cancelled", _fresh(attempt_id)).send()


def send_reminder(attempt: Attempt) -> None:
    _message("reminder", attempt).send()


def send_session_cancelled(attempt_ids: list[int], reason: str) -> int:
    attempts = Attempt.objects.filter(pk__in=attempt_ids).select_related(
        "candidate__candidate_profile", "program", "session"
    )
    messages = [_message("session_cancelled", attempt, reason=reason) for attempt in attempts.order_by("pk")]
    # One connection for the whole session: a full room is dozens of messages.
    return mailers.default.send_messages(messages) if messages else 0


def _on_session_cancelled(sender, session, attempts, reason, **kwargs) -> None:
    ids = [attempt.pk for attempt in attempts]
    transaction.on_commit(lambda: send_session_cancelled(ids, reason))


session_cancelled.connect(_on_session_cancelled, dispatch_uid="candidates.booking_emails.session_cancelled")
