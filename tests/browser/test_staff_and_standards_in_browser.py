"""A program administrator's main path, and the public standards pages, in Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_invites_an_author_who_then_signs_up(page, browser, live_server, program_admin, login_in_browser):
    login_in_browser(page, program_admin)
    page.get_by_role("link", name="Staff and roles").first.click()
    page.get_by_role("link", name="Invite staff").click()
    page.get_by_label("Email").fill("kai.author@example.org")
    page.get_by_label("First name").fill("Kai")
    page.get_by_label("Last name").fill("Moreno")
    page.get_by_label("Author").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to kai.author@example.org")).to_be_visible()
    expect(page.get_by_test_id("invitations-table")).to_contain_text("kai.author@example.org")

    link = re.search(r"http://\S+/accounts/invitation/\S+/", mail.outbox[-1].body).group(0)
    newcomer = browser.new_context().new_page()
    newcomer.goto(link)
    newcomer.get_by_label("Username").fill("kai")
    newcomer.locator("#id_password1").fill("Ticket-Meadow-314")
    newcomer.locator("#id_password2").fill("Ticket-Meadow-314")
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_test_id("signed-in-as")).to_have_text("Kai Moreno")
    expect(newcomer.get_by_text("Your roles: Author")).to_be_visible()
    expect(newcomer.get_by_role("link", name="Staff and roles")).to_have_count(0)


def test_anyone_browses_the_standards(page, live_server, standards_loaded):
    page.goto(f"{live_server.url}/standards/")
    page.get_by_role("link", name="Customer service support").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Customer service support")
    expect(page.get_by_test_id("level-3")).to_contain_text("Apply")
    expect(page.get_by_test_id("level-3")).to_contain_text("Применять")
    page.goto(f"{live_server.url}/standards/CSS/")
    expect(page.get_by_test_id("weights")).to_contain_text("40%")
