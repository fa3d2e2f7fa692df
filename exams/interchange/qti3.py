"""QTI 3.0 export: single items, and the whole bank as a content package (zip with imsmanifest.xml).

Choice and order interactions with the key as the correct response; partial-credit multiple
response carries a mapping scored by map_response. Per-option feedback is inline feedback and
the rationale a modal feedback. What QTI has no place for (competency, level, difficulty,
enemy group, tags, status, reference) goes into the manifest under certdesk's own namespace,
so our own round trip restores it and other tools ignore it.
"""

import io
import posixpath
import re
import zipfile
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, SubElement, indent, register_namespace, tostring

from django.conf import settings
from django.utils import timezone

from exams.interchange.qti_read import CERTDESK_NS, QTI3_NS, RATIONALE_ID, VOID_TAGS
from exams.interchange.selectors import item_tag_names
from exams.models import Item, ItemAsset, ItemVersion
from exams.models.bank import ItemType, Scoring

CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
QTI_MD_NS = "http://www.imsglobal.org/xsd/imsqti_metadata_v3p0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ITEM_SCHEMA = f"{QTI3_NS} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
CP_SCHEMA = f"{CP_NS} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd"
RP_TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"

register_namespace("certdesk", CERTDESK_NS)
register_namespace("imsqti", QTI_MD_NS)


def _q(name: str) -> str:
    # Elements of the document's default namespace stay unqualified and the root declares it:
    # ElementTree's default_namespace option cannot serialise unqualified attributes.
    return name


def _identifier(value: str, prefix: str = "I") -> str:
    """QTI identifiers are XML names: letters, digits, '_', '-', '.', not starting with a digit."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", value) or prefix
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"{prefix}-{cleaned}"


class _HtmlToXml(HTMLParser):
    """Stems are sanitised HTML; the item body needs the same content as XML elements."""

    def __init__(self, on_image) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("body")
        self.stack = [self.root]
        self.on_image = on_image

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "img":
            attributes["src"] = self.on_image(attributes.get("src", ""))
            attributes.setdefault("alt", "")
        element = SubElement(self.stack[-1], _q(tag), attributes)
        if tag not in VOID_TAGS:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == _q(tag):
                del self.stack[depth:]
                return

    def handle_data(self, data):
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


class _AssetCollector:
    """Images of our own media go into the package beside the items that show them."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.media_prefix = "/" + settings.MEDIA_URL.strip("/") + "/"

    def package_path(self, src: str) -> str | None:
        if not src.startswith(self.media_prefix):
            return None
        name = src.removeprefix(self.media_prefix)
        asset = ItemAsset.objects.filter(file=name).first()
        if asset is None:
            return None
        path = f"assets/{asset.sha256}/{posixpath.basename(asset.file.name)}"
        if path not in self.files:
            with asset.file.open("rb") as handle:
                self.files[path] = handle.read()
        return path


def _choice_tags(version: ItemVersion) -> tuple[str, str]:
    if version.type == ItemType.ORDERING:
        return "ordered", "qti-order-interaction"
    if version.type == ItemType.MULTIPLE:
        return "multiple", "qti-choice-interaction"
    return "single", "qti-choice-interaction"


def _value(parent: Element, tag: str, text: str, **attrs) -> Element:
    element = SubElement(parent, _q(tag), attrs)
    element.text = text
    return element


