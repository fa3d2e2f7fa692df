"""load_demo's exam sessions: weeks of sessions to book, and today's proctored sitting under way."""

from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from candidates.booking import booking_create
from demo.sessions import LISBON_CENTRE, LIVE_PROGRAM
from exams import delivery, session_selectors
from exams.models.delivery import Attempt, AttemptStatus, ExamSession, SessionMode, SessionStatus
from proctoring import services as proctoring
from proctoring.models import Admission, Incident, IntegrityEvent

pytestmark = pytest.mark.django_db

A = AttemptStatus
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """Standards and the whole demo, committed once for the module (load_demo takes some 20 seconds)."""
    try:
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            call_command("load_standards", verbosity=0)
            call_command("load_demo", allow_production=True, verbosity=0, stdout=StringIO())
        yield
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def demo_sessions():
    return ExamSession.objects.filter(proctor__username="proctor").select_related("program")


def live_session() -> ExamSession:
    now = timezone.now()
    return demo_sessions().get(opens_at__lte=now, closes_at__gt=now)


def test_every_program_has_a_published_upcoming_session_and_one_is_in_a_test_centre(demo_db):
    now = timezone.now()
    upcoming = list(demo_sessions().filter(opens_at__gt=now))
    assert {s.program.code for s in upcoming} == {"CSS", "CCSM", "CSMG-3", "CSMG-4", "CSMG-5"}
    assert all(s.status == SessionStatus.PUBLISHED and s.seats >= 10 for s in upcoming)
    assert all(now + timedelta(days=2) < s.opens_at < now + timedelta(weeks=4) for s in upcoming)
    (centre,) = [s for s in upcoming if s.mode == SessionMode.TEST_CENTRE]
    assert (centre.location, centre.change_cutoff_hours) == (LISBON_CENTRE, 72)
    assert all(s.change_cutoff_hours == 24 for s in upcoming if s.mode == SessionMode.ONLINE)


def test_todays_session_is_open_for_hours_with_admitted_candidates_answering_and_one_open_incident(demo_db):
    session = live_session()
    assert session.program.code == LIVE_PROGRAM and session.status == SessionStatus.PUBLISHED
    assert session.closes_at > timezone.now() + timedelta(hours=5)
    sitting = list(session.attempts.exclude(candidate__username="candidate2").select_related("candidate"))
    assert len(sitting) == 5
    assert {a.status for a in sitting} == {A.IN_PROGRESS, A.PAUSED}
    assert Admission.objects.filter(attempt__in=sitting, admitted_by__username="proctor").count() == 5
    assert all(a.agreement_accepted_at and a.responses.exists() for a in sitting)
    (incident,) = Incident.objects.filter(session=session, status=Incident.Status.OPEN)
    assert (incident.kind, incident.event_count) == ("left_page", 3)
    assert IntegrityEvent.objects.filter(session=session).count() > 3
    jonah = session.attempts.get(candidate__username="candidate2")
    assert jonah.status == A.BOOKED and jonah.checked_in_at is None


def test_candidate2_can_check_in_to_todays_session_be_admitted_and_start(demo_db):
    session = live_session()
    jonah = session.attempts.get(candidate__username="candidate2")
    delivery.attempt_check_in(attempt=jonah, by=jonah.candidate, agreement_accepted=True)
    proctoring.admission_record(
        attempt=jonah, by=session.proctor, id_name="Jonah Price", id_document_type="passport", id_number_last4="1234"
    )
    started = delivery.attempt_start(attempt=jonah, by=jonah.candidate, driver="browser")
    assert started.status == A.IN_PROGRESS and started.form.items.count() == 30


def test_candidate2_can_book_an_upcoming_session_from_the_catalogue(demo_db):
    jonah = User.objects.get(username="candidate2")
    offers = {offer.program.code: offer for offer in session_selectors.booking_catalogue(candidate=jonah)}
    assert not offers["CSMG-3"].can_book  # his seat today
    assert offers["CSS"].can_book and len(offers["CSS"].sessions) == 3
    attempt = booking_create(session=offers["CSS"].sessions[0], candidate=jonah)
    assert attempt.status == A.BOOKED and attempt.program.code == "CSS"


def test_the_proctor_dashboard_lists_todays_candidates_with_the_incident(demo_db, client):
    session = live_session()
    client.force_login(session.proctor)
    page = client.get(reverse("proctoring:session", args=[session.pk])).content.decode()
    for name in ("Aiko Tanaka", "Lucas Oliveira", "Fatima Zahra Benali", "Inês Carvalho", "Jonah Price"):
        assert name in page
    assert "Left the exam tab or window" in page


def test_load_demo_a_second_time_changes_nothing(demo_db):
    def counts():
        return {model._meta.label: model.objects.count() for model in apps.get_models()}

    before = counts()
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        call_command("load_demo", allow_production=True, verbosity=0, stdout=StringIO())
    assert counts() == before
    assert Attempt.objects.filter(session__in=demo_sessions()).count() == 8
