"""The item editor over HTTP: drafts, new versions after approval, errors that name the field,
the live preview as the candidate sees it, and images uploaded into the app's own media."""

import re

import pytest
from django.urls import reverse

from exams.bank import OptionData
from exams.models import Item, ItemAsset, ItemEvent
from exams.models.bank import VersionStatus
from standards.models import Competency, Level

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def form_data(competency, *, options=None, **fields) -> dict:
    options = options or [
        ("Ask the caller to describe the symptom and when it began", True, "Facts first."),
        ("Restart the router straight away", False, "Skips diagnosis."),
        ("Escalate to the network team", False, "Too early."),
    ]
    data = {
        "type": "single",
        "scoring": "all_or_nothing",
        "stem": "<p>A customer says their <strong>internet drops</strong> every evening. What comes first?</p>",
        "rationale": "Diagnosis starts from the symptom and its timing.",
        "competency": competency.pk,
        "level": "",
        "difficulty": "2",
        "enemy_group": "",
        "tags": "connectivity, evening",
        "comment": "",
        "options-TOTAL_FORMS": str(len(options)),
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "10",
    }
    for n, option in enumerate(options):
        text, correct, feedback = option[:3]
        data[f"options-{n}-text"] = text
        data[f"options-{n}-feedback"] = feedback
        if len(option) > 3:
            data[f"options-{n}-identifier"] = option[3]
        if correct:
            data[f"options-{n}-is_correct"] = "on"
    data.update(fields)
    return data


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client


def test_an_author_creates_a_draft_item_in_the_editor(author_client, author, competency):
    response = author_client.post(reverse("exams:item_create"), form_data(competency))
    item = Item.objects.get()
    assert response.status_code == 302 and response.url == reverse("exams:item_detail", args=[item.pk])
    version = item.current_version
    assert (version.number, version.status, version.type, version.created_by) == (1, "draft", "single", author)
    assert version.stem == form_data(competency)["stem"]
    assert [o.text for o in version.options.all()][1] == "Restart the router straight away"
    assert version.key() == [1]
    assert (item.competency, item.difficulty) == (competency, 2)
    assert sorted(item.tags.values_list("name", flat=True)) == ["connectivity", "evening"]
    page = author_client.get(response.url).content.decode()
    assert f"Item {item.ref} saved as a draft." in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stem": "   "}, "Stem"),
        ({"stem": "<p><script>alert(1)</script></p>"}, "Stem: The stem is empty."),
        ({"options-1-is_correct": "on"}, "Key: A single-choice item has exactly one correct option (it has 2)."),
        ({"options-TOTAL_FORMS": "1"}, "Options: A single-choice item has 2 to 10 options."),
        ({"options-1-text": "ask the caller to describe the symptom and when it began"}, "Options: Two options"),
        ({"type": "essay"}, "Type"),
        ({"difficulty": "9"}, "Difficulty"),
    ],
    ids=["empty-stem", "script-only-stem", "two-keys", "one-option", "duplicate-option", "bad-type", "difficulty"],
)
def test_a_bad_item_is_refused_with_an_error_naming_the_field(author_client, competency, change, message):
    response = author_client.post(reverse("exams:item_create"), form_data(competency, **change))
    assert response.status_code == 400
    errors = response.content.decode().split('data-testid="form-errors"')[1].split("</div>")[0]
    assert message in re.sub(r"<[^>]+>", "", errors)
    assert not Item.objects.exists()


