"""A candidate's first steps in Chromium: register, confirm the email, see the dashboard."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_candidate_registers_confirms_and_lands_on_the_dashboard(page, live_server, standards_loaded):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    page.locator("#id_email").fill("ines.duarte@example.org")
    page.get_by_label("Legal name").fill("Inês Duarte Costa")
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.locator("#id_password1").fill("Lantern-Queue-5521")
    page.locator("#id_password2").fill("Lantern-Queue-5521")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    link = re.search(r"http://\S+/register/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    expect(page.get_by_test_id("legal-name")).to_have_text("Inês Duarte Costa")
    expect(page.get_by_role("link", name="My exams")).to_be_visible()
