"""The import plan: what a file would add to the bank, item by item, before anything is saved.

Every importer turns a file into an ImportPlan of PlannedItems carrying their errors, warnings
and whether certdesk supports their type. The preview page and `import_bank --dry-run` show the
plan; import_plan_apply saves it all or nothing.
"""

import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from exams.bank import ItemContent, ItemTags, content_errors, item_create
from exams.models import Item, ItemAsset, ItemEvent
from exams.models.bank import VersionStatus
from exams.sanitize import clean_stem, plain_text
from standards.models import Competency, Level

ASSET_SCHEME = "certdesk-asset:"
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


class ImportRefused(Exception):
    """The plan cannot be saved as it stands; the message says why and names the items."""


@dataclass
class PlannedAsset:
    name: str
    data: bytes
    content_type: str


@dataclass
class PlannedItem:
    name: str  # the title or name the source gives it, for people to find it
    where: str  # the line or element it starts at
    source_type: str  # the type as the source names it
    supported: bool = True
    content: ItemContent | None = None
    ref: str = ""
    source_status: str = ""  # only our own export names a status
    from_certdesk: bool = False
    competency_code: str = ""
    level_number: int | None = None
    difficulty: int | None = None
    enemy_group: str = ""
    tags: list[str] = field(default_factory=list)
    assets: dict[str, PlannedAsset] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Filled in by plan_resolve:
    competency: Competency | None = None
    level: Level | None = None
    landing_status: str = VersionStatus.DRAFT
    duplicate_of: str = ""

    @property
    def type(self) -> str:
        return self.content.type if self.content else ""

    def add_asset(self, name: str, data: bytes, content_type: str) -> str:
        """Keeps an image for the stem; returns the src to write until it is stored."""
        token = f"{ASSET_SCHEME}{hashlib.sha256(data).hexdigest()[:16]}"
        self.assets[token] = PlannedAsset(name=name, data=data, content_type=content_type)
        return token

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "where": self.where,
            "source_type": self.source_type,
            "supported": self.supported,
            "type": self.type,
            "ref": self.ref,
            "landing_status": self.landing_status,
            "competency": self.competency.code if self.competency else "",
            "tags": self.tags,
            "duplicate_of": self.duplicate_of,
            "errors": self.errors,
            "warnings": self.warnings,
        }


