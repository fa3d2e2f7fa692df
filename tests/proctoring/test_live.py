"""The exam screen's cheap poll: a signed token and the cache answer it, with no database query."""

import json
import re

from django.core.cache import cache
from django.urls import reverse

from candidates.exam_live import live_token
from exams import live
from exams.models.delivery import AttemptEvent
from proctoring import services
from tests.candidates.exam.conftest import book, position_of


def poll(client, attempt, token):
    return client.get(reverse("candidates:exam_live", args=[attempt.public_id]), HTTP_X_EXAM_LIVE=token)


def test_the_poll_costs_no_database_query(started, candidate_client, django_assert_num_queries):
    token = live_token(started)
    with django_assert_num_queries(0):
        response = poll(candidate_client, started, token)
    assert response.status_code == 200 and response.json() == {"v": live.version(started.pk)}
    assert "no-cache" in response["Cache-Control"]


def test_every_proctor_action_changes_the_version_once_it_commits(
    started, candidate_client, proctor, django_capture_on_commit_callbacks
):
    token = live_token(started)
    seen = {poll(candidate_client, started, token).json()["v"]}
    for action, kwargs in [
        (services.proctor_pause, {}),
        (services.proctor_resume, {}),
        (services.proctor_extend, {"minutes": 5}),
        (services.proctor_message, {"text": "Hello"}),
        (services.proctor_terminate, {"outcome": "submit"}),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            action(attempt=started, by=proctor, reason="test", **kwargs)
        version = poll(candidate_client, started, token).json()["v"]
        assert version not in seen, action.__name__
        seen.add(version)


def test_a_lost_version_comes_back_as_a_new_number(started, candidate_client):
    token = live_token(started)
    before = poll(candidate_client, started, token).json()["v"]
    cache.clear()
    assert poll(candidate_client, started, token).json()["v"] != before


def test_a_forged_or_borrowed_token_is_refused(started, session_now, other_candidate, candidate_client):
    other = book(session_now, other_candidate)
    for token in ["", "nonsense", live_token(other), live_token(started) + "x"]:
        response = poll(candidate_client, started, token)
        assert response.status_code == 403 and response.json()["reason"] == "token"
    wrong_method = candidate_client.post(reverse("candidates:exam_live", args=[started.public_id]))
    assert wrong_method.status_code == 405 and wrong_method.json()["reason"] == "method"


def test_the_exam_page_carries_the_token_the_version_and_the_event_endpoint(started, candidate_client):
    html = candidate_client.get(reverse("candidates:exam", args=[started.public_id])).content.decode()
    assert f'data-live-url="{reverse("candidates:exam_live", args=[started.public_id])}"' in html
    assert f'data-live-version="{live.version(started.pk)}"' in html
    assert f'data-events-url="{reverse("candidates:exam_events", args=[started.public_id])}"' in html
    assert 'aria-live="assertive"' in html and 'id="proctor-message-list"' in html


def answer(client, attempt, position, value, seq):
    return client.post(
        reverse("candidates:exam_answer", args=[attempt.public_id]),
        json.dumps({"position": position, "value": value, "flagged": False, "seq": seq}),
        content_type="application/json",
    )


def test_an_acknowledged_answer_carries_the_last_event_so_the_screen_need_not_poll(
    started, candidate_client, proctor, django_assert_num_queries
):
    single = position_of(started, "single")
    first = answer(candidate_client, started, single, [1], seq=1).json()  # the checked path, then remembered
    with django_assert_num_queries(2):  # the user, and the statement that stores the answer and reads the event
        fast = answer(candidate_client, started, single, [2], seq=2).json()
    start_event = AttemptEvent.objects.filter(attempt=started).latest("pk").pk
    assert first["event"] == fast["event"] == start_event

    message = services.proctor_message(attempt=started, by=proctor, reason="test", text="Eyes on the screen, please.")
    after = answer(candidate_client, started, single, [3], seq=3).json()
    assert after["stored"] is True and after["event"] == message.pk > start_event

    # An older sequence is not stored; its reply still tells the last event.
    stale = answer(candidate_client, started, single, [1], seq=1).json()
    assert stale["stored"] is False and stale["seq"] == 3 and stale["event"] == message.pk


def test_the_exam_page_carries_the_last_event_the_screen_starts_from(started, candidate_client, proctor):
    services.proctor_message(attempt=started, by=proctor, reason="test", text="Welcome.")
    html = candidate_client.get(reverse("candidates:exam", args=[started.public_id])).content.decode()
    exam = json.loads(re.search(r'<script id="exam-payload" type="application/json">(.*?)</script>', html).group(1))
    assert exam["last_event"] == AttemptEvent.objects.filter(attempt=started).latest("pk").pk
