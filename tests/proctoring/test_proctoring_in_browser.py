"""The proctor and the candidate in two browser contexts: admission, pause, extra time, a message,
termination, and a tab switch reaching the proctor's dashboard. Every wait is bounded; the bounds are
the issue's: a proctor action on the candidate's screen within 3 s, an integrity event on the proctor's
row within 5 s."""

import re
import time

import pytest
from playwright.sync_api import expect

from exams.models.delivery import Attempt, AttemptEvent, AttemptStatus
from proctoring import services
from proctoring.models import Admission
from tests.candidates.exam.conftest import book, create_exam_program, create_session_now
from tests.proctoring.conftest import admit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 10_000  # ms: page loads and form posts
ON_SCREEN = 3_000  # ms: a proctor's action on the candidate's screen
ON_ROW = 5_000  # ms: a candidate's integrity event on the proctor's row


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def booked(standards_loaded, candidate, author, program_admin, proctor):
    program = create_exam_program(author=author, program_admin=program_admin)
    session = create_session_now(program, program_admin)
    session.proctor = proctor
    session.save(update_fields=["proctor"])
    return book(session, candidate)


@pytest.fixture
def two_pages(browser, live_server, login_in_browser, candidate, proctor):
    candidate_context, proctor_context = browser.new_context(), browser.new_context()
    candidate_page, proctor_page = candidate_context.new_page(), proctor_context.new_page()
    login_in_browser(candidate_page, candidate)
    login_in_browser(proctor_page, proctor)
    yield candidate_page, proctor_page
    candidate_context.close()
    proctor_context.close()


def seconds(clock_text: str) -> int:
    parts = [int(p) for p in clock_text.split(":")]
    return parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) == 3 else 0)


def proctor_acts(page, live_server, attempt, action, summary, **fields):
    page.goto(f"{live_server.url}/proctoring/attempts/{attempt.public_id}/")
    section = page.locator(f"#action-{action}")
    section.locator("summary").click()
    for label, value in fields.items():
        field = section.get_by_label(re.compile(rf"^\s*{label}"))
        if value is True:
            field.check()
        else:
            field.fill(str(value))
    section.get_by_role("button", name=summary, exact=True).click()
    expect(page.locator(".messages .alert-success")).to_be_visible(timeout=WAIT)


