"""The dashboard's and catalogue's bulk eligibility gives the same answers as exams.delivery.booking_blockers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exams import hooks
from exams.delivery import booking_blockers
from exams.models.delivery import Attempt, AttemptStatus
from exams.session_selectors import blockers_for_programs, booking_catalogue
from tests.exams.sessions.factories import build_program, make_session, past_attempt

pytestmark = pytest.mark.django_db

A = AttemptStatus


def _both(candidate, programs, now):
    attempts = list(Attempt.objects.filter(candidate=candidate))
    bulk = blockers_for_programs(candidate=candidate, programs=programs, attempts=attempts, now=now)
    one_by_one = {p.pk: booking_blockers(program=p, candidate=candidate, now=now) for p in programs}
    return bulk, one_by_one


def test_bulk_blockers_match_the_booking_rules_case_by_case(exam_program, program_admin, candidate, monkeypatch):
    now = timezone.now()
    booked, failed, busy, fresh = exam_program, *(build_program(program_admin, code=c) for c in ("FAIL", "BUSY", "NEW"))
    draft = build_program(program_admin, code="DRAFT", publish=False)
    busy.retake_max_per_year = 2
    busy.save(update_fields=["retake_max_per_year"])
    past = now - timedelta(days=40)
    past_attempt(candidate, make_session(booked, program_admin), status=A.BOOKED)
    past_attempt(
        candidate,
        make_session(failed, program_admin, opens_at=past),
        status=A.RELEASED,
        passed=False,
        started_at=now - timedelta(days=3),
        submitted_at=now - timedelta(days=3),
    )
    for _ in range(2):
        past_attempt(
            candidate,
            make_session(busy, program_admin, opens_at=past),
            status=A.RELEASED,
            passed=True,
            started_at=past,
            submitted_at=past,
        )
    monkeypatch.setattr(hooks, "eligibility_checks", [lambda c, p: "Needs NEW first." if p.code == "DRAFT" else None])

    programs = [booked, failed, busy, fresh, draft]
    bulk, one_by_one = _both(candidate, programs, now)
    assert bulk == one_by_one
    assert one_by_one[booked.pk] == ["You already have a booking for this program."]
    assert one_by_one[failed.pk][0].startswith("You can retake this exam from")
    assert one_by_one[busy.pk] == ["You have used the 2 attempts allowed in 12 months."]
    assert one_by_one[fresh.pk] == []
    assert one_by_one[draft.pk] == ["This program is not open for booking.", "Needs NEW first."]


def test_the_catalogue_offers_only_published_sessions_with_free_seats(
    exam_program, program_admin, candidate, other_candidate, django_assert_max_num_queries
):
    open_one = make_session(exam_program, program_admin, seats=2)
    full = make_session(exam_program, program_admin, seats=1)
    past_attempt(other_candidate, full, status=A.BOOKED)
    make_session(exam_program, program_admin, opens_at=timezone.now() - timedelta(hours=1))  # already open
    with django_assert_max_num_queries(3):
        [offer] = booking_catalogue(candidate=candidate)
    assert [s.pk for s in offer.sessions] == [open_one.pk]
    assert offer.sessions[0].seats_free == 2 and offer.can_book and offer.booking is None
