"""The demo's exam sessions: a few weeks of published sessions to book, and one under way today.

Upcoming sessions cover every program (online ones proctored by the demo proctor, and one in a
Lisbon test centre), so Jonah Price (candidate2) can book at once. Today's online CSMG-3 session
opened a quarter of an hour before load_demo ran and takes starts for six hours: five more demo
candidates arrived, were admitted after an identity check and are answering, one left the exam tab
often enough to open an incident, and Jonah holds a seat he has not checked in to, so a demo user
can check in as him, be admitted as the proctor and sit a 30-item exam.

Everything goes through the services the pages use, with their `now` standing in for the days and
minutes before the load. The unattended attempts run out of time after about 45 minutes and the
beat's attempts_sweep submits them, as it would any abandoned exam.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from demo.users import DemoPerson, demo_users_create
from exams import delivery
from exams import sessions as exam_sessions
from exams.models.bank import ItemType
from exams.models.delivery import Attempt, ExamSession, SessionMode
from exams.models.programs import CertificationProgram, FormItem
from proctoring import integrity
from proctoring import services as proctoring
from proctoring.models import IdDocument


@dataclass(frozen=True)
class UpcomingSession:
    program: str
    days_ahead: int
    opens: time  # local time where the session is held (online: UTC)
    window_minutes: int
    seats: int
    mode: str = SessionMode.ONLINE
    location: str = ""
    zone: str = "UTC"
    cutoff_hours: int = 24


LISBON_CENTRE = "Lisbon Training Centre, Room 2"

UPCOMING = [
    UpcomingSession("CSS", 3, time(8, 0), 240, 30),
    UpcomingSession("CCSM", 5, time(13, 0), 180, 20),
    UpcomingSession("CSMG-3", 7, time(9, 0), 240, 25),
    # A test centre seats everyone at once: a short start window, and changes close three days ahead.
    UpcomingSession(
        "CSS", 10, time(9, 30), 30, 12, SessionMode.TEST_CENTRE, LISBON_CENTRE, "Europe/Lisbon", cutoff_hours=72
    ),
    UpcomingSession("CSMG-4", 12, time(14, 0), 180, 20),
    UpcomingSession("CSMG-5", 14, time(8, 0), 240, 15),
    UpcomingSession("CSS", 21, time(15, 0), 240, 30),
]

# Today's session: CSMG-3 (30 items, 45 minutes), so a demo user can finish the exam in one sitting.
LIVE_PROGRAM = "CSMG-3"
LIVE_WINDOW = timedelta(hours=6)
LIVE_SEATS = 12
DRIVER = "demo-exam-day"

EXAM_DAY_PEOPLE = [
    DemoPerson("candidate3", "Aiko", "Tanaka", (Role.CANDIDATE,), time_zone="Asia/Tokyo"),
    DemoPerson("candidate4", "Lucas", "Oliveira", (Role.CANDIDATE,), time_zone="America/Sao_Paulo"),
    DemoPerson("candidate5", "Fatima Zahra", "Benali", (Role.CANDIDATE,), time_zone="Africa/Casablanca"),
    DemoPerson("candidate6", "Inês", "Carvalho", (Role.CANDIDATE,), time_zone="Europe/Lisbon"),
    DemoPerson("candidate7", "Siobhán", "O'Connor", (Role.CANDIDATE,), time_zone="Europe/Dublin"),
]


@dataclass(frozen=True)
class Sitting:
    """One demo candidate's morning, in minutes before load_demo ran."""

    username: str
    document: str
    last4: str
    booked_days_ago: int
    checked_in: int
    started: int
    answered: int
    events: tuple[tuple[int, str], ...] = ()  # (minutes ago, integrity kind) as the browser reported them
    extra_minutes: int = 0
    extra_reason: str = ""
    paused_reason: str = ""


