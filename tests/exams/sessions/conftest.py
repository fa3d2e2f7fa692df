import pytest

from tests.exams.sessions.factories import bank_items, build_program


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every persona's password is hashed at creation; the real hasher costs most of a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def exam_program(db, standards_loaded, author, program_admin):
    bank_items(author)
    return build_program(program_admin)
