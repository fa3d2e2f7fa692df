"""Acceptance: the demo bank exported and imported into an empty database is the same bank."""

import pytest

from exams.interchange.detect import plan_from_file
from exams.interchange.plan import import_plan_apply
from exams.models import Item

from .conftest import bank_snapshot


@pytest.mark.parametrize("format", ["qti3", "moodle"])
def test_demo_bank_round_trips_field_by_field(demo_bank_exports, standards_loaded, author, media_root, format):
    exports, before = demo_bank_exports
    assert Item.objects.count() == 0
    assert len(before) > 700

    plan = plan_from_file(exports[format].data, filename=exports[format].filename)
    assert not plan.unsupported and not plan.with_errors and not plan.errors
    import_plan_apply(plan, author=author, skip_unsupported=False)

    after = bank_snapshot()
    assert sorted(after) == sorted(before)
    differences = {ref: (before[ref], after[ref]) for ref in before if before[ref] != after[ref]}
    assert differences == {}
    assert all(row["status"] == "approved" for row in after.values())
