"""A small published program (4 items from 6 on the policies standard) and a session to book."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.bank import ItemContent, ItemTags, OptionData, item_create
from exams.models.bank import VersionStatus
from exams.models.delivery import ExamSession, SessionStatus
from exams.programs import BlueprintInput, blueprint_save, program_create, program_publish
from standards.models import Competency, Standard

STEMS = [
    "A customer asks why refunds over 500 EUR need a supervisor. Which policy element explains it?",
    "A new privacy standard changes how call recordings are kept. What should an analyst do first?",
    "Two teams log the same complaint type differently. Which procedure step fixes the gap?",
    "An escalation rule is ignored on night shifts. What is the most effective first response?",
    "A standard asks for a reply within one business day. A ticket arrives Friday 17:55. When is it due?",
    "A procedure conflicts with a regulator's guidance. Who should the analyst raise it with?",
]


@pytest.fixture
def exam_program(db, standards_loaded, author, program_admin):
    competency = Competency.objects.get(code="CSPSP-1")
    for n, stem in enumerate(STEMS):
        options = [OptionData(f"Answer {letter} to case {n}", letter == "B", f"Feedback {letter}") for letter in "ABCD"]
        item_create(
            content=ItemContent(type="single", stem=f"<p>{stem}</p>", options=options, rationale="Because policy."),
            tags=ItemTags(competency=competency, difficulty=3),
            by=author,
            status=VersionStatus.APPROVED,
        )
    standard = Standard.objects.get(code="CSPSP")
    program = program_create(
        by=program_admin,
        code="CSPSP-T",
        name="Policies and procedures (test)",
        standard=standard,
        item_count=4,
        duration_minutes=30,
        cut_score_percent=Decimal("50"),
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


@pytest.fixture
def session_now(exam_program, program_admin):
    """A published session whose start window is open now."""
    now = timezone.now()
    return ExamSession.objects.create(
        program=exam_program,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        seats=10,
        status=SessionStatus.PUBLISHED,
        created_by=program_admin,
        change_cutoff_hours=0,
    )


@pytest.fixture
def session_later(exam_program, program_admin):
    now = timezone.now()
    return ExamSession.objects.create(
        program=exam_program,
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=3, hours=2),
        seats=2,
        status=SessionStatus.PUBLISHED,
        created_by=program_admin,
    )
