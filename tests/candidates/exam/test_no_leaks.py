"""Item 11: the candidate's HTML and JSON never carry keys, feedback, rationales or other people's data."""

import io
import json

from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from exams.models.delivery import Response
from tests.candidates.exam.conftest import FEEDBACK_MARK, RATIONALE_MARK, book, key_of, start_through_pages

FORBIDDEN_FIELDS = {"is_correct", "correct", "feedback", "rationale", "key", "keys", "candidate", "email"}


def json_fields(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(json_fields(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(json_fields(v) for v in value)) if value else set()
    return set()


def test_no_candidate_response_of_a_whole_attempt_leaks_keys_or_other_candidates(
    session_now, candidate, other_candidate, candidate_client
):
    # Another candidate in the same session, with answers of their own.
    other_client = Client()
    other_client.force_login(other_candidate)
    other = start_through_pages(other_client, book(session_now, other_candidate))
    other_client.post(
        reverse("candidates:exam_answer", args=[other.public_id]),
        json.dumps({"position": 1, "value": key_of(other, 1), "flagged": True, "seq": 1}),
        content_type="application/json",
    )

    attempt = book(session_now, candidate)
    bodies: list[str] = []
    json_bodies: list[dict] = []

    def page(method, name, data=None, follow=False, **kwargs):
        path = reverse(f"candidates:{name}", args=[attempt.public_id]) if name.startswith("exam") else reverse(name)
        response = getattr(candidate_client, method)(path, data, follow=follow, **kwargs)
        assert response.status_code in (200, 302), (name, response.status_code)
        bodies.append(response.content.decode())
        if response.get("Content-Type", "").startswith("application/json"):
            json_bodies.append(response.json())
        return response

    page("get", "candidates:dashboard")
    page("get", "exam_checkin")
    page("post", "exam_checkin", {"agreement": "yes"}, follow=True)
    page("post", "exam_start", HTTP_ACCEPT="application/json")  # as the start page's script asks for the exam
    attempt.refresh_from_db()
    page("get", "exam")
    payload = page("get", "exam_payload").json()
    for item in payload["items"]:
        value = key_of(attempt, item["position"])
        page(
            "post",
            "exam_answer",
            json.dumps({"position": item["position"], "value": value, "flagged": False, "seq": 1}),
            content_type="application/json",
        )
    page("post", "exam_heartbeat")
    page("get", "exam_state")
    page("get", "exam_payload")  # as after a reload: answers come back
    page("post", "exam_submit", follow=True)
    page("get", "exam_result")
    pdf = candidate_client.get(reverse("candidates:exam_result_pdf", args=[attempt.public_id]))
    assert pdf.status_code == 200
    bodies.append("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages))
    page("get", "candidates:dashboard")
    page("get", "candidates:exam_practice")

    assert len(json_bodies) >= 8 and Response.objects.filter(attempt=attempt).count() == 4
    for data in json_bodies:
        assert not json_fields(data) & FORBIDDEN_FIELDS, data
    everything = "\n".join(bodies)
    assert "is_correct" not in everything
    assert FEEDBACK_MARK not in everything and RATIONALE_MARK not in everything
    for trace in (other.public_id, other_candidate.username, other_candidate.email, "Jonah", "Price"):
        assert trace not in everything, trace
    # The walk did see the candidate's own exam: the test is not passing on empty pages.
    assert attempt.public_id in everything and "Score report" in everything and "Pass" in everything
