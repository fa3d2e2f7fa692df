"""Booking from the candidate's side: the catalogue, booking with confirmation, refusals, reschedule, cancel."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from accounts.roles import Role
from exams import delivery
from exams.models.delivery import Attempt, AttemptStatus, SessionStatus
from tests.conftest import make_user
from tests.exams.sessions.factories import build_program, give_profile, make_session, past_attempt

pytestmark = pytest.mark.django_db

A = AttemptStatus
NOW = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)
OPENS = datetime(2031, 3, 10, 14, 0, tzinfo=UTC)  # Mon 10 Mar: 10:00 in New York (EDT), 23:00 in Tokyo


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def new_yorker(candidate):
    give_profile(candidate, time_zone="America/New_York", legal_name="Sofia Marin Ortega")
    return candidate


@pytest.fixture
def session(exam_program, program_admin):
    return make_session(exam_program, program_admin, opens_at=OPENS, seats=2, location="Room 4", mode="centre")


@pytest.mark.parametrize("persona", ["program_admin", "author", "proctor", "outsider"])
def test_only_candidates_reach_the_booking_pages(client, personas, session, persona):
    client.force_login(personas[persona])
    assert client.get("/candidate/book/").status_code == 403
    assert client.get(f"/candidate/book/{session.pk}/").status_code == 403
    assert client.post(f"/candidate/book/{session.pk}/").status_code == 403
    assert not Attempt.objects.exists()


def test_the_book_page_shows_each_programs_facts_and_sessions_in_the_candidates_zone(
    client, clock, new_yorker, exam_program, program_admin, session
):
    exam_program.eligibility = "Two years in a support team."
    exam_program.save(update_fields=["eligibility"])
    draft = make_session(exam_program, program_admin, opens_at=OPENS + timedelta(days=1), status=SessionStatus.DRAFT)
    full = make_session(exam_program, program_admin, opens_at=OPENS + timedelta(days=2), seats=1)
    past_attempt(make_user("someone", Role.CANDIDATE), full, status=A.BOOKED)
    client.force_login(new_yorker)

    page = client.get("/candidate/book/").content.decode()
    assert "CSPSP-T — Policies and procedures (test)" in page
    for fact in ["4 questions in 30 minutes", "50% of the maximum score", "24 months", "Two years in a support team."]:
        assert fact in page, fact
    assert "Customer Support Policies" in page  # the standard's name
    assert "Times are shown in your time zone, America/New_York." in page
    assert "Mon 10 Mar 2031, 10:00 (America/New_York)" in page
    assert f"/candidate/book/{session.pk}/" in page
    assert f'data-testid="session-{draft.pk}"' not in page  # not published
    assert f'data-testid="session-{full.pk}"' not in page  # no free seat


def test_booking_asks_for_confirmation_then_books_and_emails_in_the_candidates_zone(
    client, clock, new_yorker, session, django_capture_on_commit_callbacks
):
    client.force_login(new_yorker)
    confirm = client.get(f"/candidate/book/{session.pk}/")
    assert confirm.status_code == 200
    assert "Confirm the booking" in confirm.content.decode()
    # The cut-off is 24 h before: 14:00 UTC on Sunday, the first day of daylight time in New York.
    assert "Sun 9 Mar 2031, 10:00 (America/New_York)" in confirm.content.decode()
    assert not Attempt.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/candidate/book/{session.pk}/")
    assert response.status_code == 302 and response["Location"] == "/candidate/"
    attempt = Attempt.objects.get()
    assert (attempt.candidate, attempt.session, attempt.status) == (new_yorker, session, A.BOOKED)

    [message] = mail.outbox
    assert message.to == [new_yorker.email] and message.subject == "Your CSPSP-T exam is booked"
    assert "Hello Sofia Marin Ortega" in message.body
    assert "Monday 10 March 2031, 10:00 – 12:00 EDT (America/New_York)" in message.body
    assert "until Sunday 9 March 2031, 10:00 EDT (America/New_York)" in message.body
    assert "Test centre, Room 4" in message.body
    assert "http://127.0.0.1:8000/candidate/" in message.body


def test_a_full_session_is_refused_with_a_clear_message(
    client, clock, new_yorker, other_candidate, exam_program, program_admin
):
    one_seat = make_session(exam_program, program_admin, opens_at=OPENS, seats=1)
    client.force_login(new_yorker)
    page = client.get(f"/candidate/book/{one_seat.pk}/")
    assert "Confirm the booking" in page.content.decode()
    delivery.attempt_book(session=one_seat, candidate=other_candidate)  # the last seat goes meanwhile

    response = client.post(f"/candidate/book/{one_seat.pk}/")
    assert response.status_code == 409
    assert "This session is full." in response.content.decode()
    assert not Attempt.objects.filter(candidate=new_yorker).exists()
    assert "This session is full." in client.get(f"/candidate/book/{one_seat.pk}/").content.decode()
    assert mail.outbox == []


def test_a_retake_before_the_wait_is_over_is_refused_with_the_date(
    client, clock, new_yorker, exam_program, program_admin, session
):
    earlier = make_session(exam_program, program_admin, opens_at=NOW - timedelta(days=3))
    past_attempt(
        new_yorker,
        earlier,
        status=A.RELEASED,
        passed=False,
        started_at=NOW - timedelta(days=3),
        submitted_at=NOW - timedelta(days=3),
    )
    client.force_login(new_yorker)
    page = client.get("/candidate/book/").content.decode()
    assert "You can retake this exam from 2031-03-14." in page  # 14 days after 28 Feb
    assert f"/candidate/book/{session.pk}/" not in page  # no Book button

    response = client.post(f"/candidate/book/{session.pk}/")
    assert response.status_code == 409
    assert "You can retake this exam from 2031-03-14." in response.content.decode()
    assert not Attempt.objects.filter(candidate=new_yorker, status=A.BOOKED).exists()


def test_a_second_booking_for_the_same_program_is_refused(
    client, clock, new_yorker, exam_program, program_admin, session
):
    later = make_session(exam_program, program_admin, opens_at=OPENS + timedelta(days=7))
    delivery.attempt_book(session=session, candidate=new_yorker)
    client.force_login(new_yorker)
    assert (
        "You are booked for Mon 10 Mar 2031, 10:00 (America/New_York)."
        in client.get("/candidate/book/").content.decode()
    )
    response = client.post(f"/candidate/book/{later.pk}/")
    assert response.status_code == 409
    assert "You already have a booking for this program." in response.content.decode()
    assert Attempt.objects.filter(candidate=new_yorker).count() == 1


def test_a_draft_or_unknown_session_cannot_be_booked(client, clock, new_yorker, exam_program, program_admin):
    draft = make_session(exam_program, program_admin, opens_at=OPENS, status=SessionStatus.DRAFT)
    client.force_login(new_yorker)
    assert client.get(f"/candidate/book/{draft.pk}/").status_code == 404
    assert client.post(f"/candidate/book/{draft.pk}/").status_code == 404
    assert client.get("/candidate/book/999999/").status_code == 404
    assert not Attempt.objects.exists()


def test_rescheduling_moves_the_seat_to_another_session_and_emails_both_times(
    client, clock, new_yorker, exam_program, program_admin, session, django_capture_on_commit_callbacks
):
    later = make_session(exam_program, program_admin, opens_at=OPENS + timedelta(days=7), location="Room 9")
    attempt = delivery.attempt_book(session=session, candidate=new_yorker)
    client.force_login(new_yorker)
    page = client.get(f"/candidate/bookings/{attempt.public_id}/reschedule/").content.decode()
    assert "Changes are possible until Sun 9 Mar 2031, 10:00 (America/New_York)." in page
    assert "Mon 17 Mar 2031, 10:00 (America/New_York)" in page
    assert f'value="{session.pk}"' not in page  # not the session it is already in

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/candidate/bookings/{attempt.public_id}/reschedule/", {"session": later.pk})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.session == later and attempt.status == A.BOOKED
    [message] = mail.outbox
    assert message.subject == "Your CSPSP-T exam has moved"
    assert "from Monday 10 March 2031, 10:00 EDT (America/New_York)" in message.body
    assert "Monday 17 March 2031, 10:00 – 12:00 EDT (America/New_York)" in message.body


def test_rescheduling_to_another_programs_session_is_refused(
    client, clock, new_yorker, exam_program, program_admin, session
):
    other = build_program(program_admin, code="OTHER-1")
    elsewhere = make_session(other, program_admin, opens_at=OPENS)
    attempt = delivery.attempt_book(session=session, candidate=new_yorker)
    client.force_login(new_yorker)
    response = client.post(f"/candidate/bookings/{attempt.public_id}/reschedule/", {"session": elsewhere.pk})
    assert response.status_code == 409
    assert response.context["form"].errors["session"] == ["Choose another session of the same program."]
    attempt.refresh_from_db()
    assert attempt.session == session


def test_rescheduling_into_a_full_session_says_it_is_full(
    client, clock, new_yorker, other_candidate, exam_program, program_admin, session
):
    full = make_session(exam_program, program_admin, opens_at=OPENS + timedelta(days=7), seats=1)
    delivery.attempt_book(session=full, candidate=other_candidate)
    attempt = delivery.attempt_book(session=session, candidate=new_yorker)
    client.force_login(new_yorker)
    response = client.post(f"/candidate/bookings/{attempt.public_id}/reschedule/", {"session": full.pk})
    assert response.context["form"].errors["session"] == ["This session is full."]
    attempt.refresh_from_db()
    assert attempt.session == session


def test_cancelling_gives_the_seat_up_and_emails(
    client, clock, new_yorker, session, django_capture_on_commit_callbacks
):
    attempt = delivery.attempt_book(session=session, candidate=new_yorker)
    client.force_login(new_yorker)
    page = client.get(f"/candidate/bookings/{attempt.public_id}/cancel/").content.decode()
    assert "Cancelling is possible until Sun 9 Mar 2031, 10:00 (America/New_York)." in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/candidate/bookings/{attempt.public_id}/cancel/")
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == A.CANCELLED
    [message] = mail.outbox
    assert message.subject == "Your CSPSP-T booking is cancelled"
    assert "Monday 10 March 2031, 10:00 – 12:00 EDT (America/New_York)" in message.body
    assert "http://127.0.0.1:8000/candidate/book/" in message.body


def test_after_the_cut_off_a_booking_can_neither_move_nor_be_cancelled(
    client, new_yorker, exam_program, program_admin, session
):
    later = make_session(exam_program, program_admin, opens_at=OPENS + timedelta(days=7))
    with time_machine.travel(NOW, tick=False):
        attempt = delivery.attempt_book(session=session, candidate=new_yorker)
        client.force_login(new_yorker)
    with time_machine.travel(session.change_cutoff + timedelta(minutes=1), tick=False):
        page = client.get(f"/candidate/bookings/{attempt.public_id}/cancel/").content.decode()
        assert "The cut-off has passed" in page and "Cancel my booking" not in page
        cancel = client.post(f"/candidate/bookings/{attempt.public_id}/cancel/")
        move = client.post(f"/candidate/bookings/{attempt.public_id}/reschedule/", {"session": later.pk})
    assert cancel.status_code == 409
    assert "Changes close 24 hours before the session starts." in cancel.content.decode()
    assert move.context["form"].errors["session"] == ["Changes close 24 hours before the session starts."]
    attempt.refresh_from_db()
    assert attempt.status == A.BOOKED and attempt.session == session
    assert mail.outbox == []


def test_a_candidate_cannot_move_or_cancel_another_candidates_booking(
    client, clock, new_yorker, other_candidate, exam_program, program_admin, session
):
    later = make_session(exam_program, program_admin, opens_at=OPENS + timedelta(days=7))
    attempt = delivery.attempt_book(session=session, candidate=new_yorker)
    client.force_login(other_candidate)
    base = f"/candidate/bookings/{attempt.public_id}"
    assert client.get(f"{base}/reschedule/").status_code == 404
    assert client.post(f"{base}/reschedule/", {"session": later.pk}).status_code == 404
    assert client.get(f"{base}/cancel/").status_code == 404
    assert client.post(f"{base}/cancel/").status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == A.BOOKED and attempt.session == session


def test_a_booking_that_is_no_longer_booked_cannot_change(client, clock, new_yorker, session):
    attempt = delivery.attempt_book(session=session, candidate=new_yorker)
    delivery.attempt_cancel(attempt=attempt, by=new_yorker)
    client.force_login(new_yorker)
    response = client.post(f"/candidate/bookings/{attempt.public_id}/cancel/", follow=True)
    assert "Only a booked seat can be moved or cancelled." in response.content.decode()
