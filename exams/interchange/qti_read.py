"""Reading QTI items and content packages, versions 2.0 to 3.0.

QTI 3.0 spells QTI 2.x's names in kebab case with a `qti-` prefix (choiceInteraction is
qti-choice-interaction, responseIdentifier is response-identifier), so both are read by one
reader that compares names in the 2.x spelling.
"""

import html
import mimetypes
import posixpath
import re
from urllib.parse import unquote, urlparse
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _

from exams.bank import ItemContent, OptionData
from exams.interchange.plan import IMAGE_TYPES, ImportPlan, PlannedItem
from exams.interchange.safety import SafeZip, XmlDoc, local_name, parse_xml
from exams.models.bank import ItemType, Scoring

QTI3_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
QTI2_VERSIONS = {
    "http://www.imsglobal.org/xsd/imsqti_v2p0": "2.0",
    "http://www.imsglobal.org/xsd/imsqti_v2p1": "2.1",
    "http://www.imsglobal.org/xsd/imsqti_v2p2": "2.2",
}
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
CERTDESK_NS = "urn:certdesk:interchange:1"
RATIONALE_ID = "rationale"

HTML_TAGS = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "cite",
    "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "label", "li", "mark", "nav",
    "ol", "p", "pre", "q", "rb", "rp", "rt", "ruby", "s", "samp", "section", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "object", "param",
    "audio", "video", "source", "track", "picture",
}  # fmt: skip
VOID_TAGS = {"br", "hr", "img", "col", "param", "source", "track"}
SUPPORTED_INTERACTIONS = {"choiceInteraction", "orderInteraction"}
INTERACTION_NAMES = {
    "associateInteraction": "associate (matching pairs)",
    "choiceInteraction": "choice",
    "customInteraction": "custom interaction",
    "drawingInteraction": "drawing",
    "endAttemptInteraction": "end attempt",
    "extendedTextInteraction": "extended text (essay)",
    "gapMatchInteraction": "gap match",
    "graphicAssociateInteraction": "graphic associate",
    "graphicGapMatchInteraction": "graphic gap match",
    "graphicOrderInteraction": "graphic order",
    "hotspotInteraction": "hotspot",
    "hottextInteraction": "hot text",
    "inlineChoiceInteraction": "inline choice",
    "matchInteraction": "match",
    "mediaInteraction": "media",
    "orderInteraction": "order",
    "portableCustomInteraction": "portable custom interaction",
    "positionObjectInteraction": "position object",
    "selectPointInteraction": "select point",
    "sliderInteraction": "slider",
    "textEntryInteraction": "text entry",
    "uploadInteraction": "upload",
}
# Item-level elements that carry nothing for the bank, or whose absence changes nothing.
KNOWN_ITEM_CHILDREN = {
    "responseDeclaration",
    "outcomeDeclaration",
    "templateDeclaration",
    "templateProcessing",
    "contextDeclaration",
    "itemBody",
    "responseProcessing",
    "modalFeedback",
    "stylesheet",
    "companionMaterialsInfo",
    "catalogInfo",
    "assessmentStimulusRef",
}
EMPTY_PARAGRAPH = re.compile(r"<(p|div)>\s*</\1>")
TEMPLATE_MARKERS = ("match_correct", "map_response", "map_response_point")


def qti_name(tag: str) -> str:
    """An element's name in QTI 2.x spelling: qti-simple-choice becomes simpleChoice."""
    name = local_name(tag)
    if name.startswith("qti-"):
        first, *rest = name[4:].split("-")
        return first + "".join(part[:1].upper() + part[1:] for part in rest)
    return name


def qti_attr(element: Element, name: str, default: str = "") -> str:
    """An attribute by its QTI 2.x name, found under either spelling."""
    if name in element.attrib:
        return element.attrib[name]
    kebab = re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)
    return element.attrib.get(kebab, default)


def qti_version(root: Element) -> str:
    """'3.0', '2.x' or '' when this is not a QTI assessment item."""
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    name = local_name(root.tag)
    if name == "qti-assessment-item":
        return "3.0"
    if name == "assessmentItem":
        return QTI2_VERSIONS.get(namespace, "2.x")
    return ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if qti_name(child.tag) == name]