def qti3_item(item: Item, version: ItemVersion, *, assets: _AssetCollector | None = None, base: str = "") -> Element:
    """One item version as a qti-assessment-item element."""
    options = list(version.options.all())
    ids = {o.pk: _identifier(o.identifier or f"choice_{o.position}", "choice") for o in options}
    cardinality, interaction_tag = _choice_tags(version)
    partial = version.type == ItemType.MULTIPLE and version.scoring == Scoring.PARTIAL
    has_feedback = any(o.feedback for o in options)
    root = Element(
        _q("qti-assessment-item"),
        {
            f"{{{XSI_NS}}}schemaLocation": ITEM_SCHEMA,
            "xmlns": QTI3_NS,
            "identifier": _identifier(item.ref),
            "title": item.ref,
            "adaptive": "false",
            "time-dependent": "false",
        },
    )
    declaration = SubElement(
        root,
        _q("qti-response-declaration"),
        {"identifier": "RESPONSE", "cardinality": cardinality, "base-type": "identifier"},
    )
    correct = SubElement(declaration, _q("qti-correct-response"))
    key = options if version.type == ItemType.ORDERING else [o for o in options if o.is_correct]
    for option in key:
        _value(correct, "qti-value", ids[option.pk])
    if partial:
        mapping = SubElement(
            declaration,
            _q("qti-mapping"),
            {"lower-bound": "0", "upper-bound": str(len(key)), "default-value": "0"},
        )
        for option in options:
            SubElement(
                mapping,
                _q("qti-map-entry"),
                {"map-key": ids[option.pk], "mapped-value": "1" if option.is_correct else "-1"},
            )
    score = SubElement(
        root, _q("qti-outcome-declaration"), {"identifier": "SCORE", "cardinality": "single", "base-type": "float"}
    )
    _value(SubElement(score, _q("qti-default-value")), "qti-value", "0")
    maximum = SubElement(
        root, _q("qti-outcome-declaration"), {"identifier": "MAXSCORE", "cardinality": "single", "base-type": "float"}
    )
    _value(SubElement(maximum, _q("qti-default-value")), "qti-value", str(len(key) if partial else 1))
    if has_feedback:
        SubElement(
            root,
            _q("qti-outcome-declaration"),
            {"identifier": "FEEDBACK", "cardinality": cardinality, "base-type": "identifier"},
        )
    if version.rationale:
        SubElement(
            root,
            _q("qti-outcome-declaration"),
            {"identifier": "FEEDBACKMODAL", "cardinality": "single", "base-type": "identifier"},
        )
    body = SubElement(root, _q("qti-item-body"))
    interaction_attrs = {"response-identifier": "RESPONSE", "shuffle": "true"}
    if version.type != ItemType.ORDERING:
        interaction_attrs["max-choices"] = "0" if version.type == ItemType.MULTIPLE else "1"
    interaction = Element(_q(interaction_tag), interaction_attrs)
    for option in options:
        choice = _value(interaction, "qti-simple-choice", option.text, identifier=ids[option.pk])
        if option.feedback:
            _value(
                choice,
                "qti-feedback-inline",
                option.feedback,
                **{"outcome-identifier": "FEEDBACK", "identifier": ids[option.pk], "show-hide": "show"},
            )
    _response_processing(root, partial=partial, feedback=has_feedback, rationale=bool(version.rationale))
    if version.rationale:
        modal = SubElement(
            root,
            _q("qti-modal-feedback"),
            {"outcome-identifier": "FEEDBACKMODAL", "identifier": RATIONALE_ID, "show-hide": "show"},
        )
        _value(SubElement(modal, _q("qti-content-body")), "p", version.rationale)
    # Indent the frame only: whitespace inside the stem is content.
    indent(root)

    def on_image(src: str) -> str:
        path = assets.package_path(src) if assets else None
        return posixpath.relpath(path, base or ".") if path else src

    converter = _HtmlToXml(on_image)
    converter.feed(version.stem)
    converter.close()
    body.text = converter.root.text
    body.extend(list(converter.root))
    body.append(interaction)
    interaction.tail = "\n  "
    return root


def _set(parent: Element, identifier: str) -> Element:
    return SubElement(parent, _q("qti-set-outcome-value"), {"identifier": identifier})


def _base_value(parent: Element, base_type: str, text: str) -> None:
    _value(parent, "qti-base-value", text, **{"base-type": base_type})