def test_the_proctor_admits_pauses_adds_time_messages_and_terminates_and_the_candidate_sees_each(
    two_pages, live_server, booked
):
    candidate_page, proctor_page = two_pages
    exam_url = f"{live_server.url}/exam/{booked.public_id}/"

    # The candidate checks in and waits for admission.
    candidate_page.goto(exam_url + "check-in/")
    candidate_page.get_by_label("I have read the candidate agreement and I accept it.").check()
    candidate_page.get_by_role("button", name="Check in").click()
    expect(candidate_page.get_by_test_id("start-wait")).to_contain_text("has not admitted you yet", timeout=WAIT)
    expect(candidate_page.get_by_role("button", name="Start the exam")).to_be_disabled()

    # The proctor checks the ID from the dashboard and admits.
    proctor_page.goto(f"{live_server.url}/proctoring/sessions/{booked.session_id}/")
    row = proctor_page.get_by_test_id(f"row-{booked.public_id}")
    expect(row.get_by_test_id("state")).to_have_text("Waiting for admission", timeout=WAIT)
    row.get_by_role("link", name="Check ID and admit").click()
    proctor_page.get_by_role("combobox", name="Document").select_option("passport")
    proctor_page.get_by_role("textbox", name=re.compile("^Last four characters")).fill("7Q4Z")
    proctor_page.get_by_role("button", name="Admit the candidate").click()
    expect(proctor_page.get_by_test_id(f"row-{booked.public_id}").get_by_test_id("state")).to_have_text(
        "Ready to start", timeout=WAIT
    )
    assert Admission.objects.get(attempt=booked).id_number_last4 == "7Q4Z"

    # The start page learns of the admission by itself; the candidate starts.
    start = candidate_page.get_by_role("button", name="Start the exam")
    expect(start).to_be_enabled(timeout=ON_SCREEN + 2_000)
    start.click()
    expect(candidate_page.locator("#item-heading")).to_have_text(re.compile(r"Question \d of 4"), timeout=WAIT)
    clock = candidate_page.get_by_test_id("clock")
    expect(clock).to_have_text(re.compile(r"^(29|30):\d\d$"), timeout=WAIT)

    # Pause: on the candidate's screen within 3 s, and the clock stands still for 10 s.
    proctor_acts(proctor_page, live_server, booked, "pause", "Pause", Reason="Fire alarm in the building")
    expect(candidate_page.get_by_test_id("paused-banner")).to_be_visible(timeout=ON_SCREEN)
    paused = Attempt.objects.get(pk=booked.pk)
    frozen_on_screen = clock.inner_text()
    candidate_page.wait_for_timeout(10_000)
    assert clock.inner_text() == frozen_on_screen
    # The answer controls, whatever the item on screen (choices, or an ordering item's buttons), and the flag.
    expect(candidate_page.locator("#btn-flag")).to_be_disabled()
    expect(candidate_page.locator("#item-options input, #item-options button").first).to_be_disabled()

    # Resume: the banner goes within 3 s; the remaining time is what it was at the pause.
    proctor_acts(proctor_page, live_server, booked, "resume", "Resume", Reason="All clear")
    expect(candidate_page.get_by_test_id("paused-banner")).to_be_hidden(timeout=ON_SCREEN)
    resumed = Attempt.objects.get(pk=booked.pk)
    resumed_at = AttemptEvent.objects.filter(attempt=booked, action="resume").latest("pk").at
    before = (paused.deadline - paused.paused_at).total_seconds()
    after = (resumed.deadline - resumed_at).total_seconds()
    assert abs(before - after) < 1, (before, after)
    # On screen the clock runs on from where it stood: it did not lose the ten seconds of the pause.
    assert 0 <= seconds(frozen_on_screen) - seconds(clock.inner_text()) <= 5

    # Five more minutes: the candidate's timer shows them within 3 s.
    shown = seconds(clock.inner_text())
    proctor_acts(
        proctor_page, live_server, booked, "extend", "Add the time", **{"Minutes to add": 5, "Reason": "Alarm"}
    )
    candidate_page.wait_for_function(
        """(least) => {
            const p = document.getElementById("clock").textContent.split(":").map(Number);
            return p.reduce((total, part) => total * 60 + part, 0) >= least;
        }""",
        arg=shown + 290,
        timeout=ON_SCREEN,
    )

    # A message, read out by the assertive live region.
    proctor_acts(
        proctor_page,
        live_server,
        booked,
        "message",
        "Send",
        **{"Message to the candidate": "Please keep your eyes on the screen.", "Reason": "Looking away"},
    )
    messages = candidate_page.get_by_test_id("proctor-messages")
    expect(messages).to_contain_text("Please keep your eyes on the screen.", timeout=ON_SCREEN)
    expect(candidate_page.locator("#proctor-message-list")).to_have_attribute("aria-live", "assertive")

    # Terminate: the end screen within 3 s, and no answer is taken any more.
    proctor_page.goto(f"{live_server.url}/proctoring/attempts/{booked.public_id}/")
    section = proctor_page.locator("#action-terminate")
    section.locator("summary").click()
    section.get_by_label("Submit the answers as they are (the result waits for a review)").check()
    section.get_by_label(re.compile(r"^\s*Reason")).fill("Second person in the room")
    section.get_by_label(re.compile(r"^\s*I understand the candidate cannot continue")).check()
    section.get_by_role("button", name="Terminate").click()
    expect(candidate_page.get_by_test_id("done-screen")).to_be_visible(timeout=ON_SCREEN)
    expect(candidate_page.locator("#done-heading")).to_have_text("Your exam has ended")
    expect(candidate_page.get_by_test_id("item-screen")).to_be_hidden()
    status = candidate_page.evaluate(
        """async (url) => (await fetch(url, {method: "POST", headers: {"Content-Type": "application/json",
            "X-CSRFToken": document.cookie.match(/csrftoken=([^;]+)/)[1]},
            body: JSON.stringify({position: 1, value: [1], flagged: false, seq: 99})})).status""",
        exam_url + "answer",
    )
    assert status == 409
    ended = Attempt.objects.get(pk=booked.pk)
    assert ended.status == AttemptStatus.SCORED and ended.review_flag


