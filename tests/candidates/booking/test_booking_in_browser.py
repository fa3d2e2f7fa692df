"""In Chromium: an administrator creates and publishes a session; a candidate books it and sees it on the dashboard."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exams.models.delivery import Attempt, ExamSession
from tests.exams.sessions.factories import give_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_publishes_a_session_and_a_candidate_books_it(
    browser, live_server, login_in_browser, exam_program, program_admin, proctor, candidate
):
    give_profile(candidate, time_zone="Asia/Tokyo", legal_name="Sofia Marin Ortega")
    opens = (timezone.now() + timedelta(days=4)).replace(hour=9, minute=0, second=0, microsecond=0)

    admin_context = browser.new_context()
    admin = admin_context.new_page()
    login_in_browser(admin, program_admin)
    admin.goto(f"{live_server.url}/sessions/")
    admin.get_by_role("link", name="New session").click()
    admin.get_by_label("Program").select_option(label=str(exam_program))
    admin.get_by_label("Mode").select_option("online")
    admin.get_by_label("Times are in").select_option("UTC")
    admin.get_by_label("Start window opens").fill(opens.strftime("%Y-%m-%dT%H:%M"))
    admin.get_by_label("Start window closes").fill((opens + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    admin.get_by_label("Seats").fill("8")
    admin.get_by_label("Proctor").select_option(label=f"Tomas Alvarez ({proctor.email})")
    admin.get_by_role("button", name="Create the session").click()
    expect(admin.get_by_test_id("session-status")).to_have_text("Draft")
    admin.get_by_role("button", name="Publish").click()
    expect(admin.get_by_test_id("session-status")).to_have_text("Published")
    session = ExamSession.objects.get()
    assert session.opens_at == opens and session.proctor == proctor

    candidate_context = browser.new_context()
    page = candidate_context.new_page()
    login_in_browser(page, candidate)
    page.goto(f"{live_server.url}/candidate/book/")
    tokyo = f"{timezone.localtime(opens, ZoneInfo('Asia/Tokyo')):%H}:00 (Asia/Tokyo)"
    row = page.get_by_test_id(f"session-{session.pk}")
    expect(row).to_contain_text(tokyo)
    row.get_by_role("link", name="Book").click()
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    page.get_by_role("button", name="Confirm the booking").click()

    expect(page.get_by_text("Your seat is booked.")).to_be_visible()
    booking = page.get_by_test_id("booking-CSPSP-T")
    expect(booking).to_contain_text(tokyo)
    expect(booking.get_by_role("link", name="Reschedule")).to_be_visible()
    assert Attempt.objects.get().candidate == candidate

    admin.reload()
    expect(admin.get_by_text("Sofia Marin Ortega")).to_be_visible()
    admin_context.close()
    candidate_context.close()
