"""The bank browser: every filter narrows the list, the page costs a fixed number of queries,
and the bulk actions change what they say and nothing else."""

import pytest
from django.urls import reverse

from exams.bank import ItemTags, OptionData, item_set_tags
from exams.models import Item, ItemEvent
from exams.models.bank import VersionStatus
from standards.models import Competency, Level, Standard
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

BANK = reverse("exams:bank")


def _refs(response) -> set[str]:
    return {item.ref for item in response.context["page"]}


@pytest.fixture
def bank(make_item, author, program_admin):
    """A small bank with one item standing out on each filter."""
    sfia = Standard.objects.get(code="CSMG")
    level = Level.objects.get(standard=sfia, number=4)
    return {
        "plain": make_item(stem="<p>How should a ticket be prioritised when impact is high?</p>"),
        "approved": make_item(stem="<p>Which metric shows first-contact resolution?</p>", status="approved"),
        "in_review": make_item(stem="<p>What does a knowledge article need first?</p>", status="in_review"),
        "retired": make_item(stem="<p>Which old SLA clause applied to fax support?</p>", status="retired"),
        "ccsm": make_item(stem="<p>What span of control suits a team leader?</p>", competency_code="CCSM-2.1"),
        "sfia": make_item(
            stem="<p>Who enables colleagues to resolve incidents?</p>", competency_code="CSMG-INCIDENT", level=level
        ),
        "other_author": make_item(stem="<p>What is a warm transfer?</p>", by=program_admin),
        "ordering": make_item(
            stem="<p>Put the escalation steps in order.</p>",
            type="ordering",
            options=[OptionData("Log"), OptionData("Diagnose"), OptionData("Escalate")],
        ),
        "tagged": make_item(stem="<p>Which channel suits a long explanation?</p>", tags=("channels",)),
        "enemy": make_item(stem="<p>When is a callback promised?</p>", enemy_group="callbacks"),
    }


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client


def test_without_filters_every_item_is_listed(author_client, bank):
    assert _refs(author_client.get(BANK)) == {item.ref for item in bank.values()}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda b: {"standard": Standard.objects.get(code="CCSM").pk}, {"ccsm"}),
        (lambda b: {"domain": b["ccsm"].competency.domain_id}, {"ccsm"}),
        (lambda b: {"competency": Competency.objects.get(code="CSMG-INCIDENT").pk}, {"sfia"}),
        (lambda b: {"level": b["sfia"].level_id}, {"sfia"}),
        (lambda b: {"status": "approved"}, {"approved"}),
        (lambda b: {"status": "in_review"}, {"in_review"}),
        (lambda b: {"status": "retired"}, {"retired"}),
        (lambda b: {"author": b["other_author"].created_by_id}, {"other_author"}),
        (lambda b: {"type": "ordering"}, {"ordering"}),
        (lambda b: {"q": "SPAN OF CONTROL"}, {"ccsm"}),
        (lambda b: {"q": b["enemy"].ref}, {"enemy"}),
        (lambda b: {"tag": "Channels"}, {"tagged"}),
        (lambda b: {"enemy_group": "callbacks"}, {"enemy"}),
        (lambda b: {"standard": Standard.objects.get(code="CSS").pk, "status": "approved"}, {"approved"}),
    ],
    ids=[
        "standard",
        "domain",
        "competency",
        "level",
        "status-approved",
        "status-in-review",
        "status-retired",
        "author",
        "type",
        "text-in-stem",
        "text-in-ref",
        "tag",
        "enemy-group",
        "standard-and-status",
    ],
)
def test_each_filter_narrows_the_list_to_the_matching_items(author_client, bank, params, expected):
    response = author_client.get(BANK, params(bank))
    assert response.status_code == 200
    assert _refs(response) == {bank[name].ref for name in expected}


def test_a_bad_filter_value_is_shown_as_an_error_and_the_others_still_apply(author_client, bank):
    response = author_client.get(BANK, {"standard": "not-a-number", "status": "approved"})
    assert "standard" in response.context["filters"].errors
    assert _refs(response) == {bank["approved"].ref}


def test_the_page_size_can_be_chosen_and_pages_follow_each_other(author_client, make_item):
    for n in range(30):
        make_item(stem=f"<p>Question number {n} about queue handling?</p>")
    first = author_client.get(BANK, {"per_page": 25})
    second = author_client.get(BANK, {"per_page": 25, "page": 2})
    assert len(first.context["page"]) == 25 and len(second.context["page"]) == 5
    assert not _refs(first) & _refs(second)
    assert len(author_client.get(BANK, {"per_page": 50}).context["page"]) == 30


def test_sorting_by_last_change_puts_the_latest_edited_item_first(author_client, make_item, author):
    older, newer = make_item(), make_item()
    item_set_tags(item=older, tags=ItemTags(competency=older.competency, difficulty=5), by=author)
    refs = [i.ref for i in author_client.get(BANK, {"sort": "-updated"}).context["page"]]
    assert refs[:2] == [older.ref, newer.ref]
    refs = [i.ref for i in author_client.get(BANK, {"sort": "-ref"}).context["page"]]
    assert refs == sorted(refs, reverse=True)