SITTINGS = [
    Sitting("candidate3", IdDocument.PASSPORT, "7731", 9, checked_in=22, started=12, answered=11),
    # Three times out of the tab: the program's threshold (3) opens an incident for the proctor to decide.
    Sitting(
        "candidate4",
        IdDocument.NATIONAL_ID,
        "0458",
        6,
        checked_in=19,
        started=10,
        answered=6,
        events=((8, "left_page"), (5, "left_page"), (2, "left_page")),
    ),
    Sitting(
        "candidate5",
        IdDocument.RESIDENCE_PERMIT,
        "K492",
        5,
        checked_in=16,
        started=9,
        answered=7,
        events=((7, "connection_lost"),),
        extra_minutes=5,
        extra_reason="Her connection dropped for four minutes just after she started; time given back.",
    ),
    Sitting(
        "candidate6",
        IdDocument.NATIONAL_ID,
        "8ZX4",
        4,
        checked_in=14,
        started=7,
        answered=4,
        events=((4, "fullscreen_exit"),),
        paused_reason="She asked for a short comfort break; her clock stops until she is back at her desk.",
    ),
    # Arrived after the window had been open ten minutes: the dashboard shows her as late.
    Sitting("candidate7", IdDocument.DRIVING_LICENCE, "5120", 2, checked_in=4, started=2, answered=1),
]

# Jonah Price keeps a booked seat in today's session for a demo user to check in with.
WAITING_CANDIDATE = "candidate2"
# The demo people who have also booked a later session (username: index in UPCOMING).
LATER_BOOKINGS = {"candidate6": 3, "candidate3": 4}

LIVE_SUMMARY = (
    f" ({LIVE_PROGRAM} is under way today: {len(SITTINGS)} candidates taking it, one open incident;"
    " Jonah Price (candidate2) is booked and can check in now)."
)

PROCTOR_NOTE = "Identity checked for everyone who has arrived. Jonah Price is booked but has not checked in yet."


def _upcoming_window(spec: UpcomingSession, today) -> tuple[datetime, datetime]:
    opens = datetime.combine(today + timedelta(days=spec.days_ahead), spec.opens, tzinfo=ZoneInfo(spec.zone))
    return opens, opens + timedelta(minutes=spec.window_minutes)


def _session(
    *,
    program: CertificationProgram,
    admin: User,
    proctor: User,
    opens_at: datetime,
    closes_at: datetime,
    seats: int,
    mode: str = SessionMode.ONLINE,
    location: str = "",
    cutoff_hours: int = 24,
    created_at: datetime | None = None,
) -> ExamSession:
    session = exam_sessions.session_create(
        by=admin,
        program=program,
        mode=mode,
        location=location,
        opens_at=opens_at,
        closes_at=closes_at,
        seats=seats,
        proctor=proctor,
        change_cutoff_hours=cutoff_hours,
        now=created_at,
    )
    return exam_sessions.session_publish(session=session, by=admin)


def _answer(form_item: FormItem, right: bool) -> list[int]:
    version = form_item.item_version
    key = version.key()
    if right:
        return key
    if version.type == ItemType.ORDERING:
        return list(reversed(key))
    return [next(p for p in form_item.option_order if p not in key)]


