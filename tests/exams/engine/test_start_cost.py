"""Starting an attempt costs the same however many forms the program has frozen before."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exams.delivery import attempt_start
from exams.models import ExamForm
from exams.models.delivery import AttemptStatus
from exams.models.programs import FormItem
from exams.programs import EXPOSURE_WINDOW_FORMS, blueprint_save, exposure_counts, form_freeze
from tests.exams.sessions.factories import make_session, past_attempt

from .conftest import blueprint_input, make_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(small_bank, program_admin):
    program = make_program(small_bank, by=program_admin, item_count=10)
    blueprint_save(program=program, data=blueprint_input(small_bank, minimums={"TST-PRC-2": 2}), by=program_admin)
    return program


def _copies(template: ExamForm, count: int) -> None:
    """`count` more forms like `template`, written straight to the tables: history, not draws."""
    forms = ExamForm.objects.bulk_create(
        ExamForm(program=template.program, seed=n, blueprint_snapshot=template.blueprint_snapshot) for n in range(count)
    )
    rows = list(template.items.values("position", "item_version_id", "domain_id", "competency_id", "option_order"))
    FormItem.objects.bulk_create(FormItem(form=form, **row) for form in forms for row in rows)


def _start_queries(program, candidate, admin) -> int:
    now = timezone.now()
    session = make_session(program, admin, opens_at=now - timedelta(minutes=5))
    attempt = past_attempt(
        candidate, session, status=AttemptStatus.CHECKED_IN, agreement_accepted_at=now, checked_in_at=now
    )
    with CaptureQueriesContext(connection) as captured:
        attempt_start(attempt=attempt, by=candidate, driver="browser", now=now)
    return sum(1 for q in captured.captured_queries if "SAVEPOINT" not in q["sql"])


def test_starting_an_attempt_runs_as_many_queries_after_many_forms_as_after_one(
    program, candidate, other_candidate, program_admin
):
    first = form_freeze(program=program, seed=1)
    early = _start_queries(program, candidate, program_admin)
    _copies(first, 3 * EXPOSURE_WINDOW_FORMS)
    late = _start_queries(program, other_candidate, program_admin)
    assert early == late
    # The blueprint (3), the bank stamp (2), exposure (1), the form and its items (2), the attempt (3).
    assert late <= 11


def test_exposure_counts_only_the_most_recent_forms(program):
    first = form_freeze(program=program, seed=1)
    _copies(first, EXPOSURE_WINDOW_FORMS + 20)
    latest = form_freeze(program=program, seed=2)
    counts = exposure_counts(program)
    assert sum(counts.values()) == EXPOSURE_WINDOW_FORMS * 10
    # The newest form is inside the window; the first one (the oldest) is not.
    latest_items = set(latest.items.values_list("item_version__item_id", flat=True))
    copied_items = set(first.items.values_list("item_version__item_id", flat=True))
    for item in latest_items - copied_items:
        assert counts[item] == 1
    for item in copied_items - latest_items:
        assert counts[item] == EXPOSURE_WINDOW_FORMS - 1
