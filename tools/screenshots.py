"""Screenshots of the candidate's path for the README, made by driving the real browser.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

It builds a throwaway SQLite database (or uses DATABASE_URL when set: give it a fresh one),
loads the standards and the demo data, books the demo candidate into a CSS session through the
services, starts its own server on a free port and drives Debian's Chromium through the pages:
the dashboard, an item (desktop and phone), the review screen and the score report. The answers
are filled in through the same service the exam page calls, so the report has something to say.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "certdesk-demo-2026"
WAIT = 15_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_environment() -> Path | None:
    """Returns the throwaway database's folder, if one was made."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certdesk.settings")
    os.environ["DEBUG"] = "1"  # the demo data refuses to load otherwise; runserver serves static files
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs beside the ORM
    sys.path.insert(0, str(ROOT))
    if os.environ.get("DATABASE_URL"):
        return None
    folder = Path(tempfile.mkdtemp(prefix="certdesk-screens-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/screens.sqlite3"
    return folder


def load_data():
    """Standards, demo users, bank and programs; then a CSS session open now with the candidate booked."""
    import django
    from django.core.management import call_command

    django.setup()
    from django.utils import timezone

    from accounts.models import User
    from exams import delivery
    from exams.models import CertificationProgram
    from exams.models.delivery import OPEN_STATUSES, Attempt, ExamSession, SessionStatus

    call_command("migrate", verbosity=0)
    call_command("load_standards", verbosity=0)
    call_command("load_demo", verbosity=0)
    candidate = User.objects.get(username="candidate")
    program = CertificationProgram.objects.get(code="CSS")
    attempt = Attempt.objects.filter(candidate=candidate, program=program, status__in=OPEN_STATUSES).first()
    if attempt is None:
        now = timezone.now()
        session = ExamSession.objects.create(
            program=program,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(hours=3),
            seats=30,
            location="",
            status=SessionStatus.PUBLISHED,
            created_by=User.objects.get(username="admin"),
            change_cutoff_hours=0,
        )
        # Booking closes when the window opens: book as if an hour before it.
        attempt = delivery.attempt_book(session=session, candidate=candidate, now=session.opens_at - timedelta(hours=1))
    elif attempt.status not in ("booked", "checked_in"):
        sys.exit(f"The candidate's CSS attempt {attempt.public_id} is already {attempt.status}: use a fresh database.")
    return attempt


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310 (our own server)
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit("The server did not start; run `python manage.py runserver` to see why.")
            time.sleep(0.3)
    server.terminate()
    sys.exit("The server did not answer within 30 s.")


def fill_answers(attempt, *, skip: set[int], wrong_competency: str, flag: set[int]) -> None:
    """Answers through the autosave service: keyed answers, except one competency answered wrongly."""
    from exams import delivery
    from exams.models.delivery import Attempt

    attempt = Attempt.objects.get(pk=attempt.pk)
    rows = attempt.form.items.select_related("item_version", "competency").prefetch_related("item_version__options")
    for row in rows:
        if row.position in skip:
            continue
        key = row.item_version.key()
        if row.competency.code == wrong_competency:
            key = (
                list(reversed(key))
                if row.item_version.type == "ordering"
                else [p for p in row.option_order if p not in key][:1]
            )
        delivery.response_save(
            attempt=attempt,
            form_item=row,
            value=key,
            flagged=row.position in flag,
            client_seq=1,
            driver=attempt.driver,
            n_options=len(row.option_order),
        )


def shoot(out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    attempt = load_data()
    from exams.models.delivery import Attempt

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("Username").fill("candidate")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto(f"{base}/candidate/")
            expect(page.get_by_test_id("dashboard-exams")).to_be_visible(timeout=WAIT)
            page.screenshot(path=out / "01-dashboard.png", full_page=True)

            page.goto(f"{base}/exam/{attempt.public_id}/check-in/")
            page.get_by_label("I have read the candidate agreement and I accept it.").check()
            page.get_by_role("button", name="Check in").click()
            page.get_by_role("button", name="Start the exam").click()
            expect(page.locator("#item-heading")).to_have_text("Question 1 of 60", timeout=WAIT)

            attempt = Attempt.objects.get(pk=attempt.pk)
            rows = {row.position: row for row in attempt.form.items.select_related("item_version", "competency")}
            weakest = rows[5].competency.code
            single = next(p for p in sorted(rows) if p > 12 and rows[p].item_version.type == "single")
            # The item on screen is answered through the page, so the server remembers it as the current one.
            fill_answers(attempt, skip={7, 8, 12, single}, wrong_competency=weakest, flag={3, 9, 21})
            page.reload()
            page.locator(f'#exam-nav button[data-position="{single}"]').click()
            row = rows[single]
            page.get_by_label(row.item_version.options.get(position=row.option_order[1]).text, exact=True).check()
            expect(page.get_by_test_id("save-status")).to_have_text("Saved", timeout=WAIT)
            page.mouse.move(0, 0)
            page.screenshot(path=out / "02-item.png")

            phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.add_cookies(context.cookies())
            small = phone.new_page()
            small.goto(f"{base}/exam/{attempt.public_id}/")
            expect(small.locator("#item-heading")).to_have_text(f"Question {single} of 60", timeout=WAIT)
            small.screenshot(path=out / "03-item-phone.png")
            phone.close()

            page.get_by_role("button", name="Review and submit").click()
            expect(page.get_by_test_id("review-screen")).to_be_visible(timeout=WAIT)
            page.screenshot(path=out / "04-review.png")

            page.get_by_role("button", name="Submit the exam").click()
            page.get_by_role("button", name="Submit now").click()
            page.wait_for_url(f"{base}/exam/{attempt.public_id}/result/", timeout=WAIT)
            expect(page.get_by_test_id("score-report")).to_be_visible(timeout=WAIT)
            page.screenshot(path=out / "05-score-report.png", full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    for name in sorted(out.glob("*.png")):
        print(name.relative_to(ROOT) if name.is_relative_to(ROOT) else name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    parser.add_argument("--keep-db", action="store_true", help="keep the throwaway SQLite database and say where")
    args = parser.parse_args()
    folder = prepare_environment()
    try:
        shoot(args.out.resolve())
    finally:
        if folder and args.keep_db:
            print(f"Database kept: {os.environ['DATABASE_URL']}")
        elif folder:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
