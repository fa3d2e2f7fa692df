"""GIFT, the plain-text format authors type by hand: import of multiple choice, multiple
response (weights such as ~%50%), true/false and missing-word questions; essay, numerical,
matching, short answer and description questions are listed as unsupported. Export writes
single, multiple and true/false items; ordering has no GIFT form and is left out with a warning.
"""

import html
import re

from django.utils.translation import gettext as _

from exams.bank import ItemContent, OptionData
from exams.interchange.plan import ImportPlan, PlannedItem
from exams.interchange.qti_read import collapse
from exams.interchange.selectors import item_tag_names
from exams.models.bank import ItemType, Scoring
from exams.sanitize import plain_text

# Escaped control characters are swapped for private-use characters while the question is
# split, so `\=` inside a text never starts an answer.
ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003", "\\{": "\ue004", "\\}": "\ue005",
           "\\:": "\ue006"}  # fmt: skip
RESTORE = {v: k[1] for k, v in ESCAPES.items()}
FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")
TRUE_FALSE = re.compile(r"^(TRUE|FALSE|T|F)\s*(?:#([^#]*))?(?:#([^#]*))?$", re.IGNORECASE | re.DOTALL)
SENTENCE_END = re.compile(r"^[.?!,;:)\]]+$")


def _protect(text: str) -> str:
    text = text.replace("\\\\", ESCAPES["\\\\"])
    for escape, mark in ESCAPES.items():
        text = text.replace(escape, mark)
    return text.replace("\\n", "\n")


def _restore(text: str) -> str:
    for mark, char in RESTORE.items():
        text = text.replace(mark, char)
    return text


def _split_format(text: str) -> tuple[str, str]:
    match = FORMAT.match(text)
    if match:
        return match.group(1).lower(), text[match.end() :]
    return "", text


def _stem_html(text: str, text_format: str) -> str:
    text = _restore(text).strip()
    if text_format in ("plain", "markdown") or (text_format == "" and "<" not in text):
        paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
        return "".join(f"<p>{html.escape(collapse(p))}</p>" for p in paragraphs)
    return text


def _plain(text: str) -> str:
    return collapse(plain_text(_restore(_split_format(text)[1])))


def _blocks(lines: list[str]) -> list[tuple[int, str]]:
    """Questions are separated by blank lines; a blank line inside an open { } does not end one."""
    blocks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    depth = 0
    after_blank = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if current and depth > 0 and after_blank and stripped.startswith("::"):
            # A named question after a blank line: the one before forgot its closing brace.
            blocks.append((start, "\n".join(current)))
            current = []
        after_blank = not stripped
        if not stripped and depth <= 0:
            if current:
                blocks.append((start, "\n".join(current)))
                current = []
            continue
        if not current and stripped.startswith("$CATEGORY:"):
            # A category line stands alone even when a question follows without a blank line.
            blocks.append((number, stripped))
            continue
        if not current:
            start = number
            depth = 0
        current.append(line)
        protected = _protect(line)
        depth += protected.count("{") - protected.count("}")
    if current:
        blocks.append((start, "\n".join(current)))
    return blocks


def read_gift(text: str, plan: ImportPlan) -> None:
    blocks = _blocks(text.lstrip("\ufeff").splitlines())
    category = ""
    for index, (line, block) in enumerate(blocks):
        stripped = block.strip()
        if stripped.startswith("$CATEGORY:"):
            category = stripped.removeprefix("$CATEGORY:").strip()
            for prefix in ("$course$/", "$system$/", "$module$/"):
                category = category.removeprefix(prefix)
            continue
        protected = _protect(stripped)
        if "{" not in protected:
            if index == len(blocks) - 1:
                plan.warnings.append(
                    _("Line %(line)s: text after the last question is ignored: %(text)s")
                    % {"line": line, "text": stripped[:80]}
                )
                continue
            name, rest = _name(protected)
            plan.items.append(
                PlannedItem(
                    name=_restore(name) or _plain(rest)[:60],
                    where=_("line %(line)s") % {"line": line},
                    source_type=_("description (no answers)"),
                    supported=False,
                )
            )
            continue
        plan.items.append(_question(protected, line, category))


def _name(protected: str) -> tuple[str, str]:
    if protected.startswith("::"):
        end = protected.find("::", 2)
        if end != -1:
            return protected[2:end].strip(), protected[end + 2 :].strip()
    return "", protected


