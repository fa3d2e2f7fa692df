"""Moodle XML: import and export of multichoice (single and multiple answer), truefalse and
ordering questions, with category paths kept as tags.

Our own export adds Moodle question tags named `certdesk:<field>=<value>` for what Moodle has no
place for (reference, status, competency, level, difficulty, enemy group, scoring), so a round
trip restores them; Moodle shows them as ordinary tags.
"""

import base64
import binascii
import html
import mimetypes
import re
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _

from exams.bank import ItemContent, OptionData
from exams.interchange.plan import IMAGE_TYPES, ImportPlan, PlannedItem
from exams.interchange.qti_read import collapse
from exams.interchange.safety import XmlDoc
from exams.interchange.selectors import item_tag_names
from exams.models.bank import ItemType, Scoring
from exams.sanitize import plain_text

META_PREFIX = "certdesk:"
CATEGORY_PREFIXES = ("$course$/", "$system$/", "$module$/", "$cat1$/", "$cat2$/", "$cat3$/")
SUPPORTED = {"multichoice", "truefalse", "ordering"}
UNSUPPORTED_NAMES = {
    "cloze": "cloze (embedded answers)",
    "multianswer": "cloze (embedded answers)",
    "essay": "essay",
    "shortanswer": "short answer",
    "numerical": "numerical",
    "matching": "matching",
    "match": "matching",
    "calculated": "calculated",
    "calculatedsimple": "calculated",
    "calculatedmulti": "calculated multichoice",
    "ddwtos": "drag and drop into text",
    "ddimageortext": "drag and drop onto image",
    "ddmarker": "drag and drop markers",
    "gapselect": "select missing words",
    "description": "description (no answer)",
    "randomsamatch": "random short-answer matching",
    "random": "random question",
}
# Question children we read, or know carry nothing for the bank; anything else is reported.
KNOWN_ELEMENTS = {
    "name", "questiontext", "generalfeedback", "defaultgrade", "penalty", "hidden", "idnumber", "single",
    "shuffleanswers", "answernumbering", "correctfeedback", "partiallycorrectfeedback", "incorrectfeedback",
    "shownumcorrect", "answer", "hint", "tags", "image", "image_base64", "showstandardinstruction",
    "layouttype", "selecttype", "selectcount", "gradingtype", "showgrading", "numberingstyle", "unitgradingtype",
}  # fmt: skip
MC_DEFAULTS = ("single", "shuffleanswers", "answernumbering")


def _text(element: Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path) if path else element
    return (found.text or "") if found is not None else ""


def _files(element: Element | None) -> dict[str, tuple[bytes, str]]:
    files: dict[str, tuple[bytes, str]] = {}
    if element is None:
        return files
    for file in element.findall("file"):
        name = file.get("name", "")
        try:
            files[name] = (base64.b64decode(file.text or "", validate=False), file.get("path", "/"))
        except (binascii.Error, ValueError):
            continue
    return files


def _to_html(text: str, text_format: str) -> str:
    if text_format in ("html", "moodle_auto_format", ""):
        return text
    # plain_text and markdown: shown as written.
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


