import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from exams import delivery
from exams.models.delivery import Attempt, AttemptStatus, Response
from tests.candidates.exam.conftest import key_of, position_of, run_out_of_time

A = AttemptStatus


def url(name, attempt):
    return reverse(f"candidates:{name}", args=[attempt.public_id])


def answer(client, attempt, position, value, seq, flagged=False):
    return client.post(
        url("exam_answer", attempt),
        json.dumps({"position": position, "value": value, "flagged": flagged, "seq": seq}),
        content_type="application/json",
    )


def stored(attempt, position):
    return Response.objects.get(attempt=attempt, form_item__position=position)


def test_the_exam_page_carries_the_exam_and_names_its_endpoints(started, candidate_client):
    response = candidate_client.get(url("exam", started))
    assert response.status_code == 200
    html = response.content.decode()
    assert url("exam_answer", started) in html and url("exam_heartbeat", started) in html
    assert "js/exam.js" in html and 'role="timer"' in html
    # The same exam the payload endpoint gives, in the page: no second round trip before the first item.
    embedded = re.search(r'<script id="exam-payload" type="application/json">(.*?)</script>', html).group(1)
    payload = candidate_client.get(url("exam_payload", started)).json()
    assert json.loads(embedded)["items"] == payload["items"] and len(payload["items"]) == 4


def test_the_payload_shows_the_frozen_form_in_its_option_order(started, candidate_client):
    data = candidate_client.get(url("exam_payload", started)).json()
    assert data["item_count"] == 4 and data["status"] == "in_progress"
    assert 0 < data["remaining_seconds"] <= 30 * 60
    for item, row in zip(data["items"], started.form.items.order_by("position"), strict=True):
        assert item["position"] == row.position and item["type"] == row.item_version.type
        assert [o["position"] for o in item["options"]] == row.option_order
        assert set(item["options"][0]) == {"position", "text"}
        assert item["stem"] == row.item_version.stem


def test_an_answer_is_stored_and_acknowledged_with_the_remaining_time(started, candidate_client):
    response = answer(candidate_client, started, 1, key_of(started, 1), seq=1, flagged=True)
    assert response.status_code == 200
    body = response.json()
    assert body["stored"] is True and body["seq"] == 1 and 0 < body["remaining_seconds"] <= 1800
    row = stored(started, 1)
    assert row.value == key_of(started, 1) and row.flagged is True and row.client_seq == 1


def test_autosave_replayed_out_of_order_keeps_the_newest_answer(started, candidate_client):
    multiple = position_of(started, "multiple")
    assert answer(candidate_client, started, multiple, [1, 2], seq=5).json()["stored"] is True
    late = answer(candidate_client, started, multiple, [3], seq=4)
    assert late.status_code == 200
    assert late.json()["stored"] is False and late.json()["seq"] == 5
    repeated = answer(candidate_client, started, multiple, [1, 2], seq=5)
    assert repeated.json()["stored"] is False
    assert stored(started, multiple).value == [1, 2] and stored(started, multiple).client_seq == 5


def test_an_answer_after_the_deadline_is_refused_with_a_clear_message(started, candidate_client):
    single = position_of(started, "single")
    answer(candidate_client, started, single, [1], seq=1)
    run_out_of_time(started, 30)
    response = answer(candidate_client, started, single, [2], seq=2)
    assert response.status_code == 409
    body = response.json()
    assert body["reason"] == "time_up"
    assert body["message"] == "Time is up: answers after the deadline are not accepted."
    assert body["result_url"] == url("exam_result", started)
    assert stored(started, single).value == [1]
    assert Attempt.objects.get(pk=started.pk).status in (A.SCORED, A.RELEASED)


def test_an_answer_within_the_network_grace_still_counts(started, candidate_client):
    run_out_of_time(started, 2)
    assert answer(candidate_client, started, position_of(started, "single"), [1], seq=1).json()["stored"] is True


