"""What a review decides: upheld, the result is released and a passing one earns its certificate;
voided, the attempt never does. Each decision needs a reason and is made once."""

from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_create
from exams import delivery
from exams.delivery import IllegalTransition
from exams.models.delivery import Attempt, AttemptStatus
from proctoring.models import Incident, ReviewDecision
from tests.proctoring_records.conftest import client_for

A = AttemptStatus


def decide(client, attempt, outcome: str, **data):
    return client.post(reverse("proctoring:review_decide", args=[attempt.public_id, outcome]), data)


def test_upholding_a_passing_attempt_releases_it_and_makes_its_certificate(other_proctor, candidate, sofia):
    assert sofia.status == A.SCORED and sofia.passed is True
    assert not Certificate.objects.filter(attempt=sofia).exists()
    client = client_for(other_proctor)

    response = decide(client, sofia, "uphold", **{"uphold-reason": "The tab was the accommodation letter."})

    assert response.status_code == 302 and response["Location"] == reverse("proctoring:review_queue")
    attempt = Attempt.objects.get(pk=sofia.pk)
    assert (attempt.status, attempt.review_flag) == (A.RELEASED, False)
    certificate = Certificate.objects.get(attempt=attempt)
    assert (certificate.holder, certificate.holder_name) == (candidate, "Sofia Marin")
    decision = ReviewDecision.objects.get(attempt=attempt)
    assert (decision.outcome, decision.decided_by, decision.reason) == (
        "upheld",
        other_proctor,
        "The tab was the accommodation letter.",
    )
    assert Incident.objects.get(attempt=attempt).outcome == Incident.Outcome.REVIEWED
    queue = client.get(reverse("proctoring:review_queue"))
    assert "Their certificate follows." in queue.content.decode()
    assert sofia.pk not in {row["attempt"].pk for row in queue.context["rows"]}


def test_upholding_a_failing_attempt_releases_the_result_without_a_certificate(program_admin, jonah):
    response = decide(client_for(program_admin), jonah, "uphold", **{"uphold-reason": "The notes were allowed."})

    assert response.status_code == 302
    attempt = Attempt.objects.get(pk=jonah.pk)
    assert (attempt.status, attempt.passed) == (A.RELEASED, False)
    assert not Certificate.objects.filter(attempt=attempt).exists()


def test_a_voided_attempt_never_gets_a_certificate_even_with_a_passing_score(program_admin, sofia):
    response = decide(
        client_for(program_admin),
        sofia,
        "void",
        **{"void-reason": "A second screen on the recording.", "void-confirm": "on"},
    )

    assert response.status_code == 302
    attempt = Attempt.objects.get(pk=sofia.pk)
    assert (attempt.status, attempt.passed) == (A.VOIDED, True)
    assert ReviewDecision.objects.get(attempt=attempt).outcome == "voided"
    assert not Certificate.objects.filter(attempt=attempt).exists()
    # Nothing later turns it into a certificate: it cannot be released, and the certificates refuse it.
    try:
        delivery.attempt_release(attempt=attempt, by=program_admin, reason="try anyway")
    except IllegalTransition:
        pass
    else:
        raise AssertionError("A voided attempt was released.")
    assert certificate_create(attempt=attempt) is None
    assert not Certificate.objects.filter(attempt=attempt).exists()


def test_each_decision_needs_a_reason_and_voiding_a_confirmation(program_admin, sofia):
    client = client_for(program_admin)

    blank = decide(client, sofia, "uphold", **{"uphold-reason": "   "})
    unconfirmed = decide(client, sofia, "void", **{"void-reason": "Second screen."})

    assert blank.status_code == 400 and unconfirmed.status_code == 400
    assert blank.context["forms"]["uphold"].errors["reason"]
    assert unconfirmed.context["forms"]["void"].errors["confirm"]
    attempt = Attempt.objects.get(pk=sofia.pk)
    assert attempt.status == A.SCORED
    assert not ReviewDecision.objects.filter(attempt=attempt).exists()


def test_a_decided_attempt_shows_its_decision_and_cannot_be_decided_again(program_admin, other_proctor, jonah):
    decide(client_for(program_admin), jonah, "void", **{"void-reason": "Notes on the desk.", "void-confirm": "on"})

    page = client_for(other_proctor).get(reverse("proctoring:review_attempt", args=[jonah.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Voided: no result, never a certificate" in html and "Notes on the desk." in html
    assert "Uphold and release" not in html and "Void the attempt" not in html

    again = decide(client_for(other_proctor), jonah, "uphold", **{"uphold-reason": "Changed my mind."})
    assert again.status_code == 400
    assert "This attempt is not waiting for a review." in again.content.decode()
    assert Attempt.objects.get(pk=jonah.pk).status == A.VOIDED


def test_an_unknown_decision_is_not_found(program_admin, jonah):
    assert decide(client_for(program_admin), jonah, "shrug", reason="?").status_code == 404
