"""A small published program with one item of every type, a session open now, and a booking in it.

Every option's feedback and every rationale carries a marker, so the leak tests can search the
candidate's pages and JSON for them.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exams import delivery
from exams.bank import ItemContent, ItemTags, OptionData, item_create
from exams.models.bank import VersionStatus
from exams.models.delivery import Attempt, ExamSession, SessionStatus
from exams.programs import BlueprintInput, blueprint_save, program_create, program_publish
from standards.models import Competency, Standard

FEEDBACK_MARK = "FBMARK"
RATIONALE_MARK = "RATIONALEMARK"

ITEMS = [
    (
        "single",
        "<p>A customer's refund over 500 EUR needs a supervisor. Which policy element explains it?</p>",
        [("The approval limit", True), ("The refund window", False), ("The privacy notice", False)],
    ),
    (
        "multiple",
        "<p>Which details belong in an escalated ticket? Choose all that apply.</p>",
        [("The error message", True), ("Steps already tried", True), ("The customer's password", False)],
    ),
    (
        "truefalse",
        "<p>A first-response target is met only when the issue is solved.</p>",
        [("True", False), ("False", True)],
    ),
    (
        "ordering",
        "<p>Put the complaint-handling steps in order.</p>",
        [("Greet the customer", True), ("Listen and acknowledge", True), ("Agree a resolution", True)],
    ),
]


def create_exam_program(*, author, program_admin, code="EXAM-T"):
    competency = Competency.objects.get(code="CSPSP-1")
    for n, (item_type, stem, options) in enumerate(ITEMS):
        item_create(
            content=ItemContent(
                type=item_type,
                stem=stem,
                options=[
                    OptionData(text, correct, f"{FEEDBACK_MARK} {n}-{i}") for i, (text, correct) in enumerate(options)
                ],
                rationale=f"{RATIONALE_MARK} {n}: because policy.",
            ),
            tags=ItemTags(competency=competency, difficulty=3),
            by=author,
            status=VersionStatus.APPROVED,
        )
    standard = Standard.objects.get(code="CSPSP")
    program = program_create(
        by=program_admin,
        code=code,
        name="Policies and procedures (exam screen test)",
        standard=standard,
        item_count=len(ITEMS),
        duration_minutes=30,
        cut_score_percent=Decimal("75"),
        validity_months=24,
        recertification_window_days=60,
        retake_wait_days=14,
        retake_max_per_year=3,
    )
    blueprint_save(
        program=program,
        data=BlueprintInput(
            domains=[(standard.domains.get(), Decimal("100"))],
            minimums={competency: 1},
            difficulty_target=Decimal("3"),
            difficulty_tolerance=Decimal("1"),
            enemy_rule=True,
        ),
        by=program_admin,
    )
    program_publish(program=program, by=program_admin, comment="test")
    return program


def create_session_now(program, program_admin) -> ExamSession:
    now = timezone.now()
    return ExamSession.objects.create(
        program=program,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        seats=10,
        status=SessionStatus.PUBLISHED,
        created_by=program_admin,
        change_cutoff_hours=0,
    )


def book(session, candidate) -> Attempt:
    """A booking made through the service; booking closes when the window opens, so book 'before' it."""
    return delivery.attempt_book(session=session, candidate=candidate, now=session.opens_at - timedelta(hours=1))


def start_through_pages(client: Client, attempt: Attempt) -> Attempt:
    """Checks in and starts as the candidate's browser would, so the client's session drives the attempt."""
    response = client.post(reverse("candidates:exam_checkin", args=[attempt.public_id]), {"agreement": "yes"})
    assert response.status_code == 302, response.content
    response = client.post(reverse("candidates:exam_start", args=[attempt.public_id]))
    assert response.status_code == 200 and b'id="exam-payload"' in response.content, response.content
    return Attempt.objects.get(pk=attempt.pk)


def key_of(attempt: Attempt, position: int) -> list[int]:
    return attempt.form.items.get(position=position).item_version.key()


@pytest.fixture
def exam_program(db, standards_loaded, author, program_admin):
    return create_exam_program(author=author, program_admin=program_admin)


@pytest.fixture
def session_now(exam_program, program_admin):
    return create_session_now(exam_program, program_admin)


@pytest.fixture
def booked(session_now, candidate):
    return book(session_now, candidate)


@pytest.fixture
def candidate_client(candidate):
    client = Client()
    client.force_login(candidate)
    return client


@pytest.fixture
def started(booked, candidate_client):
    return start_through_pages(candidate_client, booked)


def position_of(attempt: Attempt, item_type: str) -> int:
    """Forms shuffle the items: where the item of this type landed on this candidate's form."""
    return attempt.form.items.get(item_version__type=item_type).position


def run_out_of_time(attempt: Attempt, seconds_ago: int = 60) -> None:
    """Moves the start back so the deadline passed `seconds_ago` seconds ago (the clock and deadline agree)."""
    attempt.refresh_from_db()
    started_at = timezone.now() - timedelta(seconds=attempt.allowed_seconds + attempt.paused_seconds + seconds_ago)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=started_at, deadline=started_at + timedelta(seconds=attempt.allowed_seconds + attempt.paused_seconds)
    )