PLUGINFILE_IMG = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])@@PLUGINFILE@@/([^"']+)\2""", re.IGNORECASE)


def _embed_images(item: PlannedItem, text: str, files: dict[str, tuple[bytes, str]]) -> str:
    """@@PLUGINFILE@@ images travel base64-encoded beside the text; they become stored assets."""

    def swap(match: re.Match) -> str:
        name = unquote(match.group(3))
        found = files.get(name)
        content_type = mimetypes.guess_type(name)[0] or ""
        if found is None:
            item.warnings.append(_("The file %(name)s is missing from the question; dropped.") % {"name": name})
            return f"{match.group(1)}{match.group(2)}{match.group(2)}"
        if content_type not in IMAGE_TYPES:
            item.warnings.append(_("%(name)s is not a web image; dropped.") % {"name": name})
            return f"{match.group(1)}{match.group(2)}{match.group(2)}"
        token = item.add_asset(name, found[0], content_type)
        return f"{match.group(1)}{match.group(2)}{token}{match.group(2)}"

    text = PLUGINFILE_IMG.sub(swap, text)
    other = set(re.findall(r"@@PLUGINFILE@@/([^\"'\s<>]+)", text))
    if other:
        item.warnings.append(
            _("Linked files (audio, documents) are not imported: %(names)s.") % {"names": ", ".join(sorted(other))}
        )
    if re.search(r"<img\b[^>]*\bsrc\s*=\s*[\"']https?://", text, re.IGNORECASE):
        item.warnings.append(_("Remote images were dropped: stems show images from certdesk's own media only."))
    return text


def _option_text(item: PlannedItem, answer: Element, position: int) -> str:
    raw = _text(answer)
    if "<img" in raw.lower() or _files(answer):
        item.warnings.append(
            _("Option %(n)s holds images; option texts are plain text, so they were dropped.") % {"n": position}
        )
    return collapse(plain_text(raw))


def _category_tag(path: str) -> str:
    for prefix in CATEGORY_PREFIXES:
        if path.startswith(prefix):
            path = path.removeprefix(prefix)
            break
    return "/".join(part.strip() for part in path.split("/") if part.strip())


def _metadata(question: Element, item: PlannedItem) -> dict[str, str]:
    meta: dict[str, str] = {}
    tags: list[str] = []
    for tag in question.findall("tags/tag"):
        value = collapse(_text(tag))
        if value.startswith(META_PREFIX) and "=" in value:
            key, _sep, rest = value.removeprefix(META_PREFIX).partition("=")
            meta[key] = rest
        elif value:
            tags.append(value)
    item.tags.extend(tags)
    return meta


def read_moodle(doc: XmlDoc, plan: ImportPlan) -> None:
    if doc.root.tag != "quiz":
        plan.errors.append(
            _("A Moodle XML file starts with <quiz>; this one starts with <%(tag)s>.") % {"tag": doc.root.tag}
        )
        return
    category = ""
    for number, question in enumerate(doc.root.findall("question"), start=1):
        kind = question.get("type", "")
        if kind == "category":
            category = _category_tag(collapse(_text(question.find("category"))))
            continue
        name = collapse(plain_text(_text(question.find("name")))) or _("question %(n)s") % {"n": number}
        item = PlannedItem(
            name=name,
            where=doc.where(question, f'type="{kind}" name="{name[:60]}"'),
            source_type=kind,
        )
        plan.items.append(item)
        if kind not in SUPPORTED:
            item.supported = False
            item.source_type = UNSUPPORTED_NAMES.get(kind, kind or _("no type"))
            continue
        _read_question(question, item, kind, category)


def _read_question(question: Element, item: PlannedItem, kind: str, category: str) -> None:
    meta = _metadata(question, item)
    if meta:
        item.from_certdesk = True
        item.ref = meta.get("ref", "")
        item.source_status = meta.get("status", "")
        item.competency_code = meta.get("competency", "")
        item.enemy_group = meta.get("enemy-group", "")
        for key, attribute in (("level", "level_number"), ("difficulty", "difficulty")):
            if meta.get(key, "").isdigit():
                setattr(item, attribute, int(meta[key]))
    elif category:
        item.tags.append(category)
    unknown = sorted({child.tag for child in question if child.tag not in KNOWN_ELEMENTS})
    if unknown:
        item.warnings.append(_("Unknown elements were ignored: %(tags)s.") % {"tags": ", ".join(unknown)})

    text_element = question.find("questiontext")
    stem = _to_html(_text(text_element), text_element.get("format", "") if text_element is not None else "")
    stem = _embed_images(item, stem, _files(text_element))
    legacy_image = _text(question, "image").strip()
    if legacy_image:
        data = (question.findtext("image_base64") or "").strip()
        content_type = mimetypes.guess_type(legacy_image)[0] or ""
        if data and content_type in IMAGE_TYPES:
            try:
                token = item.add_asset(legacy_image, base64.b64decode(data), content_type)
                stem += f'<p><img src="{token}" alt=""></p>'
            except (binascii.Error, ValueError):
                item.warnings.append(_("The image %(name)s could not be decoded; dropped.") % {"name": legacy_image})
        else:
            item.warnings.append(
                _("The image %(name)s is missing or not a web image; dropped.") % {"name": legacy_image}
            )
    rationale = collapse(plain_text(_text(question.find("generalfeedback"))))

    answers = question.findall("answer")
    options: list[OptionData] = []
    fractions: list[float] = []
    for position, answer in enumerate(answers, start=1):
        try:
            fraction = float(answer.get("fraction", "0"))
        except ValueError:
            item.errors.append(
                _("Answer %(n)s has the fraction %(f)s, which is not a number.")
                % {"n": position, "f": answer.get("fraction")}
            )
            fraction = 0.0
        fractions.append(fraction)
        options.append(
            OptionData(
                text=_option_text(item, answer, position),
                feedback=collapse(plain_text(_text(answer.find("feedback")))),
            )
        )

    scoring = Scoring.ALL_OR_NOTHING
    if kind == "truefalse":
        item_type = ItemType.TRUE_FALSE
        item.source_type = "truefalse"
        for option in options:
            option.text = {"true": _("True"), "false": _("False")}.get(option.text.casefold(), option.text)
        for option, fraction in zip(options, fractions, strict=True):
            option.is_correct = fraction >= 100
    elif kind == "ordering":
        item_type = ItemType.ORDERING
        item.source_type = "ordering"
    else:
        single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
        item.source_type = _("multichoice (single)") if single else _("multichoice (multiple)")
        if single:
            item_type = ItemType.SINGLE
            best = max(fractions, default=0)
            for option, fraction in zip(options, fractions, strict=True):
                option.is_correct = best > 0 and fraction == best
            if any(0 < f < best for f in fractions):
                item.warnings.append(_("Partial credit for other answers is dropped: single choice has one key."))
        else:
            item_type = ItemType.MULTIPLE
            scoring = Scoring.PARTIAL
            for option, fraction in zip(options, fractions, strict=True):
                option.is_correct = fraction > 0
        if meta.get("type") == ItemType.TRUE_FALSE and item_type == ItemType.SINGLE:
            item_type = ItemType.TRUE_FALSE
        if meta.get("scoring") in Scoring.values:
            scoring = meta["scoring"]
    if item_type != ItemType.ORDERING and not any(o.is_correct for o in options):
        item.errors.append(_("%(name)s has no answer key (no answer with a positive grade).") % {"name": item.name})
    item.content = ItemContent(
        type=item_type,
        stem=stem.strip(),
        options=options,
        rationale=rationale,
        scoring=scoring if item_type == ItemType.MULTIPLE else Scoring.ALL_OR_NOTHING,
    )


# --- export ----------------------------------------------------------------------------------


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _escaped(text: str) -> str:
    return html.escape(text, quote=False)


def _fraction(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".") or "0"


def _tf_texts(options) -> bool:
    return sorted(o.text.casefold() for o in options) == ["false", "true"]


def moodle_question_xml(item, version) -> str:
    options = list(version.options.all())
    lines: list[str] = []
    kind = {
        ItemType.SINGLE: "multichoice",
        ItemType.MULTIPLE: "multichoice",
        ItemType.ORDERING: "ordering",
        ItemType.TRUE_FALSE: "truefalse" if _tf_texts(options) else "multichoice",
    }[version.type]
    lines.append(f'  <question type="{kind}">')
    lines.append(f"    <name><text>{_escaped(item.ref)}</text></name>")
    lines.append(f'    <questiontext format="html"><text>{_cdata(version.stem)}</text></questiontext>')
    lines.append(f'    <generalfeedback format="html"><text>{_escaped(version.rationale)}</text></generalfeedback>')
    lines.append("    <defaultgrade>1.0000000</defaultgrade>")
    lines.append("    <penalty>0.0000000</penalty>")
    lines.append("    <hidden>0</hidden>")
    lines.append(f"    <idnumber>{_escaped(item.ref)}</idnumber>")
    correct = [o for o in options if o.is_correct]
    if kind == "multichoice":
        single = version.type != ItemType.MULTIPLE
        lines.append(f"    <single>{'true' if single else 'false'}</single>")
        lines.append("    <shuffleanswers>true</shuffleanswers>")
        lines.append("    <answernumbering>abc</answernumbering>")
    if kind == "ordering":
        lines.append("    <layouttype>VERTICAL</layouttype>")
        lines.append("    <selecttype>ALL</selecttype>")
        lines.append("    <selectcount>0</selectcount>")
        lines.append("    <gradingtype>ABSOLUTE_POSITION</gradingtype>")
    for position, option in enumerate(options, start=1):
        if kind == "ordering":
            fraction = str(position)
        elif version.type == ItemType.MULTIPLE:
            if option.is_correct:
                fraction = _fraction(100 / len(correct))
            elif version.scoring == Scoring.PARTIAL:
                fraction = _fraction(-100 / max(len(correct), 1))
            else:
                # All or nothing: any wrong choice costs the whole mark.
                fraction = "-100"
        else:
            fraction = "100" if option.is_correct else "0"
        text = option.text.casefold() if kind == "truefalse" else option.text
        text_format = "moodle_auto_format" if kind == "truefalse" else "plain_text"
        lines.append(f'    <answer fraction="{fraction}" format="{text_format}">')
        lines.append(f"      <text>{_escaped(text)}</text>")
        lines.append(f'      <feedback format="plain_text"><text>{_escaped(option.feedback)}</text></feedback>')
        lines.append("    </answer>")
    meta = {
        "ref": item.ref,
        "type": version.type,
        "scoring": version.scoring if version.type == ItemType.MULTIPLE else "",
        "status": version.status,
        "competency": item.competency.code if item.competency else "",
        "level": item.level.number if item.level else "",
        "difficulty": item.difficulty or "",
        "enemy-group": item.enemy_group,
    }
    lines.append("    <tags>")
    for key, value in meta.items():
        if value not in ("", None):
            lines.append(f"      <tag><text>{_escaped(f'{META_PREFIX}{key}={value}')}</text></tag>")
    for tag in item_tag_names(item):
        lines.append(f"      <tag><text>{_escaped(tag)}</text></tag>")
    lines.append("    </tags>")
    lines.append("  </question>")
    return "\n".join(lines)


def export_moodle(items) -> tuple[bytes, list[str]]:
    """The items as Moodle XML, one category per standard."""
    by_category: dict[str, list] = {}
    for item in items:
        standard = item.competency.domain.standard.code if item.competency else "untagged"
        by_category.setdefault(f"$course$/certdesk/{standard}", []).append(item)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for category, members in by_category.items():
        parts.append(f'  <question type="category"><category><text>{_escaped(category)}</text></category></question>')
        for item in members:
            parts.append(moodle_question_xml(item, item.current_version))
    parts.append("</quiz>")
    return ("\n".join(parts) + "\n").encode(), []
