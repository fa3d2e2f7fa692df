import json

from django.test import Client
from django.urls import reverse

from candidates.practice import PRACTICE_ITEMS
from exams.models.delivery import Attempt, Response


def practice_payload(html: str) -> dict:
    start = html.index('<script id="exam-practice" type="application/json">') + len(
        '<script id="exam-practice" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_practice_exam_runs_on_the_exam_screen_with_five_sample_items(candidate_client):
    response = candidate_client.get(reverse("candidates:exam_practice"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-mode="practice"' in html and "js/exam.js" in html
    payload = practice_payload(html)
    assert len(payload["items"]) == len(PRACTICE_ITEMS) == 5
    assert {item["type"] for item in payload["items"]} == {"single", "multiple", "truefalse", "ordering"}
    # Practice answers never go to the server: the page names no endpoint to send them to.
    assert "data-answer-url" not in html and "submit-form" not in html


def test_the_practice_exam_stores_and_scores_nothing(candidate_client):
    candidate_client.get(reverse("candidates:exam_practice"))
    assert not Attempt.objects.exists() and not Response.objects.exists()


def test_the_practice_exam_is_for_signed_in_candidates(author):
    assert Client().get(reverse("candidates:exam_practice")).status_code == 302
    client = Client()
    client.force_login(author)
    assert client.get(reverse("candidates:exam_practice")).status_code == 403