def _first(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _walk(element: Element, name: str):
    return (el for el in element.iter() if qti_name(el.tag) == name)


def collapse(text: str) -> str:
    return " ".join(text.split())


def _math_text(element: Element) -> str:
    for annotation in element.iter():
        if local_name(annotation.tag) == "annotation" and "tex" in annotation.get("encoding", "").lower():
            return collapse(annotation.text or "")
    return collapse(" ".join(element.itertext()))


class _ItemReader:
    def __init__(self, doc: XmlDoc, *, package: SafeZip | None, base: str, label: str) -> None:
        self.doc = doc
        self.root = doc.root
        self.package = package
        self.base = base
        identifier = self.root.get("identifier", "")
        self.item = PlannedItem(
            name=self.root.get("title") or identifier or label,
            where=doc.where(self.root, f'identifier="{identifier}"' if identifier else ""),
            source_type="",
        )
        self.unknown: set[str] = set()

    # -- text and rich content --

    def _plain(self, element: Element, *, skip: set[str] = frozenset(), context: str) -> str:
        parts: list[str] = []
        flattened = False

        def visit(node: Element) -> None:
            nonlocal flattened
            name = qti_name(node.tag)
            if name in skip:
                return
            if local_name(node.tag) == "math":
                parts.append(" " + _math_text(node) + " ")
                flattened = True
            elif name == "img":
                alt = node.get("alt", "")
                parts.append(alt)
                flattened = True
            else:
                if name not in HTML_TAGS | {"simpleChoice", "prompt", "feedbackInline", "modalFeedback"}:
                    self.unknown.add(local_name(node.tag))
                if name in {"div", "p", "br", "li", "tr"}:
                    parts.append(" ")
                parts.append(node.text or "")
                for child in node:
                    visit(child)
                    parts.append(child.tail or "")

        parts.append(element.text or "")
        for child in element:
            visit(child)
            parts.append(child.tail or "")
        if flattened:
            self.item.warnings.append(
                _("%(context)s holds images or MathML; option texts are plain text, so it was flattened to text.")
                % {"context": context}
            )
        return collapse("".join(parts))

    def _html(self, element: Element, *, replace: dict[int, str] | None = None, include_self: bool = False) -> str:
        """Rich content as HTML for the stem; images found in the package become assets."""
        replace = replace or {}
        out: list[str] = []

        def visit(node: Element) -> None:
            if id(node) in replace:
                out.append(replace[id(node)])
                return
            name = qti_name(node.tag)
            if local_name(node.tag) == "math":
                out.append(html.escape(_math_text(node)))
                self.item.warnings.append(_("MathML in the stem was flattened to text."))
                return
            if name == "img":
                self._image(node, out)
                return
            if name == "object" and node.get("type", "").startswith("image/"):
                node = Element("img", {"src": node.get("data", ""), "alt": collapse("".join(node.itertext()))})
                self._image(node, out)
                return
            if name in HTML_TAGS:
                attrs = "".join(
                    f' {key}="{html.escape(value)}"'
                    for key, value in node.attrib.items()
                    if key in ("colspan", "rowspan", "scope")
                )
                out.append(f"<{name}{attrs}>")
                if name in VOID_TAGS:
                    return
                out.append(html.escape(node.text or "", quote=False))
                for child in node:
                    visit(child)
                    out.append(html.escape(child.tail or "", quote=False))
                out.append(f"</{name}>")
                return
            if name == "prompt":
                if collapse("".join(node.itertext())):
                    has_block = any(qti_name(c.tag) in {"p", "div", "ul", "ol", "table", "pre"} for c in node)
                    out.append("" if has_block else "<p>")
                    out.append(html.escape(node.text or "", quote=False))
                    for child in node:
                        visit(child)
                        out.append(html.escape(child.tail or "", quote=False))
                    out.append("" if has_block else "</p>")
                return
            if name in ("feedbackBlock", "feedbackInline", "templateBlock", "templateInline", "printedVariable"):
                self.item.warnings.append(_("<%(tag)s> in the item body is left out.") % {"tag": local_name(node.tag)})
                return
            self.unknown.add(local_name(node.tag))
            out.append(html.escape(node.text or "", quote=False))
            for child in node:
                visit(child)
                out.append(html.escape(child.tail or "", quote=False))

        if include_self:
            visit(element)
        else:
            out.append(html.escape(element.text or "", quote=False))
            for child in element:
                visit(child)
                out.append(html.escape(child.tail or "", quote=False))
        return "".join(out)

    def _image(self, node: Element, out: list[str]) -> None:
        src = node.get("src", "").strip()
        alt = node.get("alt", "")
        parsed = urlparse(src)
        if parsed.scheme or src.startswith("//"):
            self.item.warnings.append(
                _("The remote image %(src)s was dropped: stems show images from certdesk's own media only.")
                % {"src": src[:200]}
            )
            return
        path = posixpath.normpath(posixpath.join(self.base, unquote(parsed.path))) if parsed.path else ""
        if not path or path.startswith("..") or self.package is None or not self.package.has(path):
            self.item.warnings.append(_("The image %(src)s is missing from the file and was dropped.") % {"src": src})
            return
        content_type = mimetypes.guess_type(path)[0] or ""
        if content_type not in IMAGE_TYPES:
            self.item.warnings.append(
                _("The image %(src)s (%(type)s) is not a web image format and was dropped.")
                % {"src": src, "type": content_type or "?"}
            )
            return
        token = self.item.add_asset(path, self.package.read(path), content_type)
        size = "".join(f' {k}="{html.escape(node.get(k))}"' for k in ("width", "height") if node.get(k))
        out.append(f'<img src="{token}" alt="{html.escape(alt)}"{size}>')

    # -- the item --

    def read(self) -> PlannedItem:
        item = self.item
        for child in self.root:
            name = qti_name(child.tag)
            if name not in KNOWN_ITEM_CHILDREN:
                self.unknown.add(local_name(child.tag))
            if name == "stylesheet":
                self._stylesheet(child)
        body = _first(self.root, "itemBody")
        interactions = [
            el for el in (body.iter() if body is not None else []) if qti_name(el.tag).endswith("Interaction")
        ]
        kinds = [qti_name(el.tag) for el in interactions]
        if not interactions:
            item.source_type = _("no interaction")
            item.supported = False
        elif len(interactions) > 1:
            item.source_type = _("composite (%(kinds)s)") % {
                "kinds": ", ".join(INTERACTION_NAMES.get(k, k) for k in kinds)
            }
            item.supported = False
        elif kinds[0] not in SUPPORTED_INTERACTIONS:
            item.source_type = INTERACTION_NAMES.get(kinds[0], local_name(interactions[0].tag))
            item.supported = False
        if not item.supported:
            return item
        self._read_interaction(body, interactions[0], kinds[0])
        if self.unknown:
            item.warnings.append(
                _("Unknown elements were ignored: %(tags)s.") % {"tags": ", ".join(sorted(self.unknown))}
            )
        return item

    def _stylesheet(self, element: Element) -> None:
        href = element.get("href", "")
        if urlparse(href).scheme:
            self.item.warnings.append(_("The remote stylesheet %(href)s is ignored.") % {"href": href})
            return
        path = posixpath.normpath(posixpath.join(self.base, unquote(href)))
        if self.package is None or not self.package.has(path):
            self.item.warnings.append(_("The stylesheet %(href)s is missing from the file; ignored.") % {"href": href})
        else:
            self.item.warnings.append(_("The stylesheet %(href)s is not imported.") % {"href": href})

    def _read_interaction(self, body: Element, interaction: Element, kind: str) -> None:
        item = self.item
        response_id = qti_attr(interaction, "responseIdentifier")
        declaration = next(
            (d for d in _children(self.root, "responseDeclaration") if d.get("identifier") == response_id), None
        )
        cardinality = qti_attr(declaration, "cardinality") if declaration is not None else ""
        choices = _children(interaction, "simpleChoice")
        options = []
        for position, choice in enumerate(choices, start=1):
            feedback = " ".join(
                self._plain(fb, context=_("Feedback of option %(n)s") % {"n": position})
                for fb in _children(choice, "feedbackInline")
            )
            text = self._plain(choice, skip={"feedbackInline"}, context=_("Option %(n)s") % {"n": position})
            options.append(OptionData(text=text, feedback=collapse(feedback), identifier=choice.get("identifier", "")))
        by_id = {o.identifier: o for o in options}

        key, scoring = self._key(declaration, response_id, by_id)
        prompt = _first(interaction, "prompt")
        prompt_html = self._html(prompt, include_self=True) if prompt is not None else ""
        stem = EMPTY_PARAGRAPH.sub("", self._html(body, replace={id(interaction): prompt_html}))
        rationale = ""
        for feedback in _children(self.root, "modalFeedback"):
            if feedback.get("identifier", "").lower() == RATIONALE_ID:
                rationale = collapse(" ".join(feedback.itertext()))
            else:
                item.warnings.append(
                    _("Modal feedback %(id)s is not imported.") % {"id": feedback.get("identifier", "?")}
                )

        if kind == "orderInteraction":
            item.source_type = INTERACTION_NAMES[kind]
            item_type = ItemType.ORDERING
        elif cardinality == "single" or (not cardinality and qti_attr(interaction, "maxChoices", "1") == "1"):
            texts = sorted(o.text.casefold() for o in options)
            item_type = ItemType.TRUE_FALSE if texts == ["false", "true"] else ItemType.SINGLE
            item.source_type = _("choice (single)")
        else:
            item_type = ItemType.MULTIPLE
            item.source_type = _("choice (multiple)")

        if not key:
            item.errors.append(_("%(name)s has no answer key (correct response).") % {"name": item.name})
        unknown = [k for k in key if k not in by_id]
        if unknown:
            item.errors.append(
                _("The key names %(ids)s, which are not choices of this item.") % {"ids": ", ".join(unknown)}
            )
        if item_type == ItemType.ORDERING:
            if key and not unknown:
                if sorted(key) != sorted(by_id):
                    item.errors.append(_("The key of an ordering item must place every choice exactly once."))
                else:
                    options = [by_id[k] for k in key]
        else:
            for option in options:
                option.is_correct = option.identifier in key
            if item_type in (ItemType.SINGLE, ItemType.TRUE_FALSE) and len(set(key)) > 1:
                item.errors.append(_("A single-choice item's key names %(n)s choices.") % {"n": len(set(key))})
        item.content = ItemContent(
            type=item_type,
            stem=stem.strip(),
            options=options,
            rationale=rationale,
            scoring=scoring if item_type == ItemType.MULTIPLE else Scoring.ALL_OR_NOTHING,
        )

    def _key(self, declaration: Element | None, response_id: str, by_id: dict) -> tuple[list[str], str]:
        processing = _first(self.root, "responseProcessing")
        template = (qti_attr(processing, "template") if processing is not None else "").lower()
        uses_mapping = "map_response" in template or (
            processing is not None and any(True for _el in _walk(processing, "mapResponse"))
        )
        scoring = Scoring.PARTIAL if uses_mapping else Scoring.ALL_OR_NOTHING
        if processing is not None and template and not any(m in template for m in TEMPLATE_MARKERS):
            self.item.warnings.append(
                _("The response processing template %(t)s is unknown; the correct response is used as the key.")
                % {"t": template}
            )
        key: list[str] = []
        if declaration is not None:
            correct = _first(declaration, "correctResponse")
            if correct is not None:
                key = [(v.text or "").strip() for v in _children(correct, "value") if (v.text or "").strip()]
            if not key:
                mapping = _first(declaration, "mapping")
                if mapping is not None:
                    for entry in _children(mapping, "mapEntry"):
                        try:
                            if float(qti_attr(entry, "mappedValue", "0")) > 0:
                                key.append(qti_attr(entry, "mapKey"))
                        except ValueError:
                            continue
        if not key and processing is not None:
            # Custom processing that scores a match of RESPONSE against fixed identifiers.
            for test in list(_walk(processing, "member")) + list(_walk(processing, "match")):
                variables = [v for v in test if qti_name(v.tag) == "variable" and v.get("identifier") == response_id]
                values = [(v.text or "").strip() for v in test if qti_name(v.tag) == "baseValue"]
                if variables and values:
                    key.extend(v for v in values if v in by_id and v not in key)
        return key, scoring


def read_qti_item(doc: XmlDoc, *, package: SafeZip | None = None, base: str = "", label: str = "") -> PlannedItem:
    return _ItemReader(doc, package=package, base=base, label=label).read()


def _certdesk_metadata(resource: Element, item: PlannedItem) -> None:
    """Restores what our own export wrote: reference, status, competency and other tags."""
    block = next((el for el in resource.iter() if el.tag == f"{{{CERTDESK_NS}}}item"), None)
    if block is None:
        return
    item.from_certdesk = True

    def text(name: str) -> str:
        found = block.find(f"{{{CERTDESK_NS}}}{name}")
        return (found.text or "").strip() if found is not None else ""

    item.ref = text("ref")
    item.source_status = text("status")
    item.competency_code = text("competency")
    item.enemy_group = text("enemy-group")
    for name, attribute in (("level", "level_number"), ("difficulty", "difficulty")):
        value = text(name)
        if value:
            try:
                setattr(item, attribute, int(value))
            except ValueError:
                item.warnings.append(_("%(name)s %(value)s is not a number; ignored.") % {"name": name, "value": value})
    item.tags = [(t.text or "").strip() for t in block.findall(f"{{{CERTDESK_NS}}}tag")]
    wanted_type = text("type")
    if item.content and wanted_type in ItemType.values and wanted_type != item.content.type:
        # A single choice written "True"/"False" stays single; a true/false item stays true/false.
        if {wanted_type, item.content.type} <= {ItemType.SINGLE, ItemType.TRUE_FALSE}:
            item.content.type = wanted_type
    scoring = text("scoring")
    if item.content and item.content.type == ItemType.MULTIPLE and scoring in Scoring.values:
        item.content.scoring = scoring


def _manifest_path(package: SafeZip) -> str:
    candidates = [n for n in package.names() if posixpath.basename(n) == "imsmanifest.xml"]
    return min(candidates, key=lambda n: n.count("/")) if candidates else ""


def read_qti_package(package: SafeZip, plan: ImportPlan) -> None:
    manifest_path = _manifest_path(package)
    if not manifest_path:
        plan.warnings.append(_("The package has no imsmanifest.xml; every QTI item file in it is read."))
        for name in sorted(package.names()):
            if name.lower().endswith(".xml"):
                _read_package_item(package, plan, name, None, label=name)
        return
    root_dir = posixpath.dirname(manifest_path)
    manifest = parse_xml(package.read(manifest_path), name=manifest_path)
    resources = [el for el in manifest.root.iter() if local_name(el.tag) == "resource"]
    tests = 0
    for resource in resources:
        kind = resource.get("type", "")
        if kind.startswith("imsqti_test"):
            tests += 1
            continue
        if not kind.startswith("imsqti_item"):
            continue
        href = resource.get("href") or next(
            (f.get("href") for f in resource if local_name(f.tag) == "file" and f.get("href")), ""
        )
        path = posixpath.normpath(posixpath.join(root_dir, unquote(href)))
        label = resource.get("identifier") or href
        if path.startswith("..") or not package.has(path):
            plan.items.append(
                PlannedItem(
                    name=label,
                    where=manifest.where(resource, f'identifier="{label}"'),
                    source_type=_("missing file"),
                    errors=[_("The manifest names %(href)s, which is not in the package.") % {"href": href}],
                )
            )
            continue
        _read_package_item(package, plan, path, resource, label=label)
    if tests:
        plan.warnings.append(
            _("The package's assessment test (sections, order, outcome rules) is not imported; its items are.")
        )


def _read_package_item(package: SafeZip, plan: ImportPlan, path: str, resource: Element | None, label: str) -> None:
    doc = parse_xml(package.read(path), name=path)
    if not qti_version(doc.root):
        if resource is not None:
            plan.warnings.append(_("%(path)s is not a QTI assessment item; skipped.") % {"path": path})
        return
    item = read_qti_item(doc, package=package, base=posixpath.dirname(path), label=label)
    if resource is not None:
        _certdesk_metadata(resource, item)
    plan.items.append(item)
