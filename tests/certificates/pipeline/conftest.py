"""A small published program, attempts taken through the exam services, and a private folder for
the PDFs. The issuer (PUBLIC_URL and signing keys) comes from tests/certificates/conftest.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exams import delivery
from exams.bank import ItemContent, ItemTags, OptionData, item_create
from exams.models.bank import VersionStatus
from exams.models.delivery import Attempt, ExamSession, SessionStatus
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
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def pipeline(issuer, private_media, settings):
    """The issuer and a private folder: what the certificate services need."""
    settings.CERTIFICATE_RENDER_MAX_ATTEMPTS = 3
    return issuer


def program_make(*, author, program_admin, code="CSPSP-T", validity_months=24, window_days=60):
    competency = Competency.objects.get(code="CSPSP-1")
    for n, stem in enumerate(STEMS):
        options = [OptionData(f"Answer {letter} to case {n}", letter == "B", f"Feedback {letter}") for letter in "ABCD"]
        item_create(
            content=ItemContent(type="single", stem=f"<p>{stem} ({code})</p>", options=options, rationale="Policy."),
            tags=ItemTags(competency=competency, difficulty=3),
            by=author,
            status=VersionStatus.APPROVED,
        )
    standard = Standard.objects.get(code="CSPSP")
    program = program_create(
        by=program_admin,
        code=code,
        name="Policies and procedures specialist",
        standard=standard,
        item_count=4,
        duration_minutes=30,
        cut_score_percent=Decimal("50"),
        validity_months=validity_months,
        recertification_window_days=window_days,
        retake_wait_days=0,
        retake_max_per_year=10,
    )
    blueprint_save(
        program=program,
        data=BlueprintInput(
            domains=[(standard.domains.get(), Decimal("100"))],
            minimums={competency: 1},
            difficulty_target=Decimal("3"),
            difficulty_tolerance=Decimal("1"),
            enemy_rule=False,
        ),
        by=program_admin,
    )
    program_publish(program=program, by=program_admin, comment="test")
    return program


@pytest.fixture
def exam_program(db, standards_loaded, author, program_admin):
    return program_make(author=author, program_admin=program_admin)


def attempt_take(program, candidate, *, program_admin, correct: bool = True, submit: bool = True) -> Attempt:
    """Books, checks in, starts and answers (all right or all wrong), then submits: the result is
    released inside attempt_submit, which is when certificates hear of it."""
    now = timezone.now()
    session = ExamSession.objects.create(
        program=program,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=2),
        seats=10,
        status=SessionStatus.PUBLISHED,
        created_by=program_admin,
        change_cutoff_hours=0,
    )
    attempt = delivery.attempt_book(session=session, candidate=candidate, now=session.opens_at - timedelta(hours=1))
    delivery.attempt_check_in(attempt=attempt, by=candidate, agreement_accepted=True)
    attempt = delivery.attempt_start(attempt=attempt, by=candidate, driver="browser-1")
    for item in attempt.form.items.select_related("item_version").prefetch_related("item_version__options"):
        key = item.item_version.key()
        value = key if correct else [next(p for p in (1, 2, 3, 4) if p not in key)]
        delivery.response_save(
            attempt=Attempt.objects.get(pk=attempt.pk),
            form_item=item,
            value=value,
            flagged=False,
            client_seq=1,
            driver="browser-1",
            n_options=4,
        )
    if submit:
        attempt = delivery.attempt_submit(attempt=attempt, by=candidate)
    return Attempt.objects.get(pk=attempt.pk)