def test_a_level_from_another_standard_is_refused_on_the_level_field(author_client, competency):
    level = Level.objects.get(standard__code="CSMG", number=3)
    response = author_client.post(reverse("exams:item_create"), form_data(competency, level=level.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["level"] == ["This level belongs to another standard than the competency."]
    assert not Item.objects.exists()


def _option_rows(version):
    return [(o.position, o.identifier, o.text, o.is_correct, o.feedback) for o in version.options.all()]


def test_editing_an_approved_item_makes_a_new_version_and_leaves_the_approved_one_unchanged(
    author_client, make_item, competency
):
    item = make_item(status="approved")
    approved = item.approved_version
    fields = ["number", "status", "type", "scoring", "stem", "rationale", "created_by_id", "approved_at"]
    before = {name: getattr(approved, name) for name in fields}
    options_before = _option_rows(approved)

    edit_url = reverse("exams:item_edit", args=[item.pk])
    page = author_client.get(edit_url).content.decode()
    assert "Version 1 is approved and cannot change." in page
    assert "Saving creates version 2 as a draft" in page
    response = author_client.post(
        edit_url,
        form_data(
            competency,
            stem="<p>A customer says their Wi-Fi drops every evening. What comes first?</p>",
            options=[
                ("Ask when the drops happen and what else is running", True, "Facts first."),
                ("Replace the router", False, "Costly guess."),
                ("Escalate to the network team", False, "Too early."),
            ],
        ),
        follow=True,
    )
    assert "Version 2 created as a draft. Version 1 is unchanged and stays approved." in response.content.decode()

    approved.refresh_from_db()
    assert {name: getattr(approved, name) for name in fields} == before
    assert _option_rows(approved) == options_before
    item.refresh_from_db()
    assert item.approved_version_id == approved.pk
    new = item.current_version
    assert (new.number, new.status) == (2, VersionStatus.DRAFT)
    assert new.stem == "<p>A customer says their Wi-Fi drops every evening. What comes first?</p>"
    assert _option_rows(new)[1][2] == "Replace the router"
    assert item.events.filter(kind=ItemEvent.Kind.NEW_VERSION, version=new).exists()


def test_editing_a_draft_changes_it_in_place(author_client, make_item, competency):
    item = make_item()
    response = author_client.post(
        reverse("exams:item_edit", args=[item.pk]), form_data(competency, rationale="Timing tells the cause.")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.versions.count() == 1
    assert item.current_version.rationale == "Timing tells the cause."


def test_changing_only_the_tags_of_an_approved_item_makes_no_new_version(author_client, make_item, competency):
    item = make_item(status="approved")
    version = item.current_version
    data = form_data(
        competency,
        stem=version.stem,
        rationale=version.rationale,
        options=[(o.text, o.is_correct, o.feedback, o.identifier) for o in version.options.all()],
        difficulty="4",
        tags="reviewed",
    )
    response = author_client.post(reverse("exams:item_edit", args=[item.pk]), data, follow=True)
    assert "Tags saved. The text did not change, so there is no new version." in response.content.decode()
    item.refresh_from_db()
    assert item.versions.count() == 1 and item.current_version_id == version.pk
    assert item.difficulty == 4 and list(item.tags.values_list("name", flat=True)) == ["reviewed"]


def test_a_version_in_review_is_not_opened_for_editing(author_client, make_item, competency):
    item = make_item(status="in_review")
    response = author_client.get(reverse("exams:item_edit", args=[item.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("exams:item_detail", args=[item.pk])
    assert "This version is in review: withdraw it before editing." in response.content.decode()
    author_client.post(reverse("exams:item_edit", args=[item.pk]), form_data(competency, rationale="Sneaky"))
    item.refresh_from_db()
    assert item.current_version.rationale != "Sneaky"


def test_only_its_author_edits_a_draft_but_anyone_writing_items_may_revise_an_approved_one(
    client, make_item, program_admin, competency
):
    draft, approved = make_item(), make_item(status="approved")
    client.force_login(program_admin)
    assert client.get(reverse("exams:item_edit", args=[draft.pk])).status_code == 403
    assert client.post(reverse("exams:item_edit", args=[draft.pk]), form_data(competency)).status_code == 403
    draft.refresh_from_db()
    assert "internet drops" not in draft.current_version.stem

    client.post(reverse("exams:item_edit", args=[approved.pk]), form_data(competency))
    approved.refresh_from_db()
    assert approved.current_version.number == 2 and approved.current_version.created_by == program_admin


def test_an_option_added_after_one_is_removed_gets_an_identifier_of_its_own(author_client, make_item, competency):
    item = make_item()
    kept = [(o.text, o.is_correct, o.feedback, o.identifier) for o in item.current_version.options.all()][1:]
    kept[0] = (kept[0][0], True, kept[0][2], kept[0][3])
    kept[1] = (kept[1][0], False, kept[1][2], kept[1][3])
    response = author_client.post(
        reverse("exams:item_edit", args=[item.pk]),
        form_data(competency, options=[*kept, ("A brand new fourth option", False, "")]),
    )
    assert response.status_code == 302
    identifiers = [o.identifier for o in Item.objects.get(pk=item.pk).current_version.options.all()]
    assert identifiers[:3] == ["choice_2", "choice_3", "choice_4"] and len(set(identifiers)) == 4


# --- the live preview ------------------------------------------------------------------------


def test_the_live_preview_shows_what_the_candidate_sees_and_never_the_key(author_client, competency):
    data = form_data(
        competency,
        stem='<p>Which <em>first</em> step?</p><script>steal()</script><img src="https://evil.example/x.png">',
        rationale="SECRET RATIONALE",
        options=[("Listen", True, "SECRET FEEDBACK ONE"), ("Interrupt", False, "SECRET FEEDBACK TWO")],
    )
    response = author_client.post(reverse("exams:item_preview"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<p>Which <em>first</em> step?</p>" in html
    assert "Listen" in html and "Interrupt" in html and "Choose one answer." in html
    for secret in ("SECRET", "checked", "Correct", "script", "evil.example"):
        assert secret not in html


def test_the_preview_of_an_ordering_item_never_lists_the_steps_in_key_order(author_client, competency):
    steps = ["Log the ticket", "Diagnose", "Resolve", "Confirm with the customer", "Close"]
    data = form_data(competency, type="ordering", options=[(s, False, "") for s in steps])
    html = author_client.post(reverse("exams:item_preview"), data).content.decode()
    shown = re.findall(r'<li class="list-group-item">([^<]+)</li>', html)
    assert sorted(shown) == sorted(steps) and shown != steps


def test_the_preview_ignores_removed_and_blank_rows(author_client, competency):
    data = form_data(competency, options=[("Kept", True, ""), ("Removed", False, ""), ("", False, "")])
    data["options-1-DELETE"] = "on"
    html = author_client.post(reverse("exams:item_preview"), data).content.decode()
    assert "Kept" in html and "Removed" not in html and html.count('type="radio"') == 1


def test_the_item_page_shows_the_candidate_view_without_key_feedback_or_rationale(author_client, make_item):
    item = make_item(
        options=[OptionData("Listen first", True, "FEEDBACK-A"), OptionData("Talk first", False, "FEEDBACK-B")]
    )
    page = author_client.get(reverse("exams:item_detail", args=[item.pk])).content.decode()
    candidate = page.split('data-testid="candidate-view"')[1].split("</section>")[0]
    assert "Listen first" in candidate and "Talk first" in candidate
    for hidden in ("FEEDBACK-A", "Correct", item.current_version.rationale):
        assert hidden not in candidate
    assert "FEEDBACK-A" in page  # staff see it in the keyed view above


# --- images ----------------------------------------------------------------------------------


def test_an_uploaded_image_is_stored_in_media_and_can_be_used_in_the_stem(
    author_client, settings, tmp_path, competency
):
    settings.MEDIA_ROOT = tmp_path
    upload = tmp_path / "diagram.png"
    upload.write_bytes(PNG)
    with upload.open("rb") as handle:
        response = author_client.post(reverse("exams:asset_upload"), {"file": handle})
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith("/media/bank/assets/") and url.endswith("/diagram.png")
    asset = ItemAsset.objects.get()
    assert asset.content_type == "image/png" and (tmp_path / asset.file.name).read_bytes() == PNG

    stem = f'<p>What does the diagram show?</p><img src="{url}" alt="Queue diagram">'
    author_client.post(reverse("exams:item_create"), form_data(competency, stem=stem))
    assert f'<img src="{url}" alt="Queue diagram">' in Item.objects.get().current_version.stem


def test_the_same_image_uploaded_twice_is_stored_once(author_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for name in ("a.png", "b.png"):
        path = tmp_path / name
        path.write_bytes(PNG)
        with path.open("rb") as handle:
            author_client.post(reverse("exams:asset_upload"), {"file": handle})
    assert ItemAsset.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data"),
    [("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"), ("fake.png", b"not an image")],
)
def test_files_that_are_not_raster_images_are_refused(author_client, settings, tmp_path, name, data):
    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / name
    path.write_bytes(data)
    with path.open("rb") as handle:
        response = author_client.post(reverse("exams:asset_upload"), {"file": handle})
    assert response.status_code == 400
    assert response.json()["error"] == "Upload a PNG, JPEG, GIF or WebP image."
    assert not ItemAsset.objects.exists()


def test_a_competency_grouped_by_standard_and_domain_is_offered_in_the_editor(author_client, competency):
    page = author_client.get(reverse("exams:item_create")).content.decode()
    assert '<optgroup label="CSS — Process">' in page
    domain = Competency.objects.get(code="CSMG-INCIDENT").domain
    assert f'<optgroup label="CSMG — {domain.name}">' in page
    assert 'data-standard="' in page
