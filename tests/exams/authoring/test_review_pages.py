"""The review workflow from the pages: the item page's actions, the review queue, comments,
the audit trail, and the version history with its diff."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.roles import Role
from exams.bank import ItemContent, OptionData, item_edit, version_transition
from exams.bank_selectors import version_diff
from exams.models import ItemEvent, ItemVersion
from exams.models.bank import VersionStatus

pytestmark = pytest.mark.django_db


def _transition(client, version, action, comment, **extra):
    url = reverse("exams:item_transition", args=[version.item_id, version.pk])
    return client.post(url, {"action": action, "comment": comment, **extra}, follow=True)


def _status(version) -> str:
    return ItemVersion.objects.get(pk=version.pk).status


def test_an_author_who_also_reviews_never_sees_approve_on_their_own_item_and_cannot_approve_it(
    client, author, make_item
):
    author.set_roles([Role.AUTHOR, Role.REVIEWER])
    item = make_item(status="in_review")
    version = item.current_version
    client.force_login(author)

    page = client.get(reverse("exams:item_detail", args=[item.pk])).content.decode()
    assert 'value="approve"' not in page and 'value="return"' not in page
    assert 'value="withdraw"' in page
    assert item.ref not in client.get(reverse("exams:review_queue")).content.decode()

    assert _transition(client, version, "approve", "Looks fine to me").status_code == 403
    assert _status(version) == VersionStatus.IN_REVIEW
    with pytest.raises(PermissionDenied, match="own item"):
        version_transition(version=version, action="approve", by=author, comment="Looks fine to me")
    assert _status(version) == VersionStatus.IN_REVIEW


@pytest.mark.parametrize("persona", ["program_admin", "other_author"])
def test_only_reviewers_approve(client, personas, make_item, persona):
    if persona == "other_author":
        from tests.conftest import make_user

        user = make_user("author2", Role.AUTHOR)
    else:
        user = personas[persona]
    version = make_item(status="in_review").current_version
    client.force_login(user)
    assert 'value="approve"' not in client.get(reverse("exams:item_detail", args=[version.item_id])).content.decode()
    assert _transition(client, version, "approve", "Fine").status_code == 403
    assert _status(version) == VersionStatus.IN_REVIEW


def test_a_reviewer_approves_from_the_queue_with_a_comment(client, reviewer, make_item):
    item = make_item(status="in_review")
    version = item.current_version
    client.force_login(reviewer)
    queue = reverse("exams:review_queue")
    page = client.get(queue).content.decode()
    assert f'data-testid="review-{item.ref}"' in page
    assert "Right: facts first." in page  # the reviewer sees the key's feedback and the rationale
    assert version.rationale in page

    response = _transition(client, version, "approve", "Accurate and clearly keyed", next=queue)
    assert response.redirect_chain[-1][0] == queue
    assert f"Version 1 of {item.ref} approved." in response.content.decode()
    item.refresh_from_db()
    assert item.approved_version_id == version.pk and item.approved_version.reviewed_by == reviewer
    event = item.events.get(kind=ItemEvent.Kind.TRANSITION, to_status=VersionStatus.APPROVED)
    assert (event.actor, event.comment, event.from_status) == (reviewer, "Accurate and clearly keyed", "in_review")
    assert item.ref not in client.get(queue).content.decode()


def test_a_reviewer_returns_a_version_to_its_author_as_a_draft(client, reviewer, make_item):
    version = make_item(status="in_review").current_version
    client.force_login(reviewer)
    response = _transition(client, version, "return", "Option C is also defensible")
    assert "returned to its author" in response.content.decode()
    assert _status(version) == VersionStatus.DRAFT
    assert ItemEvent.objects.filter(version=version, comment="Option C is also defensible").exists()


@pytest.mark.parametrize("comment", ["", "   "])
def test_every_transition_needs_a_comment(client, reviewer, make_item, comment):
    version = make_item(status="in_review").current_version
    client.force_login(reviewer)
    response = _transition(client, version, "approve", comment)
    assert "Say why, in a comment." in response.content.decode()
    assert _status(version) == VersionStatus.IN_REVIEW
    with pytest.raises(ValidationError, match="Say why"):
        version_transition(version=version, action="approve", by=reviewer, comment=comment)


def test_an_item_without_its_tags_cannot_go_to_review(client, author, make_item):
    item = make_item(difficulty=None)
    client.force_login(author)
    page = client.get(reverse("exams:item_detail", args=[item.pk])).content.decode()
    assert 'value="submit"' not in page
    assert "not set — required for review" in page
    response = _transition(client, item.current_version, "submit", "Ready")
    assert "Tag the item with its competency and difficulty" in response.content.decode()
    assert _status(item.current_version) == VersionStatus.DRAFT


def test_an_author_sends_a_tagged_draft_to_review_and_may_withdraw_it(client, author, make_item):
    version = make_item().current_version
    client.force_login(author)
    assert 'value="submit"' in client.get(reverse("exams:item_detail", args=[version.item_id])).content.decode()
    assert "sent to review" in _transition(client, version, "submit", "Ready for review").content.decode()
    assert _status(version) == VersionStatus.IN_REVIEW
    _transition(client, version, "withdraw", "Spotted a typo")
    assert _status(version) == VersionStatus.DRAFT


def test_the_queue_lists_the_longest_waiting_first_and_never_the_reviewers_own(
    client, author, reviewer, make_item, time_machine
):
    time_machine.move_to("2026-03-01 09:00Z")
    first = make_item(status="in_review")
    time_machine.move_to("2026-03-02 09:00Z")
    second = make_item(status="in_review")
    reviewer.set_roles([Role.AUTHOR, Role.REVIEWER])
    own = make_item(status="in_review", by=reviewer)
    # Resubmitted later: waiting is counted from the newest submission.
    version_transition(version=first.current_version, action="withdraw", by=author, comment="Fix")
    time_machine.move_to("2026-03-03 09:00Z")
    version_transition(version=first.current_version, action="submit", by=author, comment="Fixed")

    client.force_login(reviewer)
    entries = client.get(reverse("exams:review_queue")).context["entries"]
    assert [e["version"].item.ref for e in entries] == [second.ref, first.ref]
    assert own.ref not in [e["version"].item.ref for e in entries]


def test_the_audit_trail_shows_each_step_with_who_and_why(client, author, reviewer, make_item):
    item = make_item(status="in_review")
    version_transition(version=item.current_version, action="approve", by=reviewer, comment="Keyed right")
    client.force_login(author)
    page = client.get(reverse("exams:item_detail", args=[item.pk])).content.decode()
    trail = page.split('data-testid="audit-trail"')[1].split("</ol>")[0]
    assert "Ready for review" in trail and "Keyed right" in trail
    assert "In review → Approved" in trail and "Ravi Menon" in trail


# --- versions and their differences ----------------------------------------------------------


@pytest.fixture
def revised_item(make_item, author, reviewer):
    item = make_item(status="in_review")
    version_transition(version=item.current_version, action="approve", by=reviewer, comment="Good")
    item_edit(
        item=item,
        content=ItemContent(
            type="single",
            stem="<p>A caller reports that the Wi-Fi drops every hour. What should the analyst log first?</p>",
            rationale="Symptoms and their timing drive diagnosis and later trend analysis.",
            options=[
                OptionData("The exact symptom and when it started", False, "Right: facts first."),
                OptionData("The caller's guess at the cause", False, "Guesses mislead diagnosis."),
                OptionData("A workaround found on a forum", False, "Not verified."),
                OptionData("The router's model and firmware", True, "Needed for the vendor."),
            ],
        ),
        by=author,
    )
    item.refresh_from_db()
    return item


def test_the_version_diff_marks_what_changed_in_the_stem_options_and_key(revised_item):
    old, new = revised_item.versions.order_by("number")
    sections = {s.name: s for s in version_diff(old, new)}
    stem = sections["Stem"].segments
    assert ("delete", "VPN") in [(s.op, s.text) for s in stem]
    assert ("insert", "Wi-Fi") in [(s.op, s.text) for s in stem]
    assert "".join(s.text for s in stem if s.op != "insert") == old.stem
    assert "".join(s.text for s in stem if s.op != "delete") == new.stem
    options = sections["Options"].segments
    assert "4. The router's model and firmware — feedback: Needed for the vendor." in "".join(
        s.text for s in options if s.op != "delete"
    )
    assert "4. Nothing until the fault reproduces" in "".join(s.text for s in options if s.op != "insert")
    key = sections["Key"].segments
    assert "".join(s.text for s in key if s.op != "insert") == "1. The exact symptom and when it started"
    assert "".join(s.text for s in key if s.op != "delete") == "4. The router's model and firmware"
    assert not sections["Rationale"].changed and not sections["Type"].changed


def test_the_item_page_shows_the_history_and_a_diff_between_any_two_versions(client, author, revised_item):
    client.force_login(author)
    url = reverse("exams:item_detail", args=[revised_item.pk])
    page = client.get(url).content.decode()
    versions = page.split('data-testid="versions"')[1].split("</table>")[0]
    assert "Approved" in versions and "Draft" in versions
    diff = page.split('data-testid="diff"')[1]
    assert "<del>VPN</del><ins>Wi-Fi</ins>" in diff
    assert "Exams draw version 1, the approved one" in page

    same = client.get(url, {"old": 2, "new": 2}).content.decode()
    assert 'data-testid="diff"' not in same and "Choose two different versions to compare." in same
