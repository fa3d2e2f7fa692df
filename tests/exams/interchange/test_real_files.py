"""Importers on files other tools wrote (../shared/interop/, read in place, never copied)."""

import pytest

from exams.interchange.detect import plan_from_file
from exams.interchange.plan import ImportRefused, import_plan_apply
from exams.models import Item, ItemAsset


def _plan(interop, relative):
    path = interop / relative
    return plan_from_file(path.read_bytes(), filename=path.name)


def _keys(planned):
    return [o.identifier for o in planned.content.options if o.is_correct]


def test_qti3_single_choice_keeps_its_key_and_warns_of_the_missing_image(interop, standards_loaded):
    plan = _plan(interop, "qti3/choice.xml")
    (item,) = plan.to_import
    assert (item.name, item.type, _keys(item)) == ("Unattended Luggage", "single", ["ChoiceA"])
    assert "What does it say?" in item.content.stem
    assert any("images/sign.png" in w and "missing" in w for w in item.warnings)


def test_qti3_and_qti2_multiple_response_agree_and_score_by_mapping(interop, standards_loaded):
    three, two = _plan(interop, "qti3/choice_multiple.xml"), _plan(interop, "qti2/choice_multiple.xml")
    for plan in (three, two):
        (item,) = plan.to_import
        assert (item.type, item.content.scoring, _keys(item)) == ("multiple", "partial", ["H", "O"])
        assert "used to form water" in item.content.stem
    assert [o.text for o in three.items[0].content.options] == [o.text for o in two.items[0].content.options]


def test_qti3_and_qti2_ordering_put_the_options_in_the_key_order(interop, standards_loaded):
    for relative in ("qti3/order.xml", "qti2/order.xml"):
        (item,) = _plan(interop, relative).to_import
        assert item.type == "ordering"
        assert [o.identifier for o in item.content.options] == ["DriverC", "DriverA", "DriverB"]


def test_the_cito_item_with_a_bom_and_a_missing_tiff_imports(interop, standards_loaded):
    (item,) = _plan(interop, "qti3/d3fc4cde-5dc0-451c-b2a5-3df3ba554e3e.xml").to_import
    assert [o.text for o in item.content.options if o.is_correct] == ["€ 3"]
    assert any("Rd515747.tiff" in w for w in item.warnings)


def test_the_bbqs_package_lists_its_unsupported_items_by_name_and_type_and_imports_the_rest(
    interop, standards_loaded, author, media_root
):
    plan = _plan(interop, "qti3/BBQsTest/BBQsTest.zip")
    assert len(plan.items) == 22
    assert len(plan.unsupported) == 15
    unsupported = {i.name: i.source_type for i in plan.unsupported}
    assert unsupported["Local Maximum"] == "select point"
    assert unsupported["Upload a file"] == "upload"
    assert unsupported["What sort of triangle"] == "composite (inline choice, text entry)"
    assert plan.with_errors == []
    with pytest.raises(ImportRefused, match="15 items are of types certdesk does not support"):
        import_plan_apply(plan, author=author, skip_unsupported=False)
    assert Item.objects.count() == 0

    types = sorted(i.type for i in plan.to_import)
    assert types == ["multiple", "ordering", "ordering", "single", "single", "single", "truefalse"]
    mountains = next(i for i in plan.to_import if i.name == "Scottish Mountains")
    assert any("flickrMash.css" in w for w in mountains.warnings)
    assert any("flattened" in w for w in mountains.warnings)
    result = import_plan_apply(plan, author=author, skip_unsupported=True)
    assert len(result.created) == Item.objects.count() == 7


def test_tao_packages_import_or_list_their_hotspot(interop, standards_loaded, author):
    plan = _plan(interop, "qti2/qti22.zip")
    assert [(i.name, i.type) for i in plan.to_import] == [
        ("What is TAO?", "single"),
        ("What are his favourite collectables?", "single"),
        ("What does mean GT?", "single"),
    ]
    ampersand = _plan(interop, "qti2/package_with_ampersand.zip")
    assert [(i.source_type, i.supported) for i in ampersand.items] == [("hotspot", False)]
    assert ampersand.refusal(skip_unsupported=True) == ""
    assert ampersand.to_import == []


