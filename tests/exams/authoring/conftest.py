"""Items for the authoring pages' tests, built through the bank's own services."""

import pytest

from exams.bank import ItemContent, ItemTags, OptionData, item_create, version_transition
from exams.models.bank import VersionStatus
from standards.models import Competency, Level


def content(
    stem: str = "<p>A caller reports that the VPN drops every hour. What should the analyst log first?</p>",
    *,
    type: str = "single",
    rationale: str = "Symptoms and their timing drive diagnosis and later trend analysis.",
    options: list[OptionData] | None = None,
) -> ItemContent:
    return ItemContent(
        type=type,
        stem=stem,
        rationale=rationale,
        options=options
        or [
            OptionData("The exact symptom and when it started", True, "Right: facts first."),
            OptionData("The caller's guess at the cause", False, "Guesses mislead diagnosis."),
            OptionData("A workaround found on a forum", False, "Not verified."),
            OptionData("Nothing until the fault reproduces", False, "Loses the evidence."),
        ],
    )


@pytest.fixture
def competency(standards_loaded):
    return Competency.objects.get(code="CSS-PRC-DOC")


@pytest.fixture
def make_item(author, reviewer, competency):
    """make_item(status=..., by=..., **tags): an item through item_create (and review when asked)."""

    def make(
        *,
        stem: str | None = None,
        status: str = VersionStatus.DRAFT,
        by=None,
        competency_code: str | None = None,
        level: Level | None = None,
        difficulty: int | None = 2,
        enemy_group: str = "",
        tags: tuple[str, ...] = (),
        type: str = "single",
        options=None,
    ):
        by = by or author
        tagging = ItemTags(
            competency=Competency.objects.get(code=competency_code) if competency_code else competency,
            level=level,
            difficulty=difficulty,
            enemy_group=enemy_group,
            tags=list(tags),
        )
        body = content(stem, type=type, options=options) if stem else content(type=type, options=options)
        start = VersionStatus.APPROVED if status in (VersionStatus.APPROVED, VersionStatus.RETIRED) else "draft"
        item = item_create(content=body, tags=tagging, by=by, status=start)
        if status == VersionStatus.IN_REVIEW:
            version_transition(version=item.current_version, action="submit", by=by, comment="Ready for review")
        if status == VersionStatus.RETIRED:
            version_transition(version=item.current_version, action="retire", by=reviewer, comment="Out of date")
        item.refresh_from_db()
        return item

    return make
