"""Reads for the review pages: the queue with why each attempt is held, who proctored which of them
(for a whole page at once), and what a reviewer sees of one attempt's result.

The rules themselves are proctoring.services': needs_review, may_review, review_blockers and
proctors_of. attempts_proctored_by is proctors_of for many attempts in a fixed number of queries;
tests/proctoring_records/test_review_pages.py checks the two agree.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from accounts.models import User
from exams.models.delivery import Attempt, AttemptEvent, Response
from proctoring.models import Admission, Incident, ProctorNote, ReviewDecision
from proctoring.services import PROCTOR_ACTIONS


def attempts_proctored_by(user: User, attempts: list[Attempt]) -> set[int]:
    """The ids of those attempts `user` proctored (services.proctors_of), in five queries at most."""
    ids = [a.pk for a in attempts]
    if not ids or not user.is_authenticated:
        return set()
    mine = {a.pk for a in attempts if a.session.proctor_id == user.pk}
    rest = [pk for pk in ids if pk not in mine]
    if rest:
        mine |= set(
            AttemptEvent.objects.filter(attempt_id__in=rest, action__in=PROCTOR_ACTIONS, actor=user).values_list(
                "attempt_id", flat=True
            )
        )
        mine |= set(
            Admission.objects.filter(attempt_id__in=rest, admitted_by=user).values_list("attempt_id", flat=True)
        )
        mine |= set(ProctorNote.objects.filter(attempt_id__in=rest, author=user).values_list("attempt_id", flat=True))
        # Settling an incident in the review is the reviewer's act, not a proctor's (as in proctors_of).
        decided = Q(decided_by=user) & ~Q(outcome=Incident.Outcome.REVIEWED)
        mine |= set(
            Incident.objects.filter(Q(opened_by=user) | decided, attempt_id__in=rest).values_list(
                "attempt_id", flat=True
            )
        )
    return mine


def flag_reasons(attempt_ids: list[int]) -> dict[int, str]:
    """The reason given with the latest flag of each attempt."""
    reasons: dict[int, str] = {}
    for attempt_id, reason in (
        AttemptEvent.objects.filter(attempt_id__in=attempt_ids, action="flag")
        .order_by("at", "pk")
        .values_list("attempt_id", "reason")
    ):
        reasons[attempt_id] = reason
    return reasons


def recent_reviews(limit: int = 15) -> list[ReviewDecision]:
    return list(
        ReviewDecision.objects.select_related(
            "decided_by", "attempt", "attempt__program", "attempt__candidate", "attempt__candidate__candidate_profile"
        )
        .defer("attempt__domain_scores", "attempt__competency_scores")
        .order_by("-decided_at", "-pk")[:limit]
    )


@dataclass
class ScoreSummary:
    """What a reviewer needs of the result: figures per domain, never the items or their keys."""

    answered: int
    item_count: int
    raw: str
    maximum: int | None
    percent: str
    scaled: int | None
    passed: bool | None
    cut_score_percent: str
    domains: list[dict]


def score_summary(attempt: Attempt) -> ScoreSummary:
    answered = Response.objects.filter(attempt=attempt).exclude(value=[]).aggregate(n=Count("pk"))["n"]
    return ScoreSummary(
        answered=answered,
        item_count=attempt.program.item_count,
        raw="" if attempt.raw_score is None else f"{attempt.raw_score.normalize():f}",
        maximum=attempt.max_score,
        percent="" if attempt.percent is None else f"{attempt.percent:.1f}",
        scaled=attempt.scaled_score,
        passed=attempt.passed,
        cut_score_percent=f"{attempt.program.cut_score_percent.normalize():f}",
        domains=[
            {"label": d.get("label", ""), "percent": d.get("percent"), "raw": d.get("raw"), "max": d.get("max")}
            for d in (attempt.domain_scores or [])
        ],
    )