def test_qti2_item_without_a_key_is_an_error_naming_it(interop, standards_loaded):
    plan = _plan(interop, "qti2/exported_item_2_2.xml")
    (item,) = plan.with_errors
    assert "Item 1 has no answer key" in " ".join(item.errors)
    assert "exported_item_2_2.xml" in item.where
    assert "Item 1" in plan.refusal(skip_unsupported=True)


def test_qti2_composite_and_legacy_items(interop, standards_loaded):
    composite = _plan(interop, "qti2/i1452699358831159_hasModal_willChange/qti.xml")
    assert composite.items[0].source_type == "composite (choice, order, inline choice)"
    history = _plan(interop, "qti2/qti_history.xml")
    assert history.format == "QTI 2.0 item"
    (item,) = history.to_import
    assert [o.text for o in item.content.options][0] == "Prehistory"
    assert any("style.css" in w for w in item.warnings)


def test_moodle_files_import_with_categories_as_tags_and_images_as_assets(
    interop, standards_loaded, author, media_root
):
    nested = _plan(interop, "moodle-xml/nested_categories_with_questions.xml")
    assert {i.name: i.tags for i in nested.to_import} == {
        "Iota Question": ["Iota"],
        "Kappa Question": ["Iota/Kappa"],
        "Lambda Question": ["Iota/Kappa/Lambda"],
        "Mu Question": ["Iota/Mu"],
    }
    assert [(i.name, i.source_type) for i in nested.unsupported] == [("Kappa Essay Question", "essay")]

    multi = _plan(interop, "moodle-xml/testquestion.moodle.xml")
    (item,) = multi.to_import
    assert (item.type, item.content.scoring) == ("multiple", "partial")
    assert [o.text for o in item.content.options if o.is_correct] == ["London", "Paris"]

    truefalse = _plan(interop, "moodle-xml/truefalse.xml")
    import_plan_apply(truefalse, author=author, skip_unsupported=False)
    stems = list(Item.objects.values_list("current_version__stem", flat=True))
    assert len(stems) == 2 and all('<img src="/media/bank/assets/' in s for s in stems)
    assert ItemAsset.objects.count() == 1  # one image shared by both questions

    legacy = _plan(interop, "moodle-xml/sample_questions_with_old_image_tag.xml")
    assert [i.source_type for i in legacy.unsupported] == ["cloze (embedded answers)"]
    assert len(legacy.to_import) == 1

    single = _plan(interop, "moodle-xml/multichoice.xml")
    (item,) = single.to_import
    assert [o.text for o in item.content.options if o.is_correct] == ["French"]


@pytest.mark.parametrize(
    ("relative", "unsupported"),
    [
        ("gift/questions.gift.txt", {"essay", "matching", "numerical", "short answer"}),
        ("gift/questions_in_category.gift.txt", {"matching", "short answer"}),
        ("gift/options1.gift", {"numerical", "short answer"}),
        ("gift/mcHTMLComment.gift", set()),
    ],
)
def test_gift_files_list_their_unsupported_types_and_import_the_rest(
    interop, standards_loaded, author, relative, unsupported
):
    plan = _plan(interop, relative)
    assert {i.source_type for i in plan.unsupported} == unsupported
    assert plan.with_errors == []
    result = import_plan_apply(plan, author=author, skip_unsupported=True)
    assert len(result.created) == len(plan.to_import) > 0


def test_gift_category_and_html_escapes_survive(interop, standards_loaded):
    plan = _plan(interop, "gift/questions_in_category.gift.txt")
    greeting = next(i for i in plan.to_import if i.name == "Greeting")
    assert greeting.tags == ["Default for New Features"]
    assert "Listen to this greeting:" in greeting.content.stem
    comment = _plan(interop, "gift/mcHTMLComment.gift").to_import[0]
    assert "Ley de Enjuiciamiento Criminal" in comment.content.rationale
    assert "<!--" not in comment.content.rationale
