"""After the session: a reviewer who did not proctor the attempt upholds (the result is released) or
voids it (no result, never a certificate)."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from certificates.models import Certificate
from exams import delivery
from exams.delivery import IllegalTransition
from exams.models.delivery import Attempt, AttemptStatus
from proctoring import selectors, services
from proctoring.integrity import events_record
from proctoring.models import Incident, ReviewDecision
from tests.candidates.exam.conftest import key_of
from tests.proctoring.conftest import check_in

A = AttemptStatus


def answer_everything_correctly(client, attempt):
    for position in range(1, 5):
        client.post(
            reverse("candidates:exam_answer", args=[attempt.public_id]),
            json.dumps({"position": position, "value": key_of(attempt, position), "flagged": False, "seq": 1}),
            content_type="application/json",
        )


@pytest.fixture
def held(started, candidate_client, proctor):
    """A passing attempt, flagged by the proctor and with an open incident, submitted and waiting for review."""
    answer_everything_correctly(candidate_client, started)
    events_record(attempt=started, events=[{"kind": "second_session"}], source="server")
    services.proctor_flag(attempt=started, by=proctor, reason="Voices in the room")
    candidate_client.post(reverse("candidates:exam_submit", args=[started.public_id]))
    attempt = Attempt.objects.get(pk=started.pk)
    assert attempt.status == A.SCORED and attempt.passed
    return attempt


def test_the_review_queue_holds_flagged_attempts_and_attempts_with_open_incidents(held, proctor):
    assert list(selectors.review_queue()) == [held]
    assert selectors.review_queue().get().open_incidents == 1


def test_upholding_releases_the_result_and_the_certificate_follows(held, program_admin):
    released = services.review_uphold(attempt=held, by=program_admin, reason="The voices were the radio")
    assert released.status == A.RELEASED and not released.review_flag
    decision = ReviewDecision.objects.get(attempt=held)
    assert (decision.outcome, decision.decided_by) == ("upheld", program_admin)
    assert Incident.objects.get().outcome == "reviewed"
    assert Certificate.objects.filter(attempt=held).exists()
    assert list(selectors.review_queue()) == []


def test_voiding_leaves_no_result_and_never_a_certificate(held, program_admin):
    voided = services.review_void(attempt=held, by=program_admin, reason="Notes on the desk in the photo")
    assert voided.status == A.VOIDED
    assert not Certificate.objects.filter(attempt=held).exists()
    with pytest.raises(IllegalTransition):
        delivery.attempt_release(attempt=voided, by=program_admin)
    with pytest.raises(ValidationError, match="not waiting for a review"):
        services.review_uphold(attempt=voided, by=program_admin, reason="changed my mind")
    assert not Certificate.objects.filter(attempt=held).exists()


def test_the_proctor_cannot_review_their_own_session(held, proctor):
    with pytest.raises(PermissionDenied):
        services.review_uphold(attempt=held, by=proctor, reason="I was there")
    assert services.review_blockers(attempt=held, by=proctor) == [
        "You proctored this attempt: another reviewer must decide it."
    ]
    assert Attempt.objects.get(pk=held.pk).status == A.SCORED and not ReviewDecision.objects.exists()


def test_an_administrator_who_acted_as_proctor_on_the_attempt_cannot_review_it(
    started, program_admin, candidate_client
):
    services.proctor_flag(attempt=started, by=program_admin, reason="Stepped in for the proctor")
    candidate_client.post(reverse("candidates:exam_submit", args=[started.public_id]))
    with pytest.raises(PermissionDenied):
        services.review_void(attempt=started, by=program_admin, reason="no")


def test_another_proctor_may_review_but_an_author_may_not(held, other_proctor, author):
    assert services.review_blockers(attempt=held, by=other_proctor) == []
    with pytest.raises(PermissionDenied):
        services.review_void(attempt=held, by=author, reason="no")
    assert services.review_void(attempt=held, by=other_proctor, reason="Second person seen").status == A.VOIDED


def test_a_review_needs_a_reason_and_happens_once(held, program_admin, other_proctor):
    with pytest.raises(ValidationError):
        services.review_uphold(attempt=held, by=program_admin, reason=" ")
    services.review_void(attempt=held, by=program_admin, reason="Second person seen")
    with pytest.raises(ValidationError):
        services.review_uphold(attempt=held, by=other_proctor, reason="disagree")
    assert ReviewDecision.objects.count() == 1


def test_a_terminated_attempt_without_answers_can_only_be_voided(booked, candidate_client, proctor, program_admin):
    attempt = check_in(candidate_client, booked)
    services.proctor_terminate(attempt=attempt, by=proctor, reason="ID did not match", outcome="submit")
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.status == A.TERMINATED
    services.proctor_flag(attempt=attempt, by=proctor, reason="For the record")
    with pytest.raises(ValidationError, match="no score"):
        services.review_uphold(attempt=attempt, by=program_admin, reason="fine")
    assert services.review_void(attempt=attempt, by=program_admin, reason="No exam taken").status == A.VOIDED
