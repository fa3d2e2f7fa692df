"""The bank as CSV for spreadsheets: one row per item's current version, with its tags."""

import csv
import io

from exams.interchange.selectors import item_tag_names
from exams.models.bank import ItemType
from exams.sanitize import plain_text

MAX_OPTIONS = 10
HEADER = [
    "ref", "version", "status", "type", "scoring", "standard", "domain", "competency", "level", "difficulty",
    "enemy_group", "tags", "author", "stem", "key", "rationale",
    *[f"option_{n}" for n in range(1, MAX_OPTIONS + 1)],
]  # fmt: skip


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with = + - @ as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _letter(position: int) -> str:
    return chr(ord("A") + position - 1)


def export_csv(items) -> tuple[bytes, list[str]]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for item in items:
        version = item.current_version
        options = list(version.options.all())
        if version.type == ItemType.ORDERING:
            key = ",".join(_letter(o.position) for o in options)
        else:
            key = ",".join(_letter(o.position) for o in options if o.is_correct)
        competency = item.competency
        row = [
            item.ref,
            version.number,
            version.status,
            version.type,
            version.scoring if version.type == ItemType.MULTIPLE else "",
            competency.domain.standard.code if competency else "",
            competency.domain.code if competency else "",
            competency.code if competency else "",
            item.level.number if item.level else "",
            item.difficulty or "",
            item.enemy_group,
            "; ".join(item_tag_names(item)),
            item.created_by.username,
            plain_text(version.stem),
            key,
            version.rationale,
            *[o.text for o in options],
            *[""] * (MAX_OPTIONS - len(options)),
        ]
        writer.writerow([csv_cell(v) for v in row])
    # The byte-order mark makes Excel read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode(), []
