"""The review workflow and versioning rules, at the service level."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from exams.bank import (
    TRANSITIONS,
    IllegalTransition,
    ItemContent,
    ItemTags,
    OptionData,
    item_create,
    item_edit,
    version_transition,
)
from exams.models import ItemEvent, ItemVersion
from exams.models.bank import VersionStatus
from standards.models import Competency
from tests.conftest import make_user


def _content(stem="<p>A caller reports the VPN drops every hour. What should the analyst log first?</p>"):
    return ItemContent(
        type="single",
        stem=stem,
        rationale="Symptoms and their timing drive diagnosis and later trend analysis.",
        options=[
            OptionData("The exact symptom and when it started", True, "Right: facts first."),
            OptionData("The caller's guess at the cause", False, "Guesses mislead diagnosis."),
            OptionData("A workaround from a forum", False, "Not verified."),
            OptionData("Nothing until it reproduces", False, "Loses the evidence."),
        ],
    )


@pytest.fixture
def tags(standards_loaded):
    return ItemTags(competency=Competency.objects.get(code="CSS-PRC-DOC"), difficulty=2)


@pytest.fixture
def approved_item(author, reviewer, tags):
    item = item_create(content=_content(), tags=tags, by=author)
    version_transition(version=item.current_version, action="submit", by=author, comment="Ready")
    version_transition(version=item.current_version, action="approve", by=reviewer, comment="Accurate")
    item.refresh_from_db()
    return item


def test_editing_an_approved_item_makes_a_new_version_and_leaves_the_approved_one_unchanged(approved_item, author):
    approved = approved_item.approved_version
    before = (approved.stem, approved.rationale, approved.content_digest())
    new = item_edit(
        item=approved_item, content=_content("<p>A caller says Wi-Fi drops daily. What first?</p>"), by=author
    )
    approved.refresh_from_db()
    assert new.pk != approved.pk and new.number == 2 and new.status == VersionStatus.DRAFT
    assert (approved.stem, approved.rationale, approved.content_digest()) == before
    assert approved.status == VersionStatus.APPROVED
    approved_item.refresh_from_db()
    assert approved_item.approved_version_id == approved.pk  # exams keep drawing the approved text


def test_approving_a_new_version_retires_the_one_it_replaces(approved_item, author, reviewer):
    old = approved_item.approved_version
    new = item_edit(item=approved_item, content=_content("<p>Chat users report timeouts. What first?</p>"), by=author)
    version_transition(version=new, action="submit", by=author, comment="Revised")
    version_transition(version=new, action="approve", by=reviewer, comment="Fine")
    old.refresh_from_db()
    approved_item.refresh_from_db()
    assert old.status == VersionStatus.RETIRED
    assert approved_item.approved_version_id == new.pk


def test_an_author_cannot_approve_their_own_item(author, tags):
    author.set_roles([Role.AUTHOR, Role.REVIEWER])
    item = item_create(content=_content(), tags=tags, by=author)
    version_transition(version=item.current_version, action="submit", by=author, comment="Ready")
    with pytest.raises(PermissionDenied, match="own item"):
        version_transition(version=item.current_version, action="approve", by=author, comment="Looks good")
    assert ItemVersion.objects.get(pk=item.current_version_id).status == VersionStatus.IN_REVIEW


def test_only_a_reviewer_can_approve(author, tags):
    other_author = make_user("author2", Role.AUTHOR)
    item = item_create(content=_content(), tags=tags, by=author)
    version_transition(version=item.current_version, action="submit", by=author, comment="Ready")
    with pytest.raises(PermissionDenied):
        version_transition(version=item.current_version, action="approve", by=other_author, comment="ok")


def test_an_untagged_item_cannot_enter_review(author, standards_loaded):
    item = item_create(content=_content(), tags=ItemTags(), by=author)
    with pytest.raises(ValidationError, match="competency"):
        version_transition(version=item.current_version, action="submit", by=author, comment="Ready")


def test_every_transition_needs_a_comment(author, tags):
    item = item_create(content=_content(), tags=tags, by=author)
    with pytest.raises(ValidationError, match="comment"):
        version_transition(version=item.current_version, action="submit", by=author, comment="  ")


@pytest.mark.parametrize("action", ["withdraw", "return", "approve"])
def test_illegal_transitions_from_draft_raise(author, reviewer, tags, action):
    item = item_create(content=_content(), tags=tags, by=author)
    with pytest.raises(IllegalTransition):
        version_transition(version=item.current_version, action=action, by=reviewer, comment="why")


def test_the_transition_table_only_reaches_known_statuses():
    for sources, target in TRANSITIONS.values():
        assert target in VersionStatus.values and sources <= set(VersionStatus.values)


def test_a_version_in_review_cannot_be_edited(author, tags):
    item = item_create(content=_content(), tags=tags, by=author)
    version_transition(version=item.current_version, action="submit", by=author, comment="Ready")
    with pytest.raises(ValidationError, match="in review"):
        item_edit(item=item, content=_content(), by=author)


def test_the_audit_trail_records_who_did_what(approved_item, author, reviewer):
    events = list(approved_item.events.order_by("id").values_list("kind", "to_status", "actor__username", "comment"))
    assert events == [
        (ItemEvent.Kind.CREATED, "draft", "author", ""),
        (ItemEvent.Kind.TRANSITION, "in_review", "author", "Ready"),
        (ItemEvent.Kind.TRANSITION, "approved", "reviewer", "Accurate"),
    ]


def test_stems_are_sanitised_and_remote_images_dropped(author, tags):
    stem = '<p onclick="steal()">Read <script>x()</script><img src="https://tracker.example/p.gif"> this</p>'
    item = item_create(content=_content(stem), tags=tags, by=author)
    saved = item.current_version.stem
    assert "onclick" not in saved and "<script" not in saved and "tracker.example" not in saved
    assert saved.startswith("<p>Read")


def test_a_single_choice_item_needs_exactly_one_key(author, tags):
    content = _content()
    content.options[1].is_correct = True
    with pytest.raises(ValidationError) as error:
        item_create(content=content, tags=tags, by=author)
    assert "key" in error.value.message_dict
