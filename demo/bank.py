"""Loads the demo question bank (fixtures/demo_bank/*.yaml) as approved items.

Items are credited to the demo authors and approved by the demo reviewer, as if the
bank had gone through review. Items already present (by ref) are left as they are.
"""

from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from accounts.models import User
from exams.bank import ItemContent, ItemTags, OptionData, item_create
from exams.models import Item, ItemEvent
from exams.models.bank import VersionStatus
from standards.models import Competency, Level

DEMO_BANK_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo_bank"


def demo_bank_entries(directory: Path = DEMO_BANK_DIR) -> list[dict]:
    entries = []
    for path in sorted(directory.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            entries.append({**entry, "_file": path.name})
    return entries


def demo_bank_load(*, authors: list[User], reviewer: User, directory: Path = DEMO_BANK_DIR) -> int:
    """Creates every demo item that is not there yet; returns how many were created."""
    competencies = {c.code: c for c in Competency.objects.select_related("domain__standard")}
    levels = {(lv.standard.code, lv.number): lv for lv in Level.objects.select_related("standard")}
    existing = set(Item.objects.values_list("ref", flat=True))
    created = 0
    with transaction.atomic():
        for index, entry in enumerate(demo_bank_entries(directory)):
            if entry["ref"] in existing:
                continue
            competency = competencies[entry["competency"]]
            level = levels[(entry["standard"], entry["level"])] if entry.get("level") else None
            content = ItemContent(
                type=entry["type"],
                stem=entry["stem"],
                rationale=entry.get("rationale", ""),
                scoring=entry.get("scoring") or "all_or_nothing",
                options=[
                    OptionData(o["text"], bool(o.get("correct")), o.get("feedback", "")) for o in entry["options"]
                ],
            )
            tags = ItemTags(
                competency=competency,
                level=level,
                difficulty=entry["difficulty"],
                enemy_group=entry.get("enemy_group") or "",
                tags=[f"demo/{entry['standard']}"],
            )
            item = item_create(
                content=content,
                tags=tags,
                by=authors[index % len(authors)],
                ref=entry["ref"],
                kind=ItemEvent.Kind.IMPORTED,
                comment="Demo bank",
                status=VersionStatus.APPROVED,
            )
            item.approved_version.reviewed_by = reviewer
            item.approved_version.save(update_fields=["reviewed_by"])
            created += 1
    return created
