"""The exam screen in Chromium: check in, answer, flag, reload, review, submit; the clock and the network.

The booking is made through the services (booking pages have their own tests); everything from
check-in onwards goes through the candidate's pages.
"""

import re

import pytest
from playwright.sync_api import expect

from exams.delivery import attempts_sweep
from exams.models.delivery import AttemptStatus, Response
from tests.candidates.exam.conftest import book, create_exam_program, create_session_now, run_out_of_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 10_000  # ms: every wait is bounded


@pytest.fixture
def booked(standards_loaded, candidate, author, program_admin):
    program = create_exam_program(author=author, program_admin=program_admin)
    return book(create_session_now(program, program_admin), candidate)


def check_in_and_start(page, live_server, attempt):
    page.goto(f"{live_server.url}/exam/{attempt.public_id}/check-in/")
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("alert")).to_contain_text("Accept the candidate agreement", timeout=WAIT)
    page.get_by_label("I have read the candidate agreement and I accept it.").check()
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("heading", name="Start the exam")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Start the exam").click()
    expect(page.locator("#item-heading")).to_have_text(re.compile(r"Question \d of 4"), timeout=WAIT)
    # The start answers with the exam screen; the address bar shows the exam's own address.
    expect(page).to_have_url(f"{live_server.url}/exam/{attempt.public_id}/", timeout=WAIT)
    attempt.refresh_from_db()
    return attempt


def form_row(attempt, position):
    return attempt.form.items.select_related("item_version").get(position=position)


def option_text(row, written_position):
    return row.item_version.options.get(position=written_position).text


def go_to(page, position):
    page.locator(f'#exam-nav button[data-position="{position}"]').click()
    expect(page.locator("#item-heading")).to_have_text(f"Question {position} of 4", timeout=WAIT)


def answer_correctly(page, attempt, position):
    """Answers the item on screen with its key, by keyboard for the ordering steps."""
    row = form_row(attempt, position)
    key = row.item_version.key()
    if row.item_version.type == "ordering":
        wanted = [option_text(row, p) for p in key]
        for target, text in enumerate(wanted):
            for _attempt in range(len(wanted)):
                shown = page.locator(".ordering-step .ordering-text").all_inner_texts()
                if shown.index(text) == target:
                    break
                page.get_by_role("button", name=f"Move up: {text}").focus()
                page.keyboard.press("Enter")
        expect(page.locator(".ordering-step .ordering-text")).to_have_text(wanted, timeout=WAIT)
    else:
        for written in key:
            page.get_by_label(option_text(row, written), exact=True).check()
    expect(page.get_by_test_id("save-status")).to_have_text("Saved", timeout=WAIT)


def expect_answer_shown(page, attempt, position):
    row = form_row(attempt, position)
    key = row.item_version.key()
    if row.item_version.type == "ordering":
        expect(page.locator(".ordering-step .ordering-text")).to_have_text(
            [option_text(row, p) for p in key], timeout=WAIT
        )
    else:
        for written in key:
            expect(page.get_by_label(option_text(row, written), exact=True)).to_be_checked(timeout=WAIT)


