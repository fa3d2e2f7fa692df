"""The cast every test can call on, and the real services some tests need.

Personas: candidate, other_candidate, author, reviewer, proctor, program_admin, outsider
(signed in, no role). Browser tests drive Debian's Chromium; worker tests start a real
Celery worker process on the Redis broker against the test database.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from accounts.roles import Role, ensure_role_groups

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-test-password-42"

# Playwright's sync API runs an event loop in the test thread; Django's ORM guard would
# refuse the test's own database calls without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def make_user(username: str, *roles: Role, first_name: str = "", last_name: str = "", **extra) -> User:
    ensure_role_groups()
    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        first_name=first_name or username.title(),
        last_name=last_name or "Tester",
        **extra,
    )
    user.set_roles(list(roles))
    return user


@pytest.fixture(scope="session", autouse=True)
def public_url():
    """The deployment as production configures it: tests run with DEBUG off, where certificates and
    emails refuse to guess the site's address or make up a signing key. Session scope, so
    module-scoped fixtures (load_demo issues a certificate) see it too."""
    from django.test.utils import override_settings

    from certificates.keys import signing_key_generate

    key = signing_key_generate()
    with override_settings(
        PUBLIC_URL="http://127.0.0.1:8000",
        CERTDESK_SIGNING_KEYS=key.secret_key_multibase,
        # Every persona's password is hashed at creation; the production hasher costs most of a second each.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def process_caches_cleared():
    """The exam screen's paths remember frozen forms, their items and attempts' forms per process,
    keyed by primary key; a test database that was rolled back or flushed hands those keys out again."""
    from candidates.exam_access import _form_ids
    from candidates.exam_payloads import _form_items
    from exams.delivery import form_item_shapes

    form_item_shapes.cache_clear()
    _form_ids.cache_clear()
    _form_items.cache_clear()


@pytest.fixture
def candidate(db):
    return make_user("candidate", Role.CANDIDATE, first_name="Sofia", last_name="Marin")


@pytest.fixture
def other_candidate(db):
    return make_user("othercandidate", Role.CANDIDATE, first_name="Jonah", last_name="Price")


@pytest.fixture
def author(db):
    return make_user("author", Role.AUTHOR, first_name="Lena", last_name="Fischer")


@pytest.fixture
def reviewer(db):
    return make_user("reviewer", Role.REVIEWER, first_name="Ravi", last_name="Menon")


@pytest.fixture
def proctor(db):
    return make_user("proctor", Role.PROCTOR, first_name="Tomas", last_name="Alvarez")


@pytest.fixture
def program_admin(db):
    return make_user("programadmin", Role.PROGRAM_ADMIN, first_name="Amara", last_name="Okafor")


@pytest.fixture
def outsider(db):
    return make_user("outsider", first_name="Olly", last_name="Outside")


@pytest.fixture
def personas(candidate, other_candidate, author, reviewer, proctor, program_admin, outsider):
    return {
        "candidate": candidate,
        "other_candidate": other_candidate,
        "author": author,
        "reviewer": reviewer,
        "proctor": proctor,
        "program_admin": program_admin,
        "outsider": outsider,
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The standards are reference data every part of the app reads: load them once."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_standards", verbosity=0)


@pytest.fixture
def standards_loaded(db):
    """The standards, present even after a transactional test flushed the database."""
    from django.core.management import call_command

    from standards.models import Standard

    if Standard.objects.count() < 4:
        call_command("load_standards", verbosity=0)


# --- browser -------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def login_in_browser(live_server):
    def login(page, user: User, password: str = PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

    return login


# --- Celery worker ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """A real worker process on the Redis broker, reading the test database.

    Its queue is unique to this run, so a developer's own worker never takes the test's tasks.
    """
    from certdesk.celery import app

    if not settings.REDIS_URL:
        pytest.fail("Worker tests need REDIS_URL (make test sets it).")
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("Worker tests need PostgreSQL (make test sets DATABASE_URL).")
    queue = f"certdesk-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "DB_CONN_MAX_AGE": "0",
    }
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "certdesk",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The Celery worker exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
            break
    else:
        process.terminate()
        pytest.fail("The Celery worker did not answer a ping within 60 s.")
    yield process
    app.conf.task_default_queue = previous_queue
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
