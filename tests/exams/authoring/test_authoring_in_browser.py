"""The authoring main path in Chromium: write an item with the live preview in view, send it to
review, and a reviewer in a second browser approves it from the queue."""

import pytest
from playwright.sync_api import expect

from exams.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_author_writes_an_item_and_a_reviewer_approves_it_from_the_queue(
    page, browser, live_server, author, reviewer, competency, login_in_browser
):
    login_in_browser(page, author)
    page.goto(f"{live_server.url}/bank/")
    page.get_by_role("link", name="New item").click()

    preview = page.get_by_test_id("live-preview")
    page.locator("#id_stem").fill("<p>A customer's order is late. What do you <strong>say first</strong>?</p>")
    expect(preview.locator("strong")).to_have_text("say first")
    options = [
        ("Apologise and say what you will check now", True),
        ("Explain that couriers are often late", False),
        ("Ask them to call back tomorrow", False),
        ("Offer a refund straight away", False),
    ]
    for n, (text, correct) in enumerate(options):
        page.locator(f"#id_options-{n}-text").fill(text)
        if correct:
            page.locator(f"#id_options-{n}-is_correct").check()
    expect(preview).to_contain_text("Offer a refund straight away")
    expect(preview).to_contain_text("Choose one answer.")
    expect(preview.locator("input[type=radio]")).to_have_count(4)
    expect(preview.locator("input:checked")).to_have_count(0)  # the key never shows in the preview

    page.locator("#id_rationale").fill("Acknowledging and committing to an action calms the customer.")
    page.locator("#id_competency").select_option(str(competency.pk))
    page.locator("#id_difficulty").select_option("2")
    page.get_by_role("button", name="Save draft").click()

    item = Item.objects.get()
    expect(page.get_by_text(f"Item {item.ref} saved as a draft.")).to_be_visible()
    page.get_by_label("Send to review: your comment").fill("Ready for review")
    page.get_by_role("button", name="Send to review").click()
    expect(page.get_by_text(f"Version 1 of {item.ref} sent to review.")).to_be_visible()
    expect(page.get_by_role("heading", level=1).get_by_test_id("status")).to_have_text("In review")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)

    reviewer_page = browser.new_context().new_page()
    login_in_browser(reviewer_page, reviewer)
    reviewer_page.goto(f"{live_server.url}/bank/review/")
    entry = reviewer_page.get_by_test_id(f"review-{item.ref}")
    expect(entry).to_contain_text("Apologise and say what you will check now")
    entry.get_by_label("Approval comment").fill("Clear stem, one defensible key.")
    entry.get_by_role("button", name="Approve").click()
    expect(reviewer_page.get_by_text(f"Version 1 of {item.ref} approved.")).to_be_visible()
    expect(reviewer_page.get_by_text("Nothing is waiting for your review.")).to_be_visible()

    page.reload()
    expect(page.get_by_role("heading", level=1).get_by_test_id("status")).to_have_text("Approved")
