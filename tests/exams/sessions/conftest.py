import pytest

from tests.exams.sessions.factories import bank_items, build_program


@pytest.fixture
def exam_program(db, standards_loaded, author, program_admin):
    bank_items(author)
    return build_program(program_admin)
