"""A proctored test-centre session that has happened: candidates admitted (one late), integrity
events, an incident opened by a threshold, a proctor's note and flag, submitted results held for
review. Built through the services, on the certificates pipeline's four-item program (cut 50 %).
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from exams import delivery
from exams.models.delivery import Attempt, ExamSession, SessionMode, SessionStatus
from proctoring import integrity, services
from tests.certificates.pipeline.conftest import program_make
from tests.conftest import make_user
from tests.exams.sessions.factories import give_profile


@pytest.fixture(autouse=True)
def fresh_cache():
    # Client fingerprints and live versions are keyed by attempt id, which a new test database reuses.
    cache.clear()


@pytest.fixture
def program(db, standards_loaded, author, program_admin):
    return program_make(author=author, program_admin=program_admin, code="REC-T")


@pytest.fixture
def session(program, program_admin, proctor):
    now = timezone.now()
    return ExamSession.objects.create(
        program=program,
        mode=SessionMode.TEST_CENTRE,
        location="Room 4.12, Lisbon centre",
        opens_at=now - timedelta(minutes=30),
        closes_at=now + timedelta(hours=2),
        seats=20,
        status=SessionStatus.PUBLISHED,
        created_by=program_admin,
        change_cutoff_hours=0,
        proctor=proctor,
    )


@pytest.fixture
def other_proctor(db):
    return make_user("otherproctor", Role.PROCTOR, first_name="Nadia", last_name="Kern")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def take(
    session: ExamSession,
    candidate,
    proctor,
    *,
    correct: bool = True,
    late: bool = False,
    events: tuple[str, ...] = (),
    note: str = "",
    flag: str = "",
    submit: bool = True,
) -> Attempt:
    """Books, checks in (on time, or 30 minutes after the window opened), is admitted, starts,
    reports integrity events, answers everything right or wrong, and submits."""
    if not hasattr(candidate, "candidate_profile"):
        give_profile(candidate)
    attempt = delivery.attempt_book(session=session, candidate=candidate, now=session.opens_at - timedelta(hours=1))
    arrived = timezone.now() if late else session.opens_at + timedelta(minutes=2)
    delivery.attempt_check_in(attempt=attempt, by=candidate, agreement_accepted=True, now=arrived)
    services.admission_record(
        attempt=attempt,
        by=proctor,
        id_name=candidate.get_full_name(),
        id_document_type="passport",
        id_number_last4="12AB",
    )
    attempt = delivery.attempt_start(attempt=attempt, by=candidate, driver="browser-1")
    if events:
        integrity.events_record(
            attempt=Attempt.objects.select_related("session").get(pk=attempt.pk),
            events=[{"kind": kind, "detail": {"n": n}} for n, kind in enumerate(events, 1)],
        )
    if note:
        services.note_add(session=session, attempt=attempt, by=proctor, text=note)
    if flag:
        services.proctor_flag(attempt=attempt, by=proctor, reason=flag)
    for item in attempt.form.items.select_related("item_version").prefetch_related("item_version__options"):
        key = item.item_version.key()
        delivery.response_save(
            attempt=Attempt.objects.get(pk=attempt.pk),
            form_item=item,
            value=key if correct else [next(p for p in (1, 2, 3, 4) if p not in key)],
            flagged=False,
            client_seq=1,
            driver="browser-1",
            n_options=4,
        )
    if submit:
        delivery.attempt_submit(attempt=attempt, by=candidate)
    return Attempt.objects.select_related("session", "program", "candidate").get(pk=attempt.pk)


@pytest.fixture
def sofia(session, candidate, proctor):
    """Late; left the page three times (an incident opens at the third), passes; held by the open incident."""
    return take(session, candidate, proctor, late=True, events=("left_page",) * 3, note="Phone rang at the desk.")


@pytest.fixture
def jonah(session, other_candidate, proctor):
    """On time; pasted once; flagged by the proctor; fails; held by the flag."""
    return take(session, other_candidate, proctor, correct=False, events=("copy_paste",), flag="Notes on the desk.")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: the report renders from local files only."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"Network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def private_reports(settings, tmp_path):
    """Stored reports go to a folder of the test's own."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT
