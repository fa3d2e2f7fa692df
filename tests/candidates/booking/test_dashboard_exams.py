"""The dashboard's exams block: what can be booked, what is booked, what is running, and the results."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exams import delivery
from exams.models.delivery import AttemptStatus
from tests.exams.sessions.factories import build_program, give_profile, make_session, past_attempt

pytestmark = pytest.mark.django_db

A = AttemptStatus


def _href_with(page: str, public_id: str) -> list[str]:
    return re.findall(rf'href="([^"]*{re.escape(public_id)}[^"]*)"', page)


def _block(page: str) -> str:
    return page.split('data-testid="dashboard-exams"')[1]


@pytest.fixture
def scene(exam_program, program_admin, candidate, other_candidate):
    """One candidate with a booking whose check-in is open, a live exam, a released pass, a held
    result and a no-show, across five programs."""
    now = timezone.now()
    give_profile(candidate, time_zone="Asia/Tokyo")
    live, released, held, free = (
        build_program(program_admin, code=code) for code in ("LIVE-1", "DONE-1", "HELD-1", "FREE-1")
    )
    soon = make_session(exam_program, program_admin, opens_at=now + timedelta(minutes=10), cutoff=0)
    booked = delivery.attempt_book(session=soon, candidate=candidate)
    running = past_attempt(
        candidate,
        make_session(live, program_admin, opens_at=now - timedelta(minutes=20)),
        status=A.IN_PROGRESS,
        started_at=now - timedelta(minutes=15),
    )
    earlier = make_session(released, program_admin, opens_at=now - timedelta(days=30))
    passed = past_attempt(
        candidate,
        earlier,
        status=A.RELEASED,
        passed=True,
        scaled_score=820,
        started_at=now - timedelta(days=30),
        submitted_at=now - timedelta(days=30),
        released_at=now - timedelta(days=30),
    )
    missed = past_attempt(
        candidate, make_session(released, program_admin, opens_at=now - timedelta(days=60)), status=A.EXPIRED
    )
    pending = past_attempt(
        candidate,
        make_session(held, program_admin, opens_at=now - timedelta(days=2)),
        status=A.SCORED,
        review_flag=True,
        passed=True,
        scaled_score=900,
        started_at=now - timedelta(days=2),
        submitted_at=now - timedelta(days=2),
    )
    theirs = delivery.attempt_book(session=soon, candidate=other_candidate)
    return {
        "booked": booked,
        "running": running,
        "passed": passed,
        "missed": missed,
        "pending": pending,
        "theirs": theirs,
        "free": free,
    }


def test_the_dashboard_shows_bookings_live_exams_results_and_what_can_be_booked(client, candidate, scene):
    client.force_login(candidate)
    page = _block(client.get("/candidate/").content.decode())

    [checkin] = re.findall(r'href="([^"]*)"[^>]*>Check in</a>', page)
    assert scene["booked"].public_id in checkin
    [resume] = re.findall(r'href="([^"]*)"[^>]*>Resume the exam</a>', page)
    assert scene["running"].public_id in resume and resume != checkin

    row = page.split(f'data-testid="result-{scene["passed"].public_id}"')[1].split("</tr>")[0]
    assert "Pass" in row and "820" in row and _href_with(row, scene["passed"].public_id)
    held = page.split(f'data-testid="result-{scene["pending"].public_id}"')[1].split("</tr>")[0]
    assert "Being reviewed" in held and "900" not in held and not _href_with(held, scene["pending"].public_id)
    assert "Missed (no-show)" in page.split(f'data-testid="result-{scene["missed"].public_id}"')[1].split("</tr>")[0]

    eligible = page.split('id="eligible-heading"')[1].split("</section>")[0]
    assert "#program-FREE-1" in eligible and "#program-DONE-1" in eligible and "#program-HELD-1" in eligible
    assert "#program-CSPSP-T" not in eligible and "#program-LIVE-1" not in eligible  # already booked / running
    assert scene["theirs"].public_id not in page  # another candidate's booking never shows


def test_a_booking_days_away_offers_reschedule_and_cancel_until_the_cut_off_but_no_check_in(
    client, candidate, exam_program, program_admin
):
    give_profile(candidate, time_zone="Europe/Lisbon")
    session = make_session(exam_program, program_admin, opens_at=timezone.now() + timedelta(days=3))
    attempt = delivery.attempt_book(session=session, candidate=candidate)
    client.force_login(candidate)
    page = _block(client.get("/candidate/").content.decode())
    assert "Check in" not in page
    assert f"/candidate/bookings/{attempt.public_id}/reschedule/" in page
    assert f"/candidate/bookings/{attempt.public_id}/cancel/" in page
    assert "(Europe/Lisbon)" in page and "until " in page


def test_the_dashboard_costs_the_same_number_of_queries_however_many_exams(
    client, candidate, exam_program, program_admin
):
    give_profile(candidate)
    client.force_login(candidate)
    client.get("/candidate/")  # warm the session and content types
    with CaptureQueriesContext(connection) as empty:
        client.get("/candidate/")
    now = timezone.now()
    for n in range(4):
        program = build_program(program_admin, code=f"MANY-{n}")
        past_attempt(
            candidate,
            make_session(program, program_admin, opens_at=now - timedelta(days=9)),
            status=A.RELEASED,
            passed=True,
            scaled_score=600 + n,
            submitted_at=now - timedelta(days=9),
        )
        delivery.attempt_book(session=make_session(program, program_admin), candidate=candidate)
    with CaptureQueriesContext(connection) as full:
        response = client.get("/candidate/")
    assert response.content.decode().count('data-testid="result-') == 4
    assert len(full) == len(empty), [q["sql"] for q in full.captured_queries]
