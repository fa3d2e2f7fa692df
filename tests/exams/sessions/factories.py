"""Builders shared by the session and booking tests: a small published program, sessions, profiles."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from candidates.models import CandidateProfile
from exams.bank import ItemContent, ItemTags, OptionData, item_create
from exams.models.bank import VersionStatus
from exams.models.delivery import Attempt, AttemptStatus, ExamSession, SessionStatus
from exams.models.programs import CertificationProgram
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


def bank_items(author) -> None:
    competency = Competency.objects.get(code="CSPSP-1")
    for n, stem in enumerate(STEMS):
        options = [OptionData(f"Answer {letter} to case {n}", letter == "B", f"Feedback {letter}") for letter in "ABCD"]
        item_create(
            content=ItemContent(type="single", stem=f"<p>{stem}</p>", options=options, rationale="Because policy."),
            tags=ItemTags(competency=competency, difficulty=3),
            by=author,
            status=VersionStatus.APPROVED,
        )


def build_program(
    admin, *, code: str = "CSPSP-T", name: str = "Policies and procedures (test)", publish: bool = True, **extra
) -> CertificationProgram:
    """A 4-item program on the policies standard; call bank_items() once before."""
    standard = Standard.objects.get(code="CSPSP")
    fields = {
        "item_count": 4,
        "duration_minutes": 30,
        "cut_score_percent": Decimal("50"),
        "validity_months": 24,
        "recertification_window_days": 60,
        "retake_wait_days": 14,
        "retake_max_per_year": 3,
        **extra,
    }
    program = program_create(by=admin, code=code, name=name, standard=standard, **fields)
    blueprint_save(
        program=program,
        data=BlueprintInput(
            domains=[(standard.domains.get(), Decimal("100"))],
            minimums={Competency.objects.get(code="CSPSP-1"): 1},
            difficulty_target=Decimal("3"),
            difficulty_tolerance=Decimal("1"),
            enemy_rule=True,
        ),
        by=admin,
    )
    if publish:
        program_publish(program=program, by=admin, comment="test")
    return program


def make_session(
    program,
    admin,
    *,
    opens_at: datetime | None = None,
    hours: int = 2,
    seats: int = 5,
    status: str = SessionStatus.PUBLISHED,
    cutoff: int = 24,
    **extra,
) -> ExamSession:
    opens_at = opens_at or timezone.now() + timedelta(days=3)
    return ExamSession.objects.create(
        program=program,
        opens_at=opens_at,
        closes_at=opens_at + timedelta(hours=hours),
        seats=seats,
        status=status,
        created_by=admin,
        change_cutoff_hours=cutoff,
        **extra,
    )


def give_profile(user, *, time_zone: str = "UTC", legal_name: str = "") -> CandidateProfile:
    return CandidateProfile.objects.create(
        user=user, legal_name=legal_name or user.get_full_name(), time_zone=time_zone
    )


def past_attempt(candidate, session, *, status: str, **fields) -> Attempt:
    """An attempt written straight to the table, for pages that only show what happened."""
    return Attempt.objects.create(
        candidate=candidate, program=session.program, session=session, status=status, **fields
    )


__all__ = ["AttemptStatus", "bank_items", "build_program", "give_profile", "make_session", "past_attempt"]