def test_a_candidate_takes_the_whole_exam_and_sees_the_score_report(
    page, live_server, login_in_browser, candidate, booked
):
    login_in_browser(page, candidate)
    attempt = check_in_and_start(page, live_server, booked)
    expect(page.get_by_test_id("clock")).to_have_text(re.compile(r"^(29|30):\d\d$"), timeout=WAIT)

    for position in range(1, 5):
        go_to(page, position)
        answer_correctly(page, attempt, position)
        if position == 2:
            page.get_by_role("button", name="Flag for review").click()
            expect(page.get_by_role("button", name="Flag for review")).to_have_attribute("aria-pressed", "true")
            expect(page.get_by_test_id("save-status")).to_have_text("Saved", timeout=WAIT)
    expect(page.get_by_test_id("nav-summary")).to_have_text("4 of 4 answered · 1 flagged")

    # Revisit the flagged item from the navigator.
    flagged = page.locator('#exam-nav button[data-position="2"]')
    expect(flagged).to_have_attribute("aria-label", "Question 2, answered, flagged for review")
    flagged.click()
    expect(page.locator("#item-heading")).to_have_text("Question 2 of 4")
    expect(page.locator("#item-heading")).to_be_focused()
    expect(page.get_by_role("button", name="Flag for review")).to_have_attribute("aria-pressed", "true")

    # A reload brings back the same item and every answer, from the server.
    page.evaluate("localStorage.clear()")
    page.reload()
    expect(page.locator("#item-heading")).to_have_text("Question 4 of 4", timeout=WAIT)
    for position in range(1, 5):
        go_to(page, position)
        expect_answer_shown(page, attempt, position)
    expect(page.locator('#exam-nav button[data-position="2"]')).to_have_class(re.compile("flagged"))

    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Review before you submit")).to_be_focused()
    expect(page.get_by_test_id("review-unanswered")).to_have_text("None.")
    expect(page.get_by_test_id("review-flagged")).to_have_text("Question 2")
    page.get_by_role("button", name="Submit the exam").click()
    dialog = page.get_by_role("dialog", name="Submit your exam?")
    expect(dialog).to_contain_text("You have answered 4 of 4 questions.")
    dialog.get_by_role("button", name="Submit now").click()

    page.wait_for_url(f"{live_server.url}/exam/{attempt.public_id}/result/", timeout=WAIT)
    expect(page.get_by_test_id("verdict")).to_have_text("Pass")
    expect(page.get_by_test_id("scaled-score")).to_have_text("1000")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.RELEASED and attempt.passed is True
    assert Response.objects.get(attempt=attempt, form_item__position=2).flagged is True


def test_time_runs_out_with_the_browser_closed_and_the_saved_answers_are_submitted(
    page, live_server, login_in_browser, candidate, booked
):
    login_in_browser(page, candidate)
    attempt = check_in_and_start(page, live_server, booked)
    go_to(page, 1)
    answer_correctly(page, attempt, 1)
    context = page.context
    page.close()

    run_out_of_time(attempt)
    assert attempts_sweep() == {"submitted": 1, "expired": 0}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.RELEASED and attempt.raw_score == 1
    assert Response.objects.filter(attempt=attempt).count() == 1

    later = context.new_page()
    later.goto(f"{live_server.url}/exam/{attempt.public_id}/")
    expect(later).to_have_url(f"{live_server.url}/exam/{attempt.public_id}/result/", timeout=WAIT)
    expect(later.get_by_test_id("verdict")).to_have_text("Fail")


def test_answers_queue_while_the_network_is_down_and_arrive_when_it_returns(
    page, live_server, login_in_browser, candidate, booked
):
    login_in_browser(page, candidate)
    attempt = check_in_and_start(page, live_server, booked)
    go_to(page, 1)
    answer_correctly(page, attempt, 1)

    page.context.set_offline(True)
    for position in (2, 3):
        go_to(page, position)
        row = form_row(attempt, position)
        if row.item_version.type == "ordering":
            page.get_by_role("button", name="Keep this order as my answer").click()
        else:
            page.get_by_label(option_text(row, row.option_order[0]), exact=True).check()
        expect(page.get_by_test_id("save-status")).to_have_text(
            "Queued: it will be sent when the connection returns", timeout=WAIT
        )
    expect(page.get_by_test_id("offline-banner")).to_contain_text("Offline — 2 answers queued", timeout=WAIT)
    assert Response.objects.filter(attempt=attempt).count() == 1

    page.context.set_offline(False)
    expect(page.get_by_test_id("offline-banner")).to_be_hidden(timeout=20_000)
    expect(page.get_by_test_id("save-status")).to_have_text("Saved", timeout=WAIT)
    saved = {
        r.form_item.position: r.value for r in Response.objects.filter(attempt=attempt).select_related("form_item")
    }
    assert set(saved) == {1, 2, 3}
    for position in (2, 3):
        row = form_row(attempt, position)
        expected = row.option_order if row.item_version.type == "ordering" else [row.option_order[0]]
        assert saved[position] == expected