def _response_processing(root: Element, *, partial: bool, feedback: bool, rationale: bool) -> None:
    template = "map_response" if partial else "match_correct"
    if not feedback and not rationale:
        SubElement(root, _q("qti-response-processing"), {"template": RP_TEMPLATES + template})
        return
    # The templates cannot also set the feedback outcomes, so the same rules are written out.
    processing = SubElement(root, _q("qti-response-processing"))
    condition = SubElement(processing, _q("qti-response-condition"))
    branch = SubElement(condition, _q("qti-response-if"))
    if partial:
        is_null = SubElement(branch, _q("qti-is-null"))
        SubElement(is_null, _q("qti-variable"), {"identifier": "RESPONSE"})
        _base_value(_set(branch, "SCORE"), "float", "0")
        otherwise = SubElement(condition, _q("qti-response-else"))
        SubElement(_set(otherwise, "SCORE"), _q("qti-map-response"), {"identifier": "RESPONSE"})
    else:
        match = SubElement(branch, _q("qti-match"))
        SubElement(match, _q("qti-variable"), {"identifier": "RESPONSE"})
        SubElement(match, _q("qti-correct"), {"identifier": "RESPONSE"})
        _base_value(_set(branch, "SCORE"), "float", "1")
        otherwise = SubElement(condition, _q("qti-response-else"))
        _base_value(_set(otherwise, "SCORE"), "float", "0")
    if feedback:
        SubElement(_set(processing, "FEEDBACK"), _q("qti-variable"), {"identifier": "RESPONSE"})
    if rationale:
        _base_value(_set(processing, "FEEDBACKMODAL"), "identifier", RATIONALE_ID)


def qti3_item_xml(item: Item, version: ItemVersion | None = None) -> bytes:
    """A single item file (no package, so its images stay links and its tags stay behind)."""
    element = qti3_item(item, version or item.current_version)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(element, encoding="unicode").encode()


def _metadata(resource: Element, item: Item, version: ItemVersion) -> None:
    metadata = SubElement(resource, "metadata")
    qti_md = SubElement(metadata, f"{{{QTI_MD_NS}}}qtiMetadata")
    interaction = "orderInteraction" if version.type == ItemType.ORDERING else "choiceInteraction"
    SubElement(qti_md, f"{{{QTI_MD_NS}}}interactionType").text = interaction
    block = SubElement(metadata, f"{{{CERTDESK_NS}}}item")

    def put(name: str, value) -> None:
        if value not in (None, ""):
            SubElement(block, f"{{{CERTDESK_NS}}}{name}").text = str(value)

    put("ref", item.ref)
    put("type", version.type)
    put("scoring", version.scoring if version.type == ItemType.MULTIPLE else "")
    put("status", version.status)
    put("version", version.number)
    if item.competency:
        put("standard", item.competency.domain.standard.code)
        put("domain", item.competency.domain.code)
        put("competency", item.competency.code)
    put("level", item.level.number if item.level else None)
    put("difficulty", item.difficulty)
    put("enemy-group", item.enemy_group)
    for tag in item_tag_names(item):
        put("tag", tag)


def export_qti3_package(items) -> tuple[bytes, list[str]]:
    """The items as a QTI 3.0 content package; returns the zip and any warnings."""
    manifest = Element(
        "manifest",
        {
            "xmlns": CP_NS,
            "identifier": "certdesk-bank-" + timezone.now().strftime("%Y%m%d%H%M%S"),
            f"{{{XSI_NS}}}schemaLocation": CP_SCHEMA,
        },
    )
    header = SubElement(manifest, "metadata")
    SubElement(header, "schema").text = "QTI Package"
    SubElement(header, "schemaversion").text = "3.0.0"
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    assets = _AssetCollector()
    files: dict[str, bytes] = {}
    for item in items:
        version = item.current_version
        href = f"items/{_identifier(item.ref)}.xml"
        element = qti3_item(item, version, assets=assets, base="items")
        before = set(assets.files)
        files[href] = b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(element, encoding="unicode").encode()
        resource = SubElement(
            resources,
            "resource",
            {"identifier": "R-" + _identifier(item.ref), "type": "imsqti_item_xmlv3p0", "href": href},
        )
        _metadata(resource, item, version)
        SubElement(resource, "file", {"href": href})
        for path in sorted(set(assets.files) - before):
            SubElement(resource, "file", {"href": f"items/{path}"})
    indent(manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "imsmanifest.xml",
            b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(manifest, encoding="unicode").encode(),
        )
        for path, data in files.items():
            archive.writestr(path, data)
        for path, data in assets.files.items():
            archive.writestr(f"items/{path}", data)
    return buffer.getvalue(), []
