import json
import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates import exam_payloads
from candidates.exam_access import driver_for
from candidates.models import AccommodationRequest
from exams.models.delivery import Attempt, AttemptStatus, Response
from exams.models.programs import ExamForm

A = AttemptStatus


def test_check_in_page_shows_the_candidate_agreement(booked, candidate_client):
    response = candidate_client.get(reverse("candidates:exam_checkin", args=[booked.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Candidate agreement" in html and "confidential" in html
    assert 'name="agreement"' in html and "required" in html


def test_check_in_without_accepting_the_agreement_is_refused_and_changes_nothing(booked, candidate_client):
    response = candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {})
    assert response.status_code == 400
    assert "Accept the candidate agreement" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == A.BOOKED and booked.agreement_accepted_at is None


def test_an_attempt_cannot_start_before_the_agreement_is_accepted(booked, candidate_client):
    response = candidate_client.post(reverse("candidates:exam_start", args=[booked.public_id]))
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:exam_checkin", args=[booked.public_id])
    booked.refresh_from_db()
    assert booked.status == A.BOOKED and booked.started_at is None and booked.form_id is None


def test_checking_in_leads_to_the_start_page_with_duration_and_item_count(booked, candidate_client):
    response = candidate_client.post(
        reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("candidates:exam_start", args=[booked.public_id])
    html = response.content.decode()
    assert "Start the exam" in html and "30 minutes" in html
    assert 'data-testid="item-count">4<' in html
    booked.refresh_from_db()
    assert booked.status == A.CHECKED_IN and booked.agreement_accepted_at is not None


def test_check_in_freezes_the_form_unseen_and_the_start_only_starts_the_clock(booked, candidate_client):
    candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    booked.refresh_from_db()
    assert booked.status == A.CHECKED_IN and booked.form is not None and booked.form.items.count() == 4
    forms = ExamForm.objects.count()

    # Drawn, but not shown and not answerable until the start.
    payload = candidate_client.get(reverse("candidates:exam_payload", args=[booked.public_id]))
    assert payload.status_code == 409 and "items" not in payload.json()
    answer = candidate_client.post(
        reverse("candidates:exam_answer", args=[booked.public_id]),
        json.dumps({"position": 1, "value": [1], "flagged": False, "seq": 1}),
        content_type="application/json",
    )
    assert answer.status_code == 409 and not Response.objects.filter(attempt=booked).exists()

    candidate_client.post(reverse("candidates:exam_start", args=[booked.public_id]))
    started = Attempt.objects.get(pk=booked.pk)
    assert started.status == A.IN_PROGRESS and started.form_id == booked.form_id and ExamForm.objects.count() == forms


def test_a_start_posted_without_javascript_gets_the_exam_screen_and_a_second_goes_to_it(booked, candidate_client):
    candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    exam_url = reverse("candidates:exam", args=[booked.public_id])

    response = candidate_client.post(reverse("candidates:exam_start", args=[booked.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-exam-url="{exam_url}"' in html  # exam.js shows this address, so a reload asks for the exam
    payload = json.loads(re.search(r'<script id="exam-payload" type="application/json">(.*?)</script>', html).group(1))
    assert payload["status"] == A.IN_PROGRESS and len(payload["items"]) == 4 and payload["responses"] == {}
    assert Attempt.objects.get(pk=booked.pk).status == A.IN_PROGRESS

    again = candidate_client.post(reverse("candidates:exam_start", args=[booked.public_id]))
    assert again.status_code == 302 and again["Location"] == exam_url


def test_the_start_page_is_the_exam_screen_before_the_clock_and_shows_no_item(booked, candidate_client):
    candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    booked.refresh_from_db()
    response = candidate_client.get(reverse("candidates:exam_start", args=[booked.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="start-screen"' in html and 'id="start-form"' in html and 'id="item-screen"' in html
    assert 'data-testid="clock">30:00<' in html  # the time the clock will start from, not running
    assert 'id="exam-payload"' not in html
    for row in booked.form.items.select_related("item_version"):
        assert row.item_version.stem not in html


def start_as_the_screen_does(client, attempt):
    return client.post(reverse("candidates:exam_start", args=[attempt.public_id]), HTTP_ACCEPT="application/json")


def test_a_json_start_records_the_start_then_the_screen_fetches_the_exam(booked, candidate_client):
    candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    response = start_as_the_screen_does(candidate_client, booked)
    assert response.status_code == 200
    started = Attempt.objects.get(pk=booked.pk)
    assert started.status == A.IN_PROGRESS
    assert response.json() == {
        "status": A.IN_PROGRESS,
        "exam_url": reverse("candidates:exam_payload", args=[booked.public_id]),
    }

    exam = candidate_client.get(response.json()["exam_url"]).json()
    assert exam["status"] == A.IN_PROGRESS and len(exam["items"]) == 4 and exam["responses"] == {}
    assert exam["last_event"] == started.events.get(action="start").pk and exam["live_version"] is not None
    assert 0 < exam["remaining_seconds"] <= 30 * 60

    again = start_as_the_screen_does(candidate_client, booked)
    assert again.status_code == 409
    assert again.json()["url"] == reverse("candidates:exam", args=[booked.public_id])


def test_a_json_start_before_the_session_opens_says_why_and_changes_nothing(booked, candidate_client):
    candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    booked.session.opens_at = timezone.now() + timedelta(minutes=10)
    booked.session.save(update_fields=["opens_at"])
    response = start_as_the_screen_does(candidate_client, booked)
    assert response.status_code == 400
    assert response.json()["reason"] == "not_started" and "not opened yet" in response.json()["message"]
    assert Attempt.objects.get(pk=booked.pk).status == A.CHECKED_IN


def test_the_start_page_readies_the_items_so_the_exam_reads_no_form_rows(booked, candidate_client):
    candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    candidate_client.get(reverse("candidates:exam_start", args=[booked.public_id]))
    booked.refresh_from_db()
    from_database = exam_payloads._read_form_items(booked.form_id)
    exam_payloads._form_items.cache_clear()  # the exam is fetched from a process that never showed this form

    exam_url = start_as_the_screen_does(candidate_client, booked).json()["exam_url"]
    with CaptureQueriesContext(connection) as queries:
        response = candidate_client.get(exam_url)
    assert response.status_code == 200
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert 'FROM "exams_formitem"' not in read and '"exams_itemoption"' not in read
    assert response.json()["items"] == list(from_database)


def test_the_started_attempt_has_its_form_and_this_browser_drives_it(started, candidate_client):
    assert started.status == A.IN_PROGRESS and started.form.items.count() == 4
    assert started.driver == driver_for(candidate_client.session.session_key)
    assert started.driver != candidate_client.session.session_key  # a keyed hash, not the cookie itself
    assert started.remaining_seconds() > 29 * 60


def test_start_applies_the_approved_extra_time(booked, candidate, candidate_client):
    AccommodationRequest.objects.create(
        candidate=candidate,
        extra_time_percent=50,
        reason="Dyslexia",
        evidence="x.pdf",
        status=AccommodationRequest.Status.APPROVED,
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    page = candidate_client.get(reverse("candidates:exam_start", args=[booked.public_id])).content.decode()
    assert "45 minutes" in page and "+50%" in page
    candidate_client.post(reverse("candidates:exam_start", args=[booked.public_id]))
    attempt = Attempt.objects.get(pk=booked.pk)
    assert attempt.accommodation_seconds == 15 * 60 and attempt.allowed_seconds == 45 * 60


def test_the_exam_page_sends_a_checked_in_candidate_to_the_start_page(booked, candidate_client):
    candidate_client.post(reverse("candidates:exam_checkin", args=[booked.public_id]), {"agreement": "yes"})
    response = candidate_client.get(reverse("candidates:exam", args=[booked.public_id]))
    assert response["Location"] == reverse("candidates:exam_start", args=[booked.public_id])
