"""import_bank and export_bank from the command line."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from accounts.services import system_user
from exams.models import Item, ItemVersion

from .conftest import bank_snapshot

SUPPORTED_AND_NOT = """::Good:: Which? {=right ~wrong ~other}

::Essay:: Tell us. {}
"""
ONLY_UNSUPPORTED = """::Essay:: Tell us. {}

::Number:: How many? {#3}
"""


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.fixture
def gift_file(tmp_path):
    def write(text, name="bank.gift"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_unsupported_items_stop_the_import_unless_skipped(standards_loaded, gift_file):
    path = gift_file(SUPPORTED_AND_NOT)
    with pytest.raises(CommandError, match=r"Essay \(essay\)"):
        call_command("import_bank", path, stdout=io.StringIO())
    assert Item.objects.count() == 0
    output = _run("import_bank", path, "--skip-unsupported")
    assert "unsupported: Essay (essay) at line 3" in output
    assert "Imported 1 item(s) (1 draft)" in output
    assert Item.objects.get().created_by == system_user()


def test_a_dry_run_succeeds_exactly_when_the_import_would_and_saves_nothing(standards_loaded, gift_file, author):
    path = gift_file(SUPPORTED_AND_NOT)
    with pytest.raises(CommandError):
        call_command("import_bank", path, "--dry-run", stdout=io.StringIO())
    output = _run("import_bank", path, "--dry-run", "--skip-unsupported", "--author", author.username)
    assert "Dry run: 1 item(s) would be imported" in output
    assert Item.objects.count() == 0 and ItemVersion.objects.count() == 0
    _run("import_bank", path, "--skip-unsupported", "--author", author.username)
    assert Item.objects.get().created_by == author


def test_a_file_with_only_unsupported_items_has_nothing_to_import(standards_loaded, gift_file):
    path = gift_file(ONLY_UNSUPPORTED)
    with pytest.raises(CommandError, match="2 items are of types certdesk does not support"):
        call_command("import_bank", path, stdout=io.StringIO())
    output = _run("import_bank", path, "--skip-unsupported")
    assert "unsupported: Essay (essay)" in output and "unsupported: Number (numerical)" in output
    assert "Nothing to import" in output
    assert Item.objects.count() == 0


def test_an_empty_file_says_so_and_succeeds(standards_loaded, gift_file):
    assert "Nothing to import" in _run("import_bank", gift_file("// only a comment\n"))


def test_an_unknown_author_or_missing_file_is_a_clear_error(standards_loaded, gift_file, tmp_path):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("import_bank", gift_file(SUPPORTED_AND_NOT), "--author", "nobody")
    with pytest.raises(CommandError, match="No file at"):
        call_command("import_bank", str(tmp_path / "missing.gift"))


def test_our_own_export_keeps_status_and_reimporting_it_skips_what_is_there(small_bank, tmp_path, media_root):
    out = tmp_path / "bank.zip"
    assert "Exported 4 item(s)" in _run("export_bank", "--format", "qti3", "--out", str(out))
    before = bank_snapshot()
    assert {ref: row["status"] for ref, row in before.items()} == {
        "T-SINGLE": "approved",
        "T-MULTI": "approved",
        "T-TF": "draft",
        "T-ORDER": "approved",
    }
    output = _run("import_bank", str(out))
    assert "Nothing to import" in output and "Already in the bank as T-SINGLE" in output

    Item.objects.all().delete()
    _run("import_bank", str(out))
    assert bank_snapshot() == before


@pytest.mark.parametrize("fmt", ["moodle", "gift"])
def test_small_bank_round_trips_through_moodle_and_gift(small_bank, tmp_path, fmt):
    out = tmp_path / f"bank.{fmt}"
    output = _run("export_bank", "--format", fmt, "--out", str(out))
    before = bank_snapshot()
    Item.objects.all().delete()
    _run("import_bank", str(out))
    after = bank_snapshot()
    if fmt == "moodle":
        assert after == before
        return
    assert "T-ORDER is an ordering item" in output
    assert len(after) == 3  # GIFT names are not references: the items get new ones
    for row in after.values():
        assert row["status"] == "draft"  # GIFT carries no competency, so items land as drafts
    keys = sorted((row["type"], [o[2] for o in row["options"]]) for row in after.values())
    assert keys == [
        ("multiple", [True, True, False]),
        ("single", [True, False, False]),
        ("truefalse", [False, True]),
    ]


def test_csv_export_lists_every_current_item_with_tags_and_guards_formulas(small_bank, tmp_path):
    from exams.bank import ItemContent, OptionData, item_edit

    item = Item.objects.get(ref="T-SINGLE")
    item_edit(
        item=item,
        content=ItemContent(
            type="single", stem="<p>=HYPERLINK(1)</p>", options=[OptionData("a", True), OptionData("b")]
        ),
        by=item.created_by,
    )
    out = tmp_path / "bank.csv"
    _run("export_bank", "--format", "csv", "--out", str(out))
    text = out.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("ref,version,status,type")
    single = next(line for line in lines if line.startswith("T-SINGLE"))
    assert single.startswith("T-SINGLE,2,draft,single")
    assert "'=HYPERLINK(1)" in single
    assert "first; second/level" in single
    assert len(lines) == 5


def test_export_writes_a_valid_package(small_bank, tmp_path):
    out = tmp_path / "bank.zip"
    _run("export_bank", "--format", "qti3", "--out", str(out))
    names = zipfile.ZipFile(out).namelist()
    assert names[0] == "imsmanifest.xml"
    assert sorted(names[1:]) == ["items/T-MULTI.xml", "items/T-ORDER.xml", "items/T-SINGLE.xml", "items/T-TF.xml"]
    with pytest.raises(CommandError, match="No folder"):
        call_command("export_bank", "--format", "csv", "--out", str(tmp_path / "nope" / "x.csv"))
