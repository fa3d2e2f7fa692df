"""The review after the session: the queue of held attempts and the review page, who may see them,
and that the proctor of an attempt never judges it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from exams.models.delivery import Attempt, AttemptStatus
from proctoring import selectors_review, services
from proctoring.models import ReviewDecision
from tests.conftest import make_user
from tests.proctoring_records.conftest import client_for, take

A = AttemptStatus
QUEUE = reverse("proctoring:review_queue")


def review_url(attempt) -> str:
    return reverse("proctoring:review_attempt", args=[attempt.public_id])


@pytest.mark.parametrize("who", ["candidate", "author", "reviewer", "proctor", "program_admin", "outsider"])
def test_the_queue_and_the_review_page_follow_the_review_roles_of_the_services(
    personas, other_proctor, sofia, jonah, who
):
    user = personas[who]
    may = user.has_role(*services.REVIEW_ROLES)
    client = client_for(user)

    queue = client.get(QUEUE)
    assert queue.status_code == (200 if may else 403)
    if may:
        assert {row["attempt"].pk for row in queue.context["rows"]} == {sofia.pk, jonah.pk}
    page = client.get(review_url(jonah))
    if not may:
        assert page.status_code == 403
    elif who == "proctor":  # the session's proctor
        assert page.status_code == 403
    else:
        assert page.status_code == 200


def test_the_review_roles_let_someone_in_and_keep_someone_out():
    # The matrix above is only worth something if the rule separates the personas.
    assert Role.PROGRAM_ADMIN in services.REVIEW_ROLES
    assert Role.CANDIDATE not in services.REVIEW_ROLES and Role.AUTHOR not in services.REVIEW_ROLES


def test_signed_out_visitors_are_sent_to_sign_in(client, sofia):
    for url in (QUEUE, review_url(sofia)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_sessions_proctor_is_refused_even_with_every_review_role(proctor, sofia):
    proctor.set_roles([Role.PROCTOR, Role.REVIEWER, Role.PROGRAM_ADMIN])
    client = client_for(proctor)

    page = client.get(review_url(sofia))
    assert page.status_code == 403
    assert "You proctored this attempt: another reviewer must decide it." in page.content.decode()
    post = client.post(
        reverse("proctoring:review_decide", args=[sofia.public_id, "uphold"]), {"uphold-reason": "Looks fine to me."}
    )
    assert post.status_code == 403
    assert Attempt.objects.get(pk=sofia.pk).status == A.SCORED
    assert not ReviewDecision.objects.filter(attempt=sofia).exists()

    queue = client.get(QUEUE).content.decode()
    assert "You proctored it: another reviewer decides." in queue
    assert review_url(sofia) not in queue


def test_an_administrator_who_stood_in_for_the_proctor_is_a_proctor_of_the_attempt_too(session, program_admin, jonah):
    covering = make_user("covering", Role.PROGRAM_ADMIN, first_name="Cora", last_name="Ver")
    services.note_add(session=session, attempt=jonah, by=covering, text="Covered the session for a break.")
    assert client_for(covering).get(review_url(jonah)).status_code == 403
    assert client_for(program_admin).get(review_url(jonah)).status_code == 200


def test_the_queue_knows_who_proctored_what_like_the_services_do(
    session, proctor, other_proctor, program_admin, sofia, jonah
):
    covering = make_user("covering", Role.PROGRAM_ADMIN)
    services.note_add(session=session, attempt=jonah, by=covering, text="Took over at 10:00.")
    observed = services.incident_open(attempt=jonah, by=proctor, summary="Looked at a phone.")
    services.incident_decide(incident=observed, by=program_admin, outcome="dismissed", reason="It was the clock.")
    services.review_void(attempt=sofia, by=other_proctor, reason="Second screen.")  # settles her incident
    attempts = list(Attempt.objects.select_related("session").filter(pk__in=[sofia.pk, jonah.pk]))
    assert selectors_review.attempts_proctored_by(program_admin, attempts) == {jonah.pk}
    for user in (proctor, other_proctor, program_admin, covering):
        expected = {a.pk for a in attempts if user.pk in services.proctors_of(a)}
        assert selectors_review.attempts_proctored_by(user, attempts) == expected
    assert selectors_review.attempts_proctored_by(covering, attempts) == {jonah.pk}
    assert selectors_review.attempts_proctored_by(proctor, attempts) == {sofia.pk, jonah.pk}
    assert selectors_review.attempts_proctored_by(other_proctor, attempts) == set()


def test_the_queue_lists_held_attempts_with_why_and_not_released_ones(session, proctor, program_admin, sofia, jonah):
    released = take(session, make_user("calm", Role.CANDIDATE, first_name="Calm", last_name="Person"), proctor)
    assert released.status == A.RELEASED

    page = client_for(program_admin).get(QUEUE)
    html = page.content.decode()
    assert [row["attempt"].pk for row in page.context["rows"]] == [sofia.pk, jonah.pk]  # oldest submission first
    assert "1 open incident" in html
    assert "Notes on the desk." in html  # the flag's reason
    assert "Calm Person" not in html


def test_the_queue_takes_as_many_queries_for_four_attempts_as_for_two(session, proctor, program_admin, sofia, jonah):
    client = client_for(program_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        return len(queries)

    two = count()
    for n in range(2):
        take(session, make_user(f"held{n}", Role.CANDIDATE), proctor, flag="Second person in the room.")
    assert len(client.get(QUEUE).context["rows"]) == 4
    assert count() == two


def test_the_review_page_shows_the_record_and_the_score_but_not_the_items(program_admin, sofia):
    page = client_for(program_admin).get(review_url(sofia))

    assert page.status_code == 200
    html = page.content.decode()
    for expected in [
        "Left the exam tab or window: 3 times.",  # the incident
        "Phone rang at the desk.",  # the proctor's note
        "Left the exam tab or window: 3",  # events by kind
        "Tomas Alvarez",  # who proctored
        "100.0 %",
        "4 of 4 items answered.",
        "Uphold and release",
        "Void the attempt",
    ]:
        assert expected in html, expected
    assert "Answer B to case" not in html and "A customer asks why refunds" not in html  # options, stems: no keys
    assert 'name="uphold-reason"' in html and 'name="void-confirm"' in html


def test_an_attempt_that_is_not_held_has_no_review_page(session, proctor, program_admin):
    released = take(session, make_user("calm", Role.CANDIDATE), proctor)
    assert client_for(program_admin).get(review_url(released)).status_code == 404
    assert (
        client_for(program_admin).get(reverse("proctoring:review_attempt", args=["no-such-attempt"])).status_code == 404
    )
