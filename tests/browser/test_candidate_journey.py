"""Issue 5's acceptance path in Chromium, as a new candidate lives it: register, confirm the email,
book a session, check in, take the exam (flag, revisit, reload), review, submit, read the score report.

Only the program and the session are made with the factories; everything the candidate does goes
through the pages.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from exams.models.delivery import Attempt, AttemptStatus, ExamSession, Response
from tests.browser.test_exam_in_browser import WAIT, answer_correctly, check_in_and_start, expect_answer_shown, go_to
from tests.candidates.exam.conftest import create_exam_program, create_session_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "mateo.alvarez@example.org"


@pytest.fixture
def session_opening_soon(standards_loaded, author, program_admin):
    """A published, unproctored session whose window opens in an hour: booking closes when it opens."""
    session = create_session_now(create_exam_program(author=author, program_admin=program_admin), program_admin)
    session.opens_at = timezone.now() + timedelta(hours=1)
    session.save(update_fields=["opens_at"])
    return session


def register_and_confirm(page, live_server):
    page.goto(f"{live_server.url}/register/")
    page.locator("#id_email").fill(EMAIL)
    page.get_by_label("Legal name").fill("Mateo Álvarez Ruiz")
    page.get_by_label("Time zone").select_option("Europe/Madrid")
    page.locator("#id_password1").fill("Harbour-Ticket-8830")
    page.locator("#id_password2").fill("Harbour-Ticket-8830")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # The email's link points at the public address; the path is what the candidate follows here.
    [confirmation] = [m for m in mail.outbox if EMAIL in m.to]
    path = re.search(r"/register/confirm/[^/\s]+/", confirmation.body).group(0)
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_test_id("legal-name")).to_have_text("Mateo Álvarez Ruiz")


def test_a_new_candidate_registers_books_takes_the_exam_and_reads_the_score_report(
    page, live_server, session_opening_soon
):
    session = session_opening_soon
    register_and_confirm(page, live_server)

    page.get_by_role("link", name="Book an exam").first.click()
    expect(page).to_have_url(f"{live_server.url}/candidate/book/")
    page.get_by_test_id(f"session-{session.pk}").get_by_role("link", name="Book").click()
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    page.get_by_role("button", name="Confirm the booking").click()
    expect(page.get_by_text("Your seat is booked.")).to_be_visible()
    attempt = Attempt.objects.get(candidate__email=EMAIL)
    assert attempt.session == session and attempt.status == AttemptStatus.BOOKED

    # The hour passes: the start window is open and the dashboard offers check-in.
    ExamSession.objects.filter(pk=session.pk).update(opens_at=timezone.now() - timedelta(minutes=1))
    page.reload()
    page.get_by_test_id(f"booking-{session.program.code}").get_by_role("link", name="Check in").click()
    expect(page).to_have_url(f"{live_server.url}/exam/{attempt.public_id}/check-in/")
    attempt = check_in_and_start(page, live_server, attempt)

    for position in range(1, 5):
        go_to(page, position)
        answer_correctly(page, attempt, position)
        if position == 3:
            page.get_by_role("button", name="Flag for review").click()
            expect(page.get_by_role("button", name="Flag for review")).to_have_attribute("aria-pressed", "true")
            expect(page.get_by_test_id("save-status")).to_have_text("Saved", timeout=WAIT)
    expect(page.get_by_test_id("nav-summary")).to_have_text("4 of 4 answered · 1 flagged")

    flagged = page.locator('#exam-nav button[data-position="3"]')
    expect(flagged).to_have_attribute("aria-label", "Question 3, answered, flagged for review")
    flagged.click()
    expect(page.locator("#item-heading")).to_have_text("Question 3 of 4")
    expect(page.get_by_role("button", name="Flag for review")).to_have_attribute("aria-pressed", "true")

    # Mid-exam reload with this browser's storage gone: the server brings back every answer, and
    # opens the question answered last.
    page.evaluate("localStorage.clear()")
    page.reload()
    expect(page.locator("#item-heading")).to_have_text("Question 4 of 4", timeout=WAIT)
    for position in range(1, 5):
        go_to(page, position)
        expect_answer_shown(page, attempt, position)

    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Review before you submit")).to_be_focused()
    expect(page.get_by_test_id("review-unanswered")).to_have_text("None.")
    expect(page.get_by_test_id("review-flagged")).to_have_text("Question 3")
    page.get_by_role("button", name="Submit the exam").click()
    dialog = page.get_by_role("dialog", name="Submit your exam?")
    expect(dialog).to_contain_text("You have answered 4 of 4 questions.")
    dialog.get_by_role("button", name="Submit now").click()

    expect(page).to_have_url(f"{live_server.url}/exam/{attempt.public_id}/result/", timeout=WAIT)
    expect(page.get_by_test_id("verdict")).to_have_text("Pass")
    expect(page.get_by_test_id("scaled-score")).to_have_text("1000")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.RELEASED and attempt.passed is True
    assert Response.objects.filter(attempt=attempt).count() == 4
    assert Response.objects.get(attempt=attempt, form_item__position=3).flagged is True