@dataclass
class ImportPlan:
    source_name: str
    format: str  # a label: "QTI 3.0 package", "Moodle XML", "GIFT" ...
    items: list[PlannedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def unsupported(self) -> list[PlannedItem]:
        return [i for i in self.items if not i.supported]

    @property
    def with_errors(self) -> list[PlannedItem]:
        return [i for i in self.items if i.supported and i.errors]

    @property
    def to_import(self) -> list[PlannedItem]:
        return [i for i in self.items if i.supported and not i.errors and not i.duplicate_of]

    @property
    def duplicates(self) -> list[PlannedItem]:
        return [i for i in self.items if i.duplicate_of]

    def refusal(self, *, skip_unsupported: bool) -> str:
        """Why nothing can be imported, or an empty string when the plan can be saved."""
        if self.errors:
            return _("The file has errors: %(errors)s") % {"errors": "; ".join(self.errors)}
        broken = self.with_errors
        if broken:
            listed = "; ".join(f"{i.name} ({i.where}): {' '.join(i.errors)}" for i in broken)
            return ngettext(
                "%(n)s item has errors, so nothing is imported: %(items)s",
                "%(n)s items have errors, so nothing is imported: %(items)s",
                len(broken),
            ) % {"n": len(broken), "items": listed}
        if self.unsupported and not skip_unsupported:
            return ngettext(
                "%(n)s item is of a type certdesk does not support, so nothing is imported: %(items)s. "
                "Skip unsupported items to import the rest.",
                "%(n)s items are of types certdesk does not support, so nothing is imported: %(items)s. "
                "Skip unsupported items to import the rest.",
                len(self.unsupported),
            ) % {"n": len(self.unsupported), "items": unsupported_list(self)}
        return ""

    def warning_count(self) -> int:
        return len(self.warnings) + sum(len(i.warnings) for i in self.items)

    def as_dict(self) -> dict:
        return {
            "source_name": self.source_name,
            "format": self.format,
            "warnings": self.warnings,
            "errors": self.errors,
            "items": [i.as_dict() for i in self.items],
        }


def unsupported_list(plan: ImportPlan) -> str:
    return "; ".join(f"{i.name} ({i.source_type})" for i in plan.unsupported)


# --- resolving codes against this bank -------------------------------------------------------


def _landing_status(item: PlannedItem, keep_status: bool) -> str:
    wanted = item.source_status if item.from_certdesk else ""
    tagged = item.competency is not None and item.difficulty is not None
    if wanted in (VersionStatus.APPROVED, VersionStatus.RETIRED):
        if not keep_status:
            item.warnings.append(
                _("Exported as %(status)s; lands as a draft, because only program administrators keep the status.")
                % {"status": wanted}
            )
        elif not tagged:
            item.warnings.append(
                _("Exported as %(status)s but has no competency and difficulty here, so lands as a draft.")
                % {"status": wanted}
            )
        else:
            return wanted
    elif wanted == VersionStatus.IN_REVIEW:
        item.warnings.append(_("Exported while in review; lands as a draft to be sent to review again."))
    return VersionStatus.DRAFT


def plan_resolve(plan: ImportPlan, *, keep_status: bool = True) -> ImportPlan:
    """Looks up competencies and levels, checks references against the bank, sets the status
    each item will land in, and checks every supported item's content as item_create would."""
    competencies = {c.code: c for c in Competency.objects.select_related("domain__standard")}
    levels = {(lv.standard_id, lv.number): lv for lv in Level.objects.all()}
    refs = [i.ref for i in plan.items if i.ref]
    existing = {
        item.ref: item
        for item in Item.objects.filter(ref__in=refs)
        .select_related("current_version")
        .prefetch_related("current_version__options")
    }
    seen_refs: set[str] = set()
    for item in plan.items:
        if not item.supported or item.content is None:
            continue
        for message_list in content_errors(item.content).values():
            item.errors.extend(message_list)
        identifiers = [o.identifier for o in item.content.options if o.identifier]
        if len(set(identifiers)) != len(identifiers) or any(len(i) > 64 for i in identifiers):
            item.warnings.append(_("The choices' identifiers are repeated or too long; new ones are given."))
            for option in item.content.options:
                option.identifier = ""
        if item.competency_code:
            item.competency = competencies.get(item.competency_code)
            if item.competency is None:
                item.warnings.append(
                    _("Competency %(code)s is not in this installation's standards; the item lands untagged.")
                    % {"code": item.competency_code}
                )
        if item.level_number is not None:
            standard_id = item.competency.domain.standard_id if item.competency else None
            item.level = levels.get((standard_id, item.level_number))
            if item.level is None:
                item.warnings.append(_("Level %(n)s is unknown here and is left out.") % {"n": item.level_number})
        if item.difficulty is not None and not 1 <= item.difficulty <= 5:
            item.warnings.append(_("Difficulty %(d)s is not from 1 to 5 and is left out.") % {"d": item.difficulty})
            item.difficulty = None
        item.tags = sorted({t.strip()[:200] for t in item.tags if t.strip()})
        item.landing_status = _landing_status(item, keep_status)
        if item.ref:
            if len(item.ref) > 64 or item.ref in seen_refs:
                item.warnings.append(
                    _("Reference %(ref)s is not usable here; the item gets a new one.") % item.__dict__
                )
                item.ref = ""
            elif item.ref in existing:
                current = existing[item.ref].current_version
                if current is not None and not item.assets and _same_content(ItemContent.of(current), item.content):
                    item.duplicate_of = item.ref
                    item.warnings.append(_("Already in the bank as %(ref)s; skipped.") % {"ref": item.ref})
                else:
                    item.warnings.append(
                        _("Reference %(ref)s is taken by another item here; the item gets a new reference.")
                        % {"ref": item.ref}
                    )
                    item.ref = ""
            seen_refs.add(item.ref)
    return plan


def _normalised(content: ItemContent) -> tuple:
    return (
        content.type,
        content.scoring if content.type == "multiple" else "all_or_nothing",
        clean_stem(content.stem),
        plain_text(content.rationale),
        tuple((plain_text(o.text), bool(o.is_correct) and content.type != "ordering") for o in content.options),
    )


def _same_content(a: ItemContent, b: ItemContent) -> bool:
    return _normalised(a) == _normalised(b)


# --- saving ----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[str]
    skipped_unsupported: int
    skipped_duplicates: int
    dry_run: bool


def _store_assets(item: PlannedItem, author: User, written: list[str]) -> str:
    stem = item.content.stem
    for token, asset in item.assets.items():
        digest = hashlib.sha256(asset.data).hexdigest()
        stored = ItemAsset.objects.filter(sha256=digest).first()
        if stored is None:
            name = asset.name.rsplit("/", 1)[-1] or "image"
            if not mimetypes.guess_extension(asset.content_type) or "." not in name:
                name += mimetypes.guess_extension(asset.content_type) or ""
            stored = ItemAsset(sha256=digest, original_name=name[:255], content_type=asset.content_type)
            stored.uploaded_by = author
            stored.file.save(name, ContentFile(asset.data), save=False)
            written.append(stored.file.name)
            stored.save()
        stem = stem.replace(token, stored.file.url)
    return stem


def import_plan_apply(
    plan: ImportPlan,
    *,
    author: User,
    skip_unsupported: bool,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Saves every importable item in one transaction, or nothing. A dry run does the same work
    and rolls it back, so it succeeds exactly when the real import would."""
    refusal = plan.refusal(skip_unsupported=skip_unsupported)
    if refusal:
        raise ImportRefused(refusal)
    todo = plan.to_import
    created: list[str] = []
    written: list[str] = []
    try:
        with transaction.atomic():
            for number, planned in enumerate(todo, start=1):
                content = replace(planned.content, stem=_store_assets(planned, author, written))
                try:
                    item = item_create(
                        content=content,
                        tags=ItemTags(
                            competency=planned.competency,
                            level=planned.level,
                            difficulty=planned.difficulty,
                            enemy_group=planned.enemy_group,
                            tags=planned.tags,
                        ),
                        by=author,
                        ref=planned.ref or None,
                        kind=ItemEvent.Kind.IMPORTED,
                        comment=_("Imported from %(file)s") % {"file": plan.source_name},
                        status=planned.landing_status,
                    )
                except ValidationError as error:
                    raise ImportRefused(
                        _("%(name)s (%(where)s) cannot be saved: %(error)s")
                        % {"name": planned.name, "where": planned.where, "error": " ".join(error.messages)}
                    ) from error
                created.append(item.ref)
                if progress:
                    progress(number, len(todo))
            if dry_run:
                transaction.set_rollback(True)
    except BaseException:
        _remove_files(written)
        raise
    if dry_run:
        _remove_files(written)
    return ImportResult(
        created=created,
        skipped_unsupported=len(plan.unsupported),
        skipped_duplicates=len(plan.duplicates),
        dry_run=dry_run,
    )


def _remove_files(names: list[str]) -> None:
    # Files are not transactional: a rolled-back import must not leave orphans in media.
    for name in names:
        default_storage.delete(name)