@pytest.mark.parametrize("per_page", [25, 100])
def test_the_list_costs_the_same_queries_whatever_the_page_size(
    client, make_item, author, program_admin, django_assert_num_queries, per_page
):
    others = [make_user(f"author{n}", first_name=f"A{n}") for n in range(3)]
    for n in range(120):
        make_item(
            stem=f"<p>Scenario {n}: which step comes first?</p>",
            by=([author, program_admin, *others])[n % 5],
            tags=(f"tag{n % 4}", "common"),
            status="approved" if n % 3 else "draft",
        )
    client.force_login(author)
    # user, roles (the session comes from the cache); competencies, levels, authors; count, page, the page's tags
    with django_assert_num_queries(8):
        response = client.get(BANK, {"per_page": per_page, "q": "scenario", "sort": "-updated"})
    assert len(response.context["page"]) == per_page


# --- bulk actions ------------------------------------------------------------------------------


def test_bulk_tagging_sets_the_chosen_tags_on_the_selected_items_only(author_client, bank, author):
    chosen, untouched = [bank["plain"], bank["approved"]], bank["enemy"]
    competency = Competency.objects.get(code="CSS-SKL-COMM")
    response = author_client.post(
        reverse("exams:bank_bulk"),
        {
            "items": [i.pk for i in chosen],
            "action": "tag",
            "competency": competency.pk,
            "difficulty": 4,
            "enemy_group": "comms-1",
            "add_tag": "reviewed-2026",
            "next": BANK + "?status=approved",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == BANK + "?status=approved"
    assert "Tags set on 2 of 2 selected items." in response.content.decode()
    for item in chosen:
        item.refresh_from_db()
        assert (item.competency, item.difficulty, item.enemy_group) == (competency, 4, "comms-1")
        assert "reviewed-2026" in item.tags.values_list("name", flat=True)
        assert item.events.filter(kind=ItemEvent.Kind.TAGGED, actor=author).exists()
    untouched.refresh_from_db()
    assert untouched.enemy_group == "callbacks" and untouched.competency.code == "CSS-PRC-DOC"


def test_bulk_tagging_keeps_existing_tags_and_leaves_unchosen_fields_alone(author_client, bank):
    item = bank["tagged"]
    author_client.post(reverse("exams:bank_bulk"), {"items": [item.pk], "action": "tag", "add_tag": "extra"})
    item.refresh_from_db()
    assert set(item.tags.values_list("name", flat=True)) == {"channels", "extra"}
    assert item.difficulty == 2 and item.competency.code == "CSS-PRC-DOC"


def test_bulk_tagging_with_a_level_of_another_standard_changes_nothing(author_client, bank):
    item = bank["plain"]
    level = Level.objects.get(standard__code="CSMG", number=3)
    response = author_client.post(
        reverse("exams:bank_bulk"),
        {"items": [item.pk], "action": "tag", "competency": item.competency_id, "level": level.pk},
        follow=True,
    )
    assert "Level: This level belongs to another standard" in response.content.decode()
    item.refresh_from_db()
    assert item.level is None


def test_bulk_tagging_needs_a_selection_and_something_to_set(author_client, bank):
    response = author_client.post(reverse("exams:bank_bulk"), {"action": "tag", "difficulty": 3}, follow=True)
    assert "Select at least one item." in response.content.decode()
    response = author_client.post(
        reverse("exams:bank_bulk"), {"items": [bank["plain"].pk], "action": "tag"}, follow=True
    )
    assert "Choose at least one tag to set." in response.content.decode()


def test_bulk_retire_retires_the_approved_versions_and_says_how_many(client, bank, reviewer):
    client.force_login(reviewer)
    approved, draft = bank["approved"], bank["plain"]
    response = client.post(
        reverse("exams:bank_bulk"),
        {"items": [approved.pk, draft.pk], "action": "retire", "comment": "Replaced by the 2026 syllabus"},
        follow=True,
    )
    page = response.content.decode()
    assert "Retired 1 of 2 selected items." in page
    assert "Items without an approved version were left as they are." in page
    approved.refresh_from_db()
    draft.refresh_from_db()
    assert approved.current_version.status == VersionStatus.RETIRED and approved.approved_version is None
    assert draft.current_version.status == VersionStatus.DRAFT
    event = approved.events.get(kind=ItemEvent.Kind.TRANSITION, to_status=VersionStatus.RETIRED)
    assert event.comment == "Replaced by the 2026 syllabus" and event.actor == reviewer


def test_bulk_retire_without_a_comment_changes_nothing(client, bank, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("exams:bank_bulk"), {"items": [bank["approved"].pk], "action": "retire", "comment": " "}, follow=True
    )
    assert "Why retire them?: Say why, in a comment." in response.content.decode()
    assert Item.objects.get(pk=bank["approved"].pk).current_version.status == VersionStatus.APPROVED


def test_an_author_cannot_bulk_retire_and_nothing_changes(author_client, bank):
    page = author_client.get(BANK).content.decode()
    assert 'value="retire"' not in page
    response = author_client.post(
        reverse("exams:bank_bulk"),
        {"items": [bank["approved"].pk], "action": "retire", "comment": "Old"},
        follow=True,
    )
    assert "Nothing was changed" in response.content.decode()
    assert Item.objects.get(pk=bank["approved"].pk).current_version.status == VersionStatus.APPROVED


def test_bulk_actions_never_redirect_off_site(author_client, bank):
    response = author_client.post(
        reverse("exams:bank_bulk"),
        {"items": [bank["plain"].pk], "action": "tag", "difficulty": 3, "next": "https://evil.example/"},
    )
    assert response.url == BANK