def admitted_and_started(page, live_server, booked, proctor) -> None:
    """The proctor admits (through the service); the candidate checks in and starts in the browser."""
    booked.refresh_from_db()
    admit(booked, proctor)
    page.goto(f"{live_server.url}/exam/{booked.public_id}/check-in/")
    page.get_by_label("I have read the candidate agreement and I accept it.").check()
    page.get_by_role("button", name="Check in").click()
    page.get_by_role("button", name="Start the exam").click()
    expect(page.locator("#item-heading")).to_have_text(re.compile(r"Question \d of 4"), timeout=WAIT)


def test_a_tab_switch_appears_on_the_proctors_row_within_five_seconds(two_pages, live_server, booked, proctor):
    candidate_page, proctor_page = two_pages
    admitted_and_started(candidate_page, live_server, booked, proctor)

    proctor_page.goto(f"{live_server.url}/proctoring/sessions/{booked.session_id}/")
    events = proctor_page.get_by_test_id(f"row-{booked.public_id}").get_by_test_id("events")
    expect(events).not_to_contain_text("Left the exam tab", timeout=WAIT)

    # Playwright tells every page it has the focus, and headless Chromium keeps background tabs
    # "visible": with the focus emulation off, the switch reaches the exam page as a real window blur.
    candidate_page.context.new_cdp_session(candidate_page).send(
        "Emulation.setFocusEmulationEnabled", {"enabled": False}
    )
    other_tab = candidate_page.context.new_page()
    other_tab.goto(f"{live_server.url}/standards/")
    other_tab.bring_to_front()
    expect(events).to_contain_text("Left the exam tab or window", timeout=ON_ROW)


def test_a_candidate_who_keeps_answering_sends_no_polls_and_sees_a_message_within_3_s(
    two_pages, live_server, booked, proctor
):
    """Each acknowledged answer tells the screen the attempt's last event, so while answers are
    flowing the screen sends no live polls; a proctor's message still arrives within the bound."""
    candidate_page, _proctor_page = two_pages
    admitted_and_started(candidate_page, live_server, booked, proctor)
    attempt = Attempt.objects.get(pk=booked.pk)
    single = attempt.form.items.select_related("item_version").get(item_version__type="single")
    choices = [single.item_version.options.get(position=p).text for p in single.option_order[:2]]
    candidate_page.locator(f'#exam-nav button[data-position="{single.position}"]').click()
    candidate_page.get_by_label(choices[0], exact=True).check()
    expect(candidate_page.get_by_test_id("save-status")).to_have_text("Saved", timeout=WAIT)

    polls = []
    candidate_page.on("request", lambda request: polls.append(request.url) if request.url.endswith("/live") else None)
    messages = candidate_page.get_by_test_id("proctor-messages")
    sent_at = shown_after = None
    for change in range(1, 30):  # a change of mind every ~0.4 s, for at most ~12 s
        candidate_page.get_by_label(choices[change % 2], exact=True).check()
        candidate_page.wait_for_timeout(400)
        if change == 6:  # well past a poll interval of answering
            services.proctor_message(attempt=attempt, by=proctor, reason="Looking away", text="Eyes on the screen.")
            sent_at = time.monotonic()
        if sent_at and "Eyes on the screen." in messages.inner_text():
            shown_after = time.monotonic() - sent_at
            break
    assert shown_after is not None and shown_after < ON_SCREEN / 1000, shown_after
    assert polls == []
    expect(candidate_page.get_by_test_id("save-status")).to_have_text("Saved", timeout=WAIT)
