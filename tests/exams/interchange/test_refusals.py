"""Files refused as a whole: XML with a DTD or entities in every format, unsafe archives."""

import zipfile

import pytest
from django.core.management import CommandError, call_command

from exams.interchange.detect import plan_from_file
from exams.interchange.safety import UnsafeFile
from exams.models import Item, ItemAsset, Tag

from .conftest import zip_bytes

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
"""
QTI3_XXE = (
    XXE
    + b"""<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="x" title="&xxe;">
<qti-item-body><p>&xxe;</p></qti-item-body></qti-assessment-item>"""
)
QTI2_XXE = (
    XXE
    + b"""<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="x" title="&xxe;">
<itemBody><p>&xxe;</p></itemBody></assessmentItem>"""
)
MOODLE_XXE = (
    XXE
    + b"""<quiz><question type="truefalse"><name><text>&xxe;</text></name>
<questiontext format="html"><text>&xxe;</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>"""
)
MOODLE_OK = b"""<?xml version="1.0"?><quiz><question type="truefalse"><name><text>Plain</text></name>
<questiontext format="html"><text>Is the sky blue?</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<quiz><question type="category"><category><text>&lol2;</text></category></question></quiz>"""


def _bank_state():
    return Item.objects.count(), Tag.objects.count(), ItemAsset.objects.count()


@pytest.mark.parametrize(
    "data",
    [QTI3_XXE, QTI2_XXE, MOODLE_XXE, BILLION_LAUGHS, zip_bytes({"imsmanifest.xml": XXE + b"<manifest/>"})],
    ids=["qti3", "qti2", "moodle", "billion-laughs", "qti-manifest-in-zip"],
)
def test_xml_declaring_a_dtd_or_entities_is_refused_and_changes_nothing(standards_loaded, media_root, data, tmp_path):
    before = _bank_state()
    with pytest.raises(UnsafeFile, match="DTD or entities"):
        plan_from_file(data, filename="evil.xml")
    path = tmp_path / "evil.xml"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="refuses such XML"):
        call_command("import_bank", str(path))
    assert _bank_state() == before


def test_an_entity_inside_a_package_item_is_refused(standards_loaded):
    manifest = b"""<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>
      <resource identifier="a" type="imsqti_item_xmlv2p2" href="a.xml"><file href="a.xml"/></resource>
    </resources></manifest>"""
    with pytest.raises(UnsafeFile, match="a.xml declares a DTD"):
        plan_from_file(zip_bytes({"imsmanifest.xml": manifest, "a.xml": QTI2_XXE}), filename="p.zip")


def test_the_same_moodle_file_without_the_entity_is_read(standards_loaded):
    plan = plan_from_file(MOODLE_OK, filename="ok.xml")
    assert [i.type for i in plan.to_import] == ["truefalse"]


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/etc/x", "..\\x", "C:/x"])
def test_a_zip_entry_that_leaves_the_package_is_refused(standards_loaded, tmp_path, name):
    data = zip_bytes({"imsmanifest.xml": b"<manifest/>", name: b"boom"})
    with pytest.raises(UnsafeFile, match="path traversal|leaves the package"):
        plan_from_file(data, filename="evil.zip")
    path = tmp_path / "evil.zip"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="path traversal"):
        call_command("import_bank", str(path))
    assert Item.objects.count() == 0


def test_a_zip_bomb_is_refused_before_it_is_unpacked(standards_loaded):
    data = zip_bytes({"imsmanifest.xml": b"<manifest/>", "bomb.xml": b"\0" * (20 * 1024 * 1024)})
    assert len(data) < 100_000
    with pytest.raises(UnsafeFile, match="zip bomb"):
        plan_from_file(data, filename="bomb.zip")


def test_an_archive_that_unpacks_to_too_much_is_refused(standards_loaded, settings, monkeypatch):
    from exams.interchange import safety

    monkeypatch.setattr(safety, "MAX_UNPACKED_BYTES", 1000)
    entries = {f"f{n}.txt": bytes(range(256)) * 2 for n in range(5)}
    with pytest.raises(UnsafeFile, match="more than"):
        plan_from_file(zip_bytes(entries, compression=zipfile.ZIP_STORED), filename="big.zip")


def test_a_file_that_is_neither_xml_zip_nor_text_is_refused(standards_loaded):
    with pytest.raises(UnsafeFile, match="not UTF-8"):
        plan_from_file(b"\xff\xfe\x00\x01garbage", filename="x.bin")
