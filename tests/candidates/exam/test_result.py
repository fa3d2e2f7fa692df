import io
import json
from datetime import timedelta

from django.urls import reverse
from pypdf import PdfReader

from exams import delivery, hooks
from exams.models.delivery import Attempt, AttemptStatus
from standards.models import Competency
from tests.candidates.exam.conftest import key_of, position_of

A = AttemptStatus


def url(name, attempt):
    return reverse(f"candidates:{name}", args=[attempt.public_id])


def answer(client, attempt, position, value):
    return client.post(
        url("exam_answer", attempt),
        json.dumps({"position": position, "value": value, "flagged": False, "seq": 1}),
        content_type="application/json",
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_held_result_says_it_is_being_reviewed_and_shows_no_score(started, candidate_client, monkeypatch):
    monkeypatch.setattr(hooks, "release_blockers", [lambda attempt: "an open incident"])
    candidate_client.post(url("exam_submit", started))
    attempt = Attempt.objects.get(pk=started.pk)
    assert attempt.status == A.SCORED
    html = candidate_client.get(url("exam_result", started)).content.decode()
    assert "Your result is being reviewed." in html
    assert "Scaled score" not in html and str(attempt.scaled_score) not in html.split("<main")[1]
    assert candidate_client.get(url("exam_result_pdf", started)).status_code == 404


def test_a_released_fail_shows_domains_what_to_study_and_the_retake_date(started, candidate_client):
    single = position_of(started, "single")
    answer(candidate_client, started, single, key_of(started, single))
    candidate_client.post(url("exam_submit", started))
    attempt = Attempt.objects.get(pk=started.pk)
    assert attempt.status == A.RELEASED and attempt.passed is False
    html = candidate_client.get(url("exam_result", started)).content.decode()
    assert 'data-testid="verdict">Fail<' in html
    assert f'data-testid="scaled-score">{attempt.scaled_score}<' in html
    assert "Policies" in html and "<strong>25%</strong>" in html and "width: 25%" in html
    competency = Competency.objects.get(code="CSPSP-1")
    assert competency.title in html
    retake = (attempt.submitted_at + timedelta(days=14)).date()
    assert f"You can book a retake from {retake:%-d %B %Y}." in html
    assert url("exam_result_pdf", started) in html


def test_a_pass_has_no_retake_date(started, candidate_client):
    for position in range(1, 5):
        answer(candidate_client, started, position, key_of(started, position))
    candidate_client.post(url("exam_submit", started))
    html = candidate_client.get(url("exam_result", started)).content.decode()
    assert 'data-testid="verdict">Pass<' in html and "retake" not in html
    assert "You scored at or above the pass mark in every competency." in html


def test_the_pdf_report_is_the_same_report(started, candidate_client):
    candidate_client.post(url("exam_submit", started))
    attempt = Attempt.objects.get(pk=started.pk)
    response = candidate_client.get(url("exam_result_pdf", started))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Score report" in text and "Fail" in text and str(attempt.scaled_score) in text
    assert "Sofia Marin" in text and Competency.objects.get(code="CSPSP-1").title[:30] in text.replace("\n", " ")


def test_a_voided_attempt_has_no_result(started, candidate_client, proctor):
    delivery.attempt_terminate(attempt=started, by=proctor, reason="notes on the desk", outcome="void")
    html = candidate_client.get(url("exam_result", started)).content.decode()
    assert "This attempt was voided" in html
    assert candidate_client.get(url("exam_result_pdf", started)).status_code == 404


def test_the_result_page_sends_a_live_attempt_back_to_the_exam(started, candidate_client):
    assert candidate_client.get(url("exam_result", started))["Location"] == url("exam", started)