def _sit(sitting: Sitting, attempt: Attempt, *, candidate: User, proctor: User, now: datetime) -> None:
    def ago(minutes: int) -> datetime:
        return now - timedelta(minutes=minutes)

    person = next(p for p in EXAM_DAY_PEOPLE if p.username == sitting.username)
    delivery.attempt_check_in(attempt=attempt, by=candidate, agreement_accepted=True, now=ago(sitting.checked_in))
    proctoring.admission_record(
        attempt=attempt,
        by=proctor,
        id_name=f"{person.first_name} {person.last_name}",
        id_document_type=sitting.document,
        id_number_last4=sitting.last4,
        now=ago(sitting.checked_in - 1),
    )
    attempt = delivery.attempt_start(attempt=attempt, by=candidate, driver=DRIVER, now=ago(sitting.started))
    items = list(attempt.form.items.select_related("item_version").prefetch_related("item_version__options"))
    # About three answers in four right, the same ones each time the demo is loaded.
    chance = random.Random(sitting.username)  # noqa: S311 (demo answers, not a secret)
    step = timedelta(minutes=sitting.started) / (sitting.answered + 1)
    for n, item in enumerate(items[: sitting.answered], start=1):
        delivery.response_save(
            attempt=attempt,
            form_item=item,
            value=_answer(item, right=chance.random() < 0.75),
            flagged=False,
            client_seq=n,
            driver=DRIVER,
            n_options=len(item.option_order),
            now=attempt.started_at + step * n,
        )
    for minutes, kind in sitting.events:
        attempt.refresh_from_db(fields=["status"])
        moment = ago(minutes)
        integrity.events_record(
            attempt=attempt,
            events=[{"kind": kind, "at": int(moment.timestamp() * 1000), "detail": {}}],
            now=moment,
        )
    if sitting.extra_minutes:
        proctoring.proctor_extend(
            attempt=attempt, by=proctor, minutes=sitting.extra_minutes, reason=sitting.extra_reason
        )
    if sitting.paused_reason:
        proctoring.proctor_pause(attempt=attempt, by=proctor, reason=sitting.paused_reason)
    else:
        delivery.attempt_heartbeat(attempt=attempt, driver=DRIVER, now=now)


def _live_session(*, admin: User, proctor: User, people: dict[str, User], now: datetime) -> ExamSession:
    program = CertificationProgram.objects.get(code=LIVE_PROGRAM)
    # Opened on a five-minute mark 15 to 20 minutes ago: every sitting above started after it opened,
    # and only Siobhán's arrival (4 minutes ago) is more than ten minutes into the window.
    opens_at = (now - timedelta(minutes=15)).replace(second=0, microsecond=0)
    opens_at -= timedelta(minutes=opens_at.minute % 5)
    session = _session(
        program=program,
        admin=admin,
        proctor=proctor,
        opens_at=opens_at,
        closes_at=opens_at + LIVE_WINDOW,
        seats=LIVE_SEATS,
        created_at=now - timedelta(days=14),
    )
    for sitting in SITTINGS:
        candidate = people[sitting.username]
        attempt = delivery.attempt_book(
            session=session, candidate=candidate, now=now - timedelta(days=sitting.booked_days_ago)
        )
        _sit(sitting, attempt, candidate=candidate, proctor=proctor, now=now)
    delivery.attempt_book(session=session, candidate=people[WAITING_CANDIDATE], now=now - timedelta(days=3))
    proctoring.note_add(session=session, by=proctor, text=PROCTOR_NOTE)
    return session


@transaction.atomic
def demo_sessions_create(*, admin: User, proctor: User, candidate2: User, now: datetime | None = None) -> int:
    """Creates the demo's sessions and today's sitting; returns how many sessions (0 when they exist).

    Like the programs (by code) and the certificate (by holder), they are made once: sessions
    proctored by the demo proctor mean an earlier load made them, and a new load leaves them be.
    """
    now = now or timezone.now()
    people = {person.username: user for person, user, _created in demo_users_create(EXAM_DAY_PEOPLE)}
    if ExamSession.objects.filter(proctor=proctor).exists():
        return 0
    programs = {p.code: p for p in CertificationProgram.objects.filter(code__in={s.program for s in UPCOMING})}
    upcoming = []
    for spec in UPCOMING:
        opens_at, closes_at = _upcoming_window(spec, now.astimezone(ZoneInfo(spec.zone)).date())
        upcoming.append(
            _session(
                program=programs[spec.program],
                admin=admin,
                proctor=proctor,
                opens_at=opens_at.astimezone(UTC),
                closes_at=closes_at.astimezone(UTC),
                seats=spec.seats,
                mode=spec.mode,
                location=spec.location,
                cutoff_hours=spec.cutoff_hours,
            )
        )
    people[WAITING_CANDIDATE] = candidate2
    _live_session(admin=admin, proctor=proctor, people=people, now=now)
    for username, index in LATER_BOOKINGS.items():
        delivery.attempt_book(session=upcoming[index], candidate=people[username], now=now)
    return len(upcoming) + 1