@pytest.mark.parametrize(
    "body, message",
    [
        ("not json", "Send position, value, flagged and seq as JSON."),
        ({"position": 1, "value": [1]}, "Send position, value, flagged and seq as JSON."),
        ({"position": "1", "value": [1], "seq": 1}, "position and seq are whole numbers."),
        ({"position": 1, "value": 1, "seq": 1}, "value is a list of option numbers"),
        ({"position": 9, "value": [1], "seq": 1}, "This exam has no question 9."),
        ({"position": "single", "value": [7], "seq": 1}, "The answer names an option the item does not have."),
        ({"position": "single", "value": [1, 2], "seq": 1}, "Choose one option."),
        ({"position": "ordering", "value": [1], "seq": 1}, "Put every step in order."),
        ({"position": "single", "value": [1], "seq": -1}, "The sequence number must not be negative."),
    ],
)
def test_bad_answers_are_refused_with_400_and_store_nothing(started, candidate_client, body, message):
    if isinstance(body, dict):
        if body["position"] in ("single", "ordering"):
            body = {**body, "position": position_of(started, body["position"])}
        body = json.dumps(body)
    response = candidate_client.post(url("exam_answer", started), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["reason"] == "bad_request" and message in response.json()["message"]
    assert not Response.objects.filter(attempt=started).exists()


def test_answers_need_the_csrf_token(started, candidate):
    client = Client(enforce_csrf_checks=True)
    client.force_login(candidate)
    # A new sign-in is a new browser session: refused either way, but by CSRF first.
    response = client.post(
        url("exam_answer", started),
        json.dumps({"position": 1, "value": [1], "flagged": False, "seq": 1}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Response.objects.filter(attempt=started).exists()


def test_a_second_browser_is_refused_while_the_first_goes_on(started, candidate, candidate_client):
    second = Client()
    second.force_login(candidate)
    page = second.get(url("exam", started))
    assert page.status_code == 409
    assert "open in another browser" in page.content.decode()
    for response in (
        second.get(url("exam_payload", started)),
        answer(second, started, position_of(started, "single"), [1], seq=1),
        second.post(url("exam_heartbeat", started)),
    ):
        assert response.status_code == 409 and response.json()["reason"] == "wrong_device"
    assert second.post(url("exam_submit", started)).status_code == 409
    assert not Response.objects.filter(attempt=started).exists()
    assert answer(candidate_client, started, position_of(started, "single"), [1], seq=1).json()["stored"] is True
    assert Attempt.objects.get(pk=started.pk).status == A.IN_PROGRESS


def test_heartbeat_reports_the_server_clock_and_a_pause(started, candidate_client, proctor):
    single = position_of(started, "single")
    beat = candidate_client.post(url("exam_heartbeat", started)).json()
    assert beat["status"] == "in_progress" and beat["paused"] is False and 0 < beat["remaining_seconds"] <= 1800
    delivery.attempt_pause(attempt=started, by=proctor, reason="fire alarm")
    beat = candidate_client.post(url("exam_heartbeat", started)).json()
    assert beat["paused"] is True and "paused" in beat["message"]
    refused = answer(candidate_client, started, single, [1], seq=1)
    assert refused.status_code == 409 and refused.json()["reason"] == "paused"


def test_a_heartbeat_after_the_deadline_submits_the_attempt(started, candidate_client):
    answer(candidate_client, started, 1, key_of(started, 1), seq=1)
    run_out_of_time(started, 60)
    beat = candidate_client.post(url("exam_heartbeat", started)).json()
    assert beat["status"] == "released" and beat["result_url"] == url("exam_result", started)
    assert beat["remaining_seconds"] == 0


def test_opening_the_exam_after_the_deadline_submits_it_and_shows_the_result(started, candidate_client):
    run_out_of_time(started, 60)
    response = candidate_client.get(url("exam", started))
    assert response["Location"] == url("exam_result", started)
    assert Attempt.objects.get(pk=started.pk).status == A.RELEASED


def test_resume_brings_back_every_answer_and_the_current_item(started, candidate_client):
    single, truefalse = position_of(started, "single"), position_of(started, "truefalse")
    answer(candidate_client, started, single, [2], seq=3)
    answer(candidate_client, started, truefalse, [1], seq=1, flagged=True)
    data = candidate_client.get(url("exam_payload", started)).json()
    assert data["current_position"] == truefalse
    assert data["responses"] == {
        str(single): {"value": [2], "flagged": False, "seq": 3},
        str(truefalse): {"value": [1], "flagged": True, "seq": 1},
    }
    state = candidate_client.get(url("exam_state", started)).json()
    assert state["current_position"] == truefalse and state["status"] == "in_progress"


def test_json_endpoints_refuse_the_wrong_method(started, candidate_client):
    assert candidate_client.get(url("exam_answer", started)).status_code == 405
    assert candidate_client.post(url("exam_payload", started)).status_code == 405


def test_submit_scores_and_releases_then_the_exam_page_shows_the_result(started, candidate_client):
    for position in range(1, 5):
        answer(candidate_client, started, position, key_of(started, position), seq=1)
    response = candidate_client.post(url("exam_submit", started))
    assert response["Location"] == url("exam_result", started)
    attempt = Attempt.objects.get(pk=started.pk)
    assert attempt.status == A.RELEASED and attempt.passed is True and attempt.scaled_score == 1000
    assert candidate_client.get(url("exam", started))["Location"] == url("exam_result", started)
    closed = answer(candidate_client, started, position_of(started, "single"), [1], seq=9)
    assert closed.status_code == 409 and closed.json()["reason"] == "closed"


def test_the_exam_in_the_page_cannot_close_its_script_element():
    from candidates.exam_payloads import script_json

    text = script_json({"stem": "Type </script><script>alert(1)</script> & press <Enter>"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"stem": "Type </script><script>alert(1)</script> & press <Enter>"}
