"""The one gate to a candidate's attempt, and the name of the browser session that drives it."""

from functools import lru_cache

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.crypto import salted_hmac

from exams.models.delivery import Attempt

_DRIVER_SALT = "certdesk.candidates.exam-driver"


def attempt_for_candidate(request, public_id: str) -> Attempt:
    """The attempt, only for the candidate who owns it.

    Everyone else (another candidate, a proctor, an author, an administrator) gets 404: an
    attempt's existence is itself the candidate's business. Staff see attempts in their own pages.
    """
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Attempt.objects.select_related("program", "session"), public_id=public_id, candidate_id=request.user.pk
    )


class _NoForm(Exception):
    pass


@lru_cache(maxsize=8192)
def _form_ids(public_id: str, candidate_id: int) -> tuple[int, int]:
    # Not cached when it raises: an attempt that has no form yet is looked up again next time.
    row = (
        Attempt.objects.filter(public_id=public_id, candidate_id=candidate_id, form__isnull=False)
        .values_list("pk", "form_id")
        .first()
    )
    if row is None:
        raise _NoForm
    return row


def attempt_form_ids(request, public_id: str) -> tuple[int, int] | None:
    """(attempt id, form id) of the signed-in candidate's attempt once its form is frozen, else None.

    Who owns an attempt and the form it is taken on never change once the form is frozen (at
    check-in), so each process remembers them and the autosave path reads no attempt row to find
    them. Only these ids: the attempt's status (in progress), driver and deadline are checked where
    the answer is written.
    """
    if not request.user.is_authenticated:
        return None
    try:
        return _form_ids(public_id, request.user.pk)
    except _NoForm:
        return None


def driver_for(session_key: str) -> str:
    # Keyed with SECRET_KEY: the value stored on the attempt cannot be turned back into a session cookie.
    return salted_hmac(_DRIVER_SALT, session_key, algorithm="sha256").hexdigest()


def exam_driver(request) -> str:
    """The browser session that may drive an attempt: one per sign-in, so a second browser differs."""
    if request.session.session_key is None:
        request.session.save()
    return driver_for(request.session.session_key)
