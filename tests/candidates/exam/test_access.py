import json

import pytest
from django.test import Client
from django.urls import reverse

from exams.models.delivery import Attempt, AttemptStatus, Response

PAGES = ["exam_checkin", "exam_start", "exam", "exam_result", "exam_result_pdf"]
JSON_GET = ["exam_payload", "exam_state"]
JSON_POST = ["exam_answer", "exam_heartbeat"]


@pytest.mark.parametrize("persona", ["other_candidate", "author", "reviewer", "proctor", "program_admin", "outsider"])
def test_nobody_but_the_candidate_can_read_or_write_the_attempt(started, personas, persona):
    client = Client()
    client.force_login(personas[persona])
    for name in PAGES:
        assert client.get(reverse(f"candidates:{name}", args=[started.public_id])).status_code == 404, name
    for name in ["exam_checkin", "exam_start", "exam_submit"]:
        assert client.post(reverse(f"candidates:{name}", args=[started.public_id])).status_code == 404, name
    for name in JSON_GET:
        response = client.get(reverse(f"candidates:{name}", args=[started.public_id]))
        assert response.status_code == 404 and response.json()["reason"] == "not_found"
    body = json.dumps({"position": 1, "value": [1], "flagged": False, "seq": 1})
    for name in JSON_POST:
        response = client.post(
            reverse(f"candidates:{name}", args=[started.public_id]), body, content_type="application/json"
        )
        assert response.status_code == 404 and response.json()["reason"] == "not_found"
    assert not Response.objects.filter(attempt=started).exists()
    assert Attempt.objects.get(pk=started.pk).status == AttemptStatus.IN_PROGRESS


def test_another_candidate_cannot_check_in_to_a_booking(booked, other_candidate):
    client = Client()
    client.force_login(other_candidate)
    response = client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    assert response.status_code == 404
    assert Attempt.objects.get(pk=booked.pk).status == AttemptStatus.BOOKED


def test_signed_out_visitors_go_to_sign_in_and_json_says_signed_out(started):
    client = Client()
    page = client.get(reverse("candidates:exam", args=[started.public_id]))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    response = client.get(reverse("candidates:exam_payload", args=[started.public_id]))
    assert response.status_code == 403 and response.json()["reason"] == "signed_out"


def test_an_unknown_attempt_is_404(candidate_client, started):
    assert candidate_client.get(reverse("candidates:exam", args=["nope"])).status_code == 404
    assert candidate_client.get(reverse("candidates:exam_payload", args=["nope"])).status_code == 404
