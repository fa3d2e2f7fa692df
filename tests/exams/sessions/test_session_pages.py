"""Program administrators' session pages: who may see them, the editor's rules, publish, cancel, no-shows."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exams import delivery
from exams.models.delivery import Attempt, AttemptStatus, ExamSession, SessionStatus
from exams.models.sessions import SessionEvent
from tests.exams.sessions.factories import build_program, give_profile, make_session

pytestmark = pytest.mark.django_db

A = AttemptStatus
NOW = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _form(program, **overrides):
    data = {
        "program": program.pk,
        "mode": "centre",
        "location": "Lisbon centre, room 2",
        "time_zone": "Europe/Berlin",
        "opens_at": "2031-03-10T09:00",
        "closes_at": "2031-03-10T11:00",
        "seats": "12",
        "proctor": "",
        "change_cutoff_hours": "48",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["candidate", "author", "reviewer", "proctor", "outsider"])
def test_only_program_administrators_reach_the_session_pages(client, personas, exam_program, program_admin, persona):
    session = make_session(exam_program, program_admin)
    client.force_login(personas[persona])
    for url in ["/sessions/", "/sessions/new/", f"/sessions/{session.pk}/", f"/sessions/{session.pk}/edit/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/sessions/{session.pk}/publish/").status_code == 403
    assert client.post(f"/sessions/{session.pk}/cancel/", {"reason": "x"}).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client):
    response = client.get("/sessions/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_administrator_creates_a_draft_session_with_times_entered_in_the_centres_zone(
    client, clock, exam_program, program_admin, proctor
):
    client.force_login(program_admin)
    response = client.post("/sessions/new/", _form(exam_program, proctor=proctor.pk))
    session = ExamSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    # 09:00 in Berlin on 10 March (CET, UTC+1) is 08:00 UTC.
    assert session.opens_at == datetime(2031, 3, 10, 8, 0, tzinfo=UTC)
    assert session.closes_at == datetime(2031, 3, 10, 10, 0, tzinfo=UTC)
    assert (session.status, session.seats, session.proctor, session.change_cutoff_hours) == ("draft", 12, proctor, 48)
    assert session.created_by == program_admin
    assert list(session.events.values_list("action", flat=True)) == ["create"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"closes_at": "2031-03-10T08:30"}, "closes_at", "The start window must close after it opens."),
        ({"seats": "0"}, "seats", "A session needs at least one seat."),
        ({"mode": "centre", "location": " "}, "location", "Name the room or test centre."),
        ({"opens_at": "2031-03-01T09:00", "closes_at": "2031-03-01T11:00"}, "opens_at", "must open in the future"),
        ({"change_cutoff_hours": "-1"}, "change_cutoff_hours", "Between 0 and"),
    ],
)
def test_the_session_form_names_the_wrong_field_and_creates_nothing(
    client, clock, exam_program, program_admin, overrides, field, message
):
    client.force_login(program_admin)
    response = client.post("/sessions/new/", _form(exam_program, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not ExamSession.objects.exists()


def test_a_proctor_must_have_the_proctor_role(client, clock, exam_program, program_admin, author):
    client.force_login(program_admin)
    response = client.post("/sessions/new/", _form(exam_program, proctor=author.pk))
    assert response.context["form"].errors["proctor"] == ["Choose a user with the Proctor role."]
    assert not ExamSession.objects.exists()


def test_the_service_also_refuses_a_proctor_without_the_role(exam_program, program_admin, author):
    from django.core.exceptions import ValidationError

    from exams.sessions import session_create

    with pytest.raises(ValidationError) as error:
        session_create(
            by=program_admin,
            program=exam_program,
            mode="online",
            location="",
            opens_at=timezone.now() + timedelta(days=2),
            closes_at=timezone.now() + timedelta(days=2, hours=1),
            seats=3,
            proctor=author,
            change_cutoff_hours=24,
        )
    assert "proctor" in error.value.error_dict


def test_publishing_opens_the_session_for_booking(client, exam_program, program_admin):
    session = make_session(exam_program, program_admin, status=SessionStatus.DRAFT)
    client.force_login(program_admin)
    response = client.post(f"/sessions/{session.pk}/publish/", follow=True)
    assert "Session published" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED
    assert session.events.get().action == "publish"


def test_a_session_of_a_draft_program_cannot_be_published(client, exam_program, program_admin):
    draft = build_program(program_admin, code="DRAFT-1", publish=False)
    session = make_session(draft, program_admin, status=SessionStatus.DRAFT)
    client.force_login(program_admin)
    response = client.post(f"/sessions/{session.pk}/publish/", follow=True)
    assert "Publish the program before its sessions." in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.DRAFT


def test_the_list_filters_by_program_and_time_in_a_fixed_number_of_queries(
    client, exam_program, program_admin, candidate
):
    other = build_program(program_admin, code="OTHER-1")
    upcoming = make_session(exam_program, program_admin)
    past = make_session(exam_program, program_admin, opens_at=timezone.now() - timedelta(days=5))
    other_session = make_session(other, program_admin)
    delivery.attempt_book(session=upcoming, candidate=candidate)
    client.force_login(program_admin)

    page = client.get("/sessions/")
    shown = {s.pk for s in page.context["sessions"]}
    assert shown == {upcoming.pk, other_session.pk}
    assert f'data-testid="session-{upcoming.pk}"' in page.content.decode()
    assert "1 / 5" in page.content.decode()
    assert {s.pk for s in client.get("/sessions/?when=past").context["sessions"]} == {past.pk}
    assert {s.pk for s in client.get(f"/sessions/?program={other.pk}").context["sessions"]} == {other_session.pk}

    with CaptureQueriesContext(connection) as few:
        client.get("/sessions/")
    for _ in range(5):
        make_session(other, program_admin, proctor=None)
    with CaptureQueriesContext(connection) as many:
        client.get("/sessions/")
    assert len(many) == len(few)


def test_an_edit_keeps_the_booked_window_and_enough_seats(client, exam_program, program_admin, candidate):
    session = make_session(exam_program, program_admin, seats=5)
    delivery.attempt_book(session=session, candidate=candidate)
    client.force_login(program_admin)
    data = _form(
        exam_program,
        time_zone="UTC",
        mode="online",
        location="",
        opens_at=(session.opens_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        closes_at=(session.closes_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        seats="0",
    )
    response = client.post(f"/sessions/{session.pk}/edit/", data)
    errors = response.context["form"].errors
    assert "seats" in errors
    data["seats"] = "3"
    response = client.post(f"/sessions/{session.pk}/edit/", data)
    assert "cancel the session rather than move it" in response.context["form"].errors["opens_at"][0]
    before = ExamSession.objects.get(pk=session.pk)
    assert (before.opens_at, before.seats) == (session.opens_at, 5)

    data["opens_at"] = session.opens_at.strftime("%Y-%m-%dT%H:%M")
    data["closes_at"] = session.closes_at.strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/sessions/{session.pk}/edit/", data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.seats == 3 and session.mode == "online"


def test_cancelling_a_session_cancels_every_booking_and_tells_each_candidate_in_their_zone(
    client, exam_program, program_admin, candidate, other_candidate, django_capture_on_commit_callbacks
):
    opens = timezone.now() + timedelta(days=3)
    opens = opens.replace(hour=14, minute=0, second=0, microsecond=0)
    session = make_session(exam_program, program_admin, opens_at=opens)
    give_profile(candidate, time_zone="Asia/Tokyo", legal_name="Sofia Marin Ortega")
    give_profile(other_candidate, time_zone="America/New_York")
    first = delivery.attempt_book(session=session, candidate=candidate)
    second = delivery.attempt_book(session=session, candidate=other_candidate)
    client.force_login(program_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sessions/{session.pk}/cancel/", {"reason": "The test centre has a power cut."})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    for attempt in (first, second):
        attempt.refresh_from_db()
        assert attempt.status == A.CANCELLED
        event = attempt.events.get(action="cancel")
        assert event.actor == program_admin and "power cut" in event.reason
    assert SessionEvent.objects.get(session=session, action="cancel").reason == "The test centre has a power cut."

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {candidate.email, other_candidate.email}
    tokyo = by_address[candidate.email].body
    assert "Sofia Marin Ortega" in tokyo and "The test centre has a power cut." in tokyo
    assert f"{opens.astimezone(ZoneInfo('Asia/Tokyo')):%H:%M}" in tokyo
    assert "(Asia/Tokyo)" in tokyo and "/candidate/" in tokyo
    assert "(America/New_York)" in by_address[other_candidate.email].body


def test_a_cancellation_needs_a_reason(client, exam_program, program_admin, candidate):
    session = make_session(exam_program, program_admin)
    attempt = delivery.attempt_book(session=session, candidate=candidate)
    client.force_login(program_admin)
    response = client.post(f"/sessions/{session.pk}/cancel/", {"reason": "   "})
    assert "reason" in response.context["form"].errors
    session.refresh_from_db()
    attempt.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED and attempt.status == A.BOOKED
    assert mail.outbox == []


def test_a_session_where_someone_checked_in_cannot_be_cancelled(
    client, exam_program, program_admin, candidate, other_candidate
):
    session = make_session(exam_program, program_admin, opens_at=timezone.now() + timedelta(minutes=10), cutoff=0)
    checked_in = delivery.attempt_book(session=session, candidate=candidate)
    booked = delivery.attempt_book(session=session, candidate=other_candidate)
    delivery.attempt_check_in(attempt=checked_in, by=candidate, agreement_accepted=True)
    client.force_login(program_admin)
    response = client.post(f"/sessions/{session.pk}/cancel/", {"reason": "Proctor is ill."})
    assert "checked in or taken the exam" in " ".join(response.context["form"].non_field_errors())
    booked.refresh_from_db()
    session.refresh_from_db()
    assert booked.status == A.BOOKED and session.status == SessionStatus.PUBLISHED


def test_the_session_page_lists_bookings_and_shows_no_shows_after_the_window(
    client, exam_program, program_admin, candidate, other_candidate
):
    session = make_session(exam_program, program_admin, opens_at=timezone.now() + timedelta(minutes=10), cutoff=0)
    give_profile(candidate, legal_name="Sofia Marin Ortega")
    came = delivery.attempt_book(session=session, candidate=candidate)
    missed = delivery.attempt_book(session=session, candidate=other_candidate)
    delivery.attempt_check_in(attempt=came, by=candidate, agreement_accepted=True)
    client.force_login(program_admin)

    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert "Sofia Marin Ortega" in page and "Jonah Price" in page
    assert "Checked in" in page and "No-show" not in page
    assert "Record" not in page  # the window is still open

    with time_machine.travel(session.closes_at + timedelta(minutes=1)):
        delivery.attempts_sweep()
        page = client.get(f"/sessions/{session.pk}/").content.decode()
    missed.refresh_from_db()
    assert missed.status == A.EXPIRED
    row = page.split(f'data-testid="booking-{missed.pk}"')[1].split("</tr>")[0]
    assert "No-show" in row


def test_an_administrator_records_no_shows_once_the_window_has_closed(client, exam_program, program_admin, candidate):
    session = make_session(exam_program, program_admin, opens_at=timezone.now() + timedelta(minutes=10), cutoff=0)
    attempt = delivery.attempt_book(session=session, candidate=candidate)
    client.force_login(program_admin)

    response = client.post(f"/sessions/{session.pk}/no-shows/", follow=True)
    assert "No-shows are recorded after the start window closes." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == A.BOOKED

    with time_machine.travel(session.closes_at + timedelta(minutes=1)):
        page = client.get(f"/sessions/{session.pk}/").content.decode()
        assert "Record 1 no-show" in page
        response = client.post(f"/sessions/{session.pk}/no-shows/", follow=True)
    assert "1 no-shows recorded." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == A.EXPIRED
    assert attempt.events.get(action="expire").actor == program_admin
    assert Attempt.objects.filter(status=A.EXPIRED).count() == 1


def test_the_new_session_form_starts_in_utc_with_the_chosen_program(client, exam_program, program_admin, proctor):
    client.force_login(program_admin)
    page = client.get(f"/sessions/new/?program={exam_program.pk}").content.decode()
    assert '<option value="UTC" selected>UTC</option>' in page
    assert f'<option value="{exam_program.pk}" selected>' in page
    assert f"Tomas Alvarez ({proctor.email})" in page


def test_the_edit_form_shows_the_session_as_stored_in_utc(client, exam_program, program_admin):
    opens = datetime(2031, 3, 10, 8, 0, tzinfo=UTC)
    session = make_session(exam_program, program_admin, opens_at=opens, seats=7)
    client.force_login(program_admin)
    page = client.get(f"/sessions/{session.pk}/edit/").content.decode()
    assert 'value="2031-03-10T08:00"' in page and 'value="2031-03-10T10:00"' in page
    assert 'name="seats" value="7"' in page