def _question(protected: str, line: int, category: str) -> PlannedItem:
    name, rest = _name(protected)
    opening = rest.find("{")
    closing = rest.find("}", opening)
    before = rest[:opening]
    item = PlannedItem(
        name=_restore(name) or _plain(before)[:60] or _("question at line %(line)s") % {"line": line},
        where=_("line %(line)s") % {"line": line},
        source_type="",
        tags=[category] if category else [],
    )
    if protected.startswith("::") and not name and protected.find("::", 2) == -1:
        item.errors.append(_("The question name opened with :: is not closed."))
    if closing == -1:
        item.source_type = _("unknown")
        item.errors.append(_("The answers opened with { are not closed with }."))
        return item
    answers = rest[opening + 1 : closing]
    after = rest[closing + 1 :].strip()
    if "{" in after:
        item.source_type = _("unknown")
        item.errors.append(_("The question has more than one answer block { }."))
        return item
    text_format, before = _split_format(before)
    if after and not SENTENCE_END.match(after) and not any(ch.isalnum() for ch in after):
        item.warnings.append(_("The characters %(text)s after the answers are ignored.") % {"text": after[:40]})
        after = ""
    stem_text = f"{before.rstrip()} _____{'' if SENTENCE_END.match(after) else ' '}{after}" if after else before
    general = ""
    if "####" in answers:
        answers, general = answers.split("####", 1)
    answers = answers.strip()
    if not answers:
        item.source_type, item.supported = _("essay"), False
        return item
    if answers.startswith("#"):
        item.source_type, item.supported = _("numerical"), False
        return item
    item.content = ItemContent(type="", stem=_stem_html(stem_text, text_format), options=[], rationale=_plain(general))
    true_false = TRUE_FALSE.match(answers)
    if true_false:
        _true_false(item, true_false)
        return item
    tokens = re.split(r"(?=[~=])", answers)
    if tokens[0].strip():
        item.source_type = _("unknown")
        item.errors.append(_("Text before the first answer: %(text)s") % {"text": _restore(tokens[0]).strip()[:60]})
        return item
    tokens = [t for t in tokens[1:] if t.strip()]
    if any(t.startswith("=") and "->" in t for t in tokens):
        item.source_type, item.supported = _("matching"), False
        return item
    if not any(t.startswith("~") for t in tokens):
        item.source_type, item.supported = _("short answer"), False
        return item
    _choices(item, tokens)
    return item


def _true_false(item: PlannedItem, match: re.Match) -> None:
    item.source_type = _("true/false")
    answer_true = match.group(1).upper().startswith("T")
    wrong_feedback, right_feedback = _plain(match.group(2) or ""), _plain(match.group(3) or "")
    item.content.type = ItemType.TRUE_FALSE
    item.content.options = [
        OptionData(_("True"), answer_true, right_feedback if answer_true else wrong_feedback),
        OptionData(_("False"), not answer_true, wrong_feedback if answer_true else right_feedback),
    ]


def _choices(item: PlannedItem, tokens: list[str]) -> None:
    single = any(t.startswith("=") for t in tokens)
    options, weighted = [], False
    for token in tokens:
        body = token[1:]
        weight_match = WEIGHT.match(body)
        weight = float(weight_match.group(1)) if weight_match else None
        if weight_match:
            body = body[weight_match.end() :]
            weighted = True
        text, _sep, feedback = body.partition("#")
        if single:
            correct = token.startswith("=")
            if not correct and weight and weight > 0:
                item.warnings.append(
                    _("The partial credit of %(text)s is dropped: single choice has one key.") % {"text": _plain(text)}
                )
        else:
            correct = weight is not None and weight > 0
        options.append(OptionData(text=_plain(text), is_correct=correct, feedback=_plain(feedback)))
    item.content.options = options
    if single:
        item.source_type = _("multiple choice")
        item.content.type = ItemType.SINGLE
    else:
        item.source_type = _("multiple response")
        item.content.type = ItemType.MULTIPLE
        item.content.scoring = Scoring.PARTIAL
        if not weighted or not any(o.is_correct for o in options):
            item.errors.append(
                _("%(name)s has no answer key: mark the right answer with = or give weights such as ~%%50%%.")
                % {"name": item.name}
            )


# --- export ----------------------------------------------------------------------------------


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def gift_question(item, version) -> str:
    options = list(version.options.all())
    lines = [f"// {item.ref}: " + ", ".join(f"{t}" for t in item_tag_names(item))]
    lines.append(f"::{_escape(item.ref)}::[html]{_escape(version.stem)}{{")
    tf_texts = sorted(o.text.casefold() for o in options) == ["false", "true"]
    if version.type == ItemType.TRUE_FALSE and tf_texts:
        true_option = next(o for o in options if o.text.casefold() == "true")
        false_option = next(o for o in options if o.text.casefold() == "false")
        right, wrong = (true_option, false_option) if true_option.is_correct else (false_option, true_option)
        answer = "TRUE" if true_option.is_correct else "FALSE"
        lines.append(f"{answer}#{_escape(wrong.feedback)}#{_escape(right.feedback)}")
    else:
        correct = [o for o in options if o.is_correct]
        for option in options:
            feedback = f"#{_escape(option.feedback)}" if option.feedback else ""
            if version.type == ItemType.MULTIPLE:
                if option.is_correct:
                    weight = 100 / len(correct)
                elif version.scoring == Scoring.PARTIAL:
                    weight = -100 / len(correct)
                else:
                    weight = -100
                lines.append(f"\t~%{_weight(weight)}%{_escape(option.text)}{feedback}")
            else:
                lines.append(f"\t{'=' if option.is_correct else '~'}{_escape(option.text)}{feedback}")
    if version.rationale:
        lines.append(f"\t####{_escape(version.rationale)}")
    lines.append("}")
    return "\n".join(lines)


def export_gift(items) -> tuple[bytes, list[str]]:
    """Single, multiple and true/false items as GIFT; ordering items are left out with a warning."""
    warnings: list[str] = []
    parts: list[str] = []
    category = None
    for item in items:
        version = item.current_version
        if version.type == ItemType.ORDERING:
            warnings.append(_("%(ref)s is an ordering item, which GIFT cannot express; left out.") % {"ref": item.ref})
            continue
        standard = item.competency.domain.standard.code if item.competency else "untagged"
        if standard != category:
            category = standard
            parts.append(f"$CATEGORY: $course$/certdesk/{standard}")
        parts.append(gift_question(item, version))
    return ("\n\n".join(parts) + "\n").encode(), warnings
