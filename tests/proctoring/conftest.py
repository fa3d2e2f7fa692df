"""A proctored session open now, on the exam-screen test program, with the proctor persona in charge.

Reuses the candidates' exam builders (tests/candidates/exam/conftest.py): one item of every type,
a session whose start window is open, bookings made through the service.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from exams.models.delivery import Attempt
from proctoring import services
from tests.candidates.exam.conftest import book, create_exam_program, create_session_now
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def fresh_cache():
    """Live versions, rate limits and fingerprints are keyed by attempt id, which a new test database reuses."""
    cache.clear()


@pytest.fixture
def exam_program(db, standards_loaded, author, program_admin):
    return create_exam_program(author=author, program_admin=program_admin)


@pytest.fixture
def session_now(exam_program, program_admin, proctor):
    session = create_session_now(exam_program, program_admin)
    session.proctor = proctor
    session.save(update_fields=["proctor"])
    return session


@pytest.fixture
def other_proctor(db):
    return make_user("otherproctor", Role.PROCTOR, first_name="Nadia", last_name="Kern")


@pytest.fixture
def booked(session_now, candidate):
    return book(session_now, candidate)


@pytest.fixture
def candidate_client(candidate):
    client = Client()
    client.force_login(candidate)
    return client


@pytest.fixture
def proctor_client(proctor):
    client = Client()
    client.force_login(proctor)
    return client


def check_in(client: Client, attempt: Attempt) -> Attempt:
    response = client.post(reverse("candidates:exam_checkin", args=[attempt.public_id]), {"agreement": "yes"})
    assert response.status_code == 302, response.content
    return Attempt.objects.get(pk=attempt.pk)


def admit(attempt: Attempt, proctor, **fields) -> None:
    services.admission_record(
        attempt=attempt,
        by=proctor,
        id_name=fields.get("id_name", "Sofia Marin"),
        id_document_type=fields.get("id_document_type", "passport"),
        id_number_last4=fields.get("id_number_last4", "12AB"),
        now=fields.get("now"),
    )


def start(client: Client, attempt: Attempt) -> Attempt:
    response = client.post(reverse("candidates:exam_start", args=[attempt.public_id]))
    assert response.status_code == 200 and b'id="exam-payload"' in response.content, response.content.decode()[:2000]
    return Attempt.objects.get(pk=attempt.pk)


@pytest.fixture
def started(booked, candidate_client, proctor):
    """Checked in, admitted and started through the candidate's pages: candidate_client drives it."""
    attempt = check_in(candidate_client, booked)
    admit(attempt, proctor)
    return start(candidate_client, attempt)
