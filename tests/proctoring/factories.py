"""A crowded session, written straight to the tables: for dashboard query counts and timings.

fill_session(session, n, form_items) adds n candidates in a realistic mix: most taking the exam
(some paused, some offline, with answers and integrity events), a few waiting to be admitted, a few
finished, one in ten with an open incident and one in eight with an approved accommodation.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from candidates.models import AccommodationRequest, CandidateProfile
from exams.models.delivery import Attempt, AttemptStatus, Response
from proctoring.models import Admission, Incident, IntegrityEvent

A = AttemptStatus


def fill_session(session, n: int, form_items, *, admitted_by, prefix: str = "crowd") -> list[Attempt]:
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org", first_name=f"Cand{i}", last_name="Crowd")
            for i in range(n)
        ]
    )
    CandidateProfile.objects.bulk_create(
        [CandidateProfile(user=u, legal_name=f"Candidate {i:03d} Crowd") for i, u in enumerate(users)]
    )
    attempts = []
    for i, user in enumerate(users):
        status = A.IN_PROGRESS
        if i % 10 == 3:
            status = A.CHECKED_IN
        elif i % 10 == 7:
            status = A.PAUSED
        elif i % 20 == 9:
            status = A.SUBMITTED
        started = now - timedelta(minutes=20)
        live = status in (A.IN_PROGRESS, A.PAUSED, A.SUBMITTED)
        attempts.append(
            Attempt(
                candidate=user,
                program=session.program,
                session=session,
                status=status,
                agreement_accepted_at=now - timedelta(minutes=25),
                checked_in_at=now - timedelta(minutes=25),
                started_at=started if live else None,
                duration_seconds=session.program.duration_minutes * 60,
                deadline=started + timedelta(minutes=session.program.duration_minutes) if live else None,
                paused_at=now - timedelta(minutes=2) if status == A.PAUSED else None,
                last_seen_at=now - timedelta(seconds=5 if i % 6 else 120) if live else None,
                driver=f"driver{i}" if live else "",
            )
        )
    attempts = Attempt.objects.bulk_create(attempts)
    Admission.objects.bulk_create(
        [
            Admission(
                attempt=a,
                admitted_by=admitted_by,
                id_name=a.candidate.get_full_name(),
                id_document_type="passport",
                id_number_last4="1234",
                arrived_at=now - timedelta(minutes=25),
            )
            for a in attempts
            if a.status != A.CHECKED_IN
        ]
    )
    items = list(form_items)
    Response.objects.bulk_create(
        [
            Response(attempt=a, form_item=item, value=[1], client_seq=1, saved_at=now - timedelta(minutes=1))
            for a in attempts
            if a.started_at
            for item in items[: 1 + a.pk % len(items)]
        ]
    )
    IntegrityEvent.objects.bulk_create(
        [
            IntegrityEvent(attempt=a, session=session, kind=kind, source="browser", at=now - timedelta(minutes=m))
            for a in attempts
            if a.started_at and a.pk % 3 == 0
            for kind, m in (("left_page", 1), ("copy_paste", 3), ("right_click", 30))
        ]
    )
    Incident.objects.bulk_create(
        [
            Incident(attempt=a, session=session, kind="left_page", summary="Left the exam tab or window: 3 times.")
            for a in attempts
            if a.started_at and a.pk % 10 == 0
        ]
    )
    AccommodationRequest.objects.bulk_create(
        [
            AccommodationRequest(
                candidate=a.candidate,
                extra_time_percent=25,
                other_arrangements="Screen reader",
                reason="Dyslexia",
                evidence="accommodations/none.pdf",
                status=AccommodationRequest.Status.APPROVED,
            )
            for a in attempts
            if a.pk % 8 == 0
        ]
    )
    return attempts
