"""Writes to the question bank: creating and editing items, the review workflow, tagging.

Every write is atomic and leaves an ItemEvent. Status changes go through one transition
table (TRANSITIONS); an approved version is never edited, editing makes a new version.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from exams.models import Item, ItemEvent, ItemOption, ItemVersion, Tag
from exams.models.bank import ItemType, Scoring, VersionStatus
from exams.sanitize import clean_stem, plain_text
from standards.models import Competency, Level

S = VersionStatus


@dataclass
class OptionData:
    text: str
    is_correct: bool = False
    feedback: str = ""
    identifier: str = ""


@dataclass
class ItemContent:
    """What the candidate sees and how it is keyed. For ordering, options are in the key's order."""

    type: str
    stem: str
    options: list[OptionData]
    rationale: str = ""
    scoring: str = Scoring.ALL_OR_NOTHING

    @classmethod
    def of(cls, version: ItemVersion) -> "ItemContent":
        return cls(
            type=version.type,
            stem=version.stem,
            rationale=version.rationale,
            scoring=version.scoring,
            options=[OptionData(o.text, o.is_correct, o.feedback, o.identifier) for o in version.options.all()],
        )


@dataclass
class ItemTags:
    competency: Competency | None = None
    level: Level | None = None
    difficulty: int | None = None
    enemy_group: str = ""
    tags: list[str] = field(default_factory=list)


def content_errors(content: ItemContent) -> dict[str, list[str]]:
    """Everything wrong with an item's content, by field; empty when it can be saved."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if content.type not in ItemType.values:
        add("type", _("Unknown item type %(type)s.") % {"type": content.type})
        return errors
    if not plain_text(clean_stem(content.stem)) and "<img" not in clean_stem(content.stem):
        add("stem", _("The stem is empty."))
    options = content.options
    texts = [plain_text(o.text) for o in options]
    if any(not text for text in texts):
        add("options", _("Every option needs text."))
    if len(set(t.casefold() for t in texts)) != len(texts):
        add("options", _("Two options have the same text."))
    correct = sum(1 for o in options if o.is_correct)
    if content.type == ItemType.SINGLE:
        if not 2 <= len(options) <= 10:
            add("options", _("A single-choice item has 2 to 10 options."))
        if correct != 1:
            add("key", _("A single-choice item has exactly one correct option (it has %(n)s).") % {"n": correct})
    elif content.type == ItemType.MULTIPLE:
        if not 3 <= len(options) <= 10:
            add("options", _("A multiple-response item has 3 to 10 options."))
        if correct < 1:
            add("key", _("A multiple-response item needs at least one correct option."))
        if content.scoring not in Scoring.values:
            add("scoring", _("Choose all-or-nothing or partial-credit scoring."))
    elif content.type == ItemType.TRUE_FALSE:
        if len(options) != 2:
            add("options", _("A true/false item has exactly two options."))
        if correct != 1:
            add("key", _("A true/false item has exactly one correct option."))
    elif content.type == ItemType.ORDERING:
        if not 2 <= len(options) <= 10:
            add("options", _("An ordering item has 2 to 10 steps."))
    return errors


def _check_content(content: ItemContent) -> None:
    errors = content_errors(content)
    if errors:
        raise ValidationError(errors)


def _write_version(item: Item, number: int, content: ItemContent, by: User, status: str) -> ItemVersion:
    version = ItemVersion.objects.create(
        item=item,
        number=number,
        status=status,
        type=content.type,
        scoring=content.scoring if content.type == ItemType.MULTIPLE else Scoring.ALL_OR_NOTHING,
        stem=clean_stem(content.stem),
        rationale=plain_text(content.rationale),
        created_by=by,
    )
    _write_options(version, content)
    return version


def _option_identifiers(options: list[OptionData]) -> list[str]:
    # A kept identifier (say choice_3 after an option above it was removed) must not collide with
    # the default given to a new option in third place: identifiers are unique per version.
    used = {o.identifier for o in options if o.identifier}
    identifiers = []
    for position, option in enumerate(options, start=1):
        identifier = option.identifier
        if not identifier:
            number = position
            while f"choice_{number}" in used:
                number += 1
            identifier = f"choice_{number}"
            used.add(identifier)
        identifiers.append(identifier)
    return identifiers


def _write_options(version: ItemVersion, content: ItemContent) -> None:
    ordering = content.type == ItemType.ORDERING
    identifiers = _option_identifiers(content.options)
    ItemOption.objects.bulk_create(
        ItemOption(
            version=version,
            position=position,
            identifier=identifiers[position - 1],
            text=plain_text(option.text),
            is_correct=False if ordering else option.is_correct,
            feedback=plain_text(option.feedback),
        )
        for position, option in enumerate(content.options, start=1)
    )


def _event(item: Item, version: ItemVersion | None, kind: str, by: User, **extra) -> ItemEvent:
    event = ItemEvent.objects.create(item=item, version=version, kind=kind, actor=by, **extra)
    Item.objects.filter(pk=item.pk).update(updated_at=event.at)
    return event


def next_item_ref() -> str:
    last = Item.objects.filter(ref__startswith="ITM-").order_by("-ref").values_list("ref", flat=True).first()
    number = int(last.removeprefix("ITM-")) + 1 if last and last.removeprefix("ITM-").isdigit() else 1
    return f"ITM-{number:06d}"


@transaction.atomic
def item_create(
    *,
    content: ItemContent,
    tags: ItemTags,
    by: User,
    ref: str | None = None,
    kind: str = ItemEvent.Kind.CREATED,
    comment: str = "",
    status: str = S.DRAFT,
) -> Item:
    """A new item with its first version: a draft, or for trusted loads (our own export, the demo
    bank) approved or retired as the source says. An untagged item is always a draft."""
    _check_content(content)
    if ref and Item.objects.filter(ref=ref).exists():
        raise ValidationError({"ref": _("An item with reference %(ref)s already exists.") % {"ref": ref}})
    if status not in (S.DRAFT, S.APPROVED, S.RETIRED):
        raise ValidationError({"status": _("A new item starts as draft, approved or retired.")})
    item = Item.objects.create(ref=ref or next_item_ref(), created_by=by)
    _apply_tags(item, tags)
    if not item.is_tagged:
        status = S.DRAFT
    version = _write_version(item, 1, content, by, status)
    item.current_version = version
    if status == S.APPROVED:
        version.approved_at = timezone.now()
        version.save(update_fields=["approved_at"])
        item.approved_version = version
    item.save(update_fields=["current_version", "approved_version"])
    _event(item, version, kind, by, to_status=status, comment=comment)
    return item


def item_edit_guard(*, item: Item, by: User) -> None:
    """Raises unless this user may edit the item now; the editor page asks before showing the form."""
    current = item.current_version
    if current.status == S.IN_REVIEW:
        raise ValidationError(_("This version is in review: withdraw it before editing."))
    if current.status == S.DRAFT and current.created_by_id != by.pk:
        # A draft is edited in place and keeps its author: anyone else writing into it would make
        # "the reviewer is not the author" untrue of the text that gets approved.
        raise PermissionDenied(_("Only the author of a draft can edit it."))


@transaction.atomic
def item_edit(*, item: Item, content: ItemContent, by: User, comment: str = "") -> ItemVersion:
    """Edits the open draft in place, or starts a new draft version after an approved or retired one."""
    _check_content(content)
    item = Item.objects.select_for_update().get(pk=item.pk)
    item_edit_guard(item=item, by=by)
    current = item.current_version
    if current.status == S.DRAFT:
        current.type = content.type
        current.scoring = content.scoring if content.type == ItemType.MULTIPLE else Scoring.ALL_OR_NOTHING
        current.stem = clean_stem(content.stem)
        current.rationale = plain_text(content.rationale)
        current.save(update_fields=["type", "scoring", "stem", "rationale"])
        current.options.all().delete()
        _write_options(current, content)
        _event(item, current, ItemEvent.Kind.EDITED, by, comment=comment)
        return current
    number = item.versions.order_by("-number").values_list("number", flat=True).first() + 1
    version = _write_version(item, number, content, by, S.DRAFT)
    item.current_version = version
    item.save(update_fields=["current_version"])
    _event(
        item,
        version,
        ItemEvent.Kind.NEW_VERSION,
        by,
        to_status=S.DRAFT,
        comment=comment,
        detail={"from_version": current.number},
    )
    return version


def _apply_tags(item: Item, tags: ItemTags) -> None:
    if tags.level is not None and tags.competency is not None:
        if tags.level.standard_id != tags.competency.domain.standard_id:
            raise ValidationError({"level": _("The level belongs to another standard than the competency.")})
    if tags.difficulty is not None and not 1 <= tags.difficulty <= 5:
        raise ValidationError({"difficulty": _("Difficulty is from 1 to 5.")})
    item.competency, item.level, item.difficulty = tags.competency, tags.level, tags.difficulty
    item.enemy_group = (tags.enemy_group or "").strip()
    item.save(update_fields=["competency", "level", "difficulty", "enemy_group"])
    item.tags.set([Tag.objects.get_or_create(name=name.strip())[0] for name in tags.tags if name.strip()])


def _tag_snapshot(item: Item) -> dict:
    return {
        "competency": item.competency.code if item.competency else None,
        "level": item.level.number if item.level else None,
        "difficulty": item.difficulty,
        "enemy_group": item.enemy_group,
        "tags": sorted(item.tags.values_list("name", flat=True)),
    }


@transaction.atomic
def item_set_tags(*, item: Item, tags: ItemTags, by: User) -> None:
    """Classification is not candidate-visible text, so it changes without a new version; audited."""
    before = _tag_snapshot(item)
    _apply_tags(item, tags)
    after = _tag_snapshot(item)
    if before != after:
        _event(item, item.current_version, ItemEvent.Kind.TAGGED, by, detail={"before": before, "after": after})


# --- the review workflow ---------------------------------------------------------------------

# action: (statuses it starts from, status it ends in)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({S.DRAFT}), S.IN_REVIEW),
    "withdraw": (frozenset({S.IN_REVIEW}), S.DRAFT),
    "return": (frozenset({S.IN_REVIEW}), S.DRAFT),
    "approve": (frozenset({S.IN_REVIEW}), S.APPROVED),
    "retire": (frozenset({S.DRAFT, S.APPROVED}), S.RETIRED),
}


class IllegalTransition(ValidationError):
    pass


def allowed_actions(version: ItemVersion, user: User) -> list[str]:
    """The actions this user may take on this version now, for the page's buttons."""
    actions = []
    for action in TRANSITIONS:
        try:
            _guard(version, action, user)
        except (ValidationError, PermissionDenied):
            continue
        actions.append(action)
    return actions


def _guard(version: ItemVersion, action: str, by: User) -> None:
    if action not in TRANSITIONS:
        raise IllegalTransition(_("Unknown action %(action)s.") % {"action": action})
    sources, _target = TRANSITIONS[action]
    if version.status not in sources:
        raise IllegalTransition(
            _("Cannot %(action)s a version that is %(status)s.")
            % {"action": action, "status": version.get_status_display().lower()}
        )
    is_author = version.created_by_id == by.pk
    if action in ("submit", "withdraw"):
        if not (is_author or by.has_role(Role.PROGRAM_ADMIN)) or not by.has_role(Role.AUTHOR, Role.PROGRAM_ADMIN):
            raise PermissionDenied(_("Only the version's author can %(action)s it.") % {"action": action})
    elif action in ("return", "approve"):
        if not by.has_role(Role.REVIEWER):
            raise PermissionDenied(_("Only a reviewer can %(action)s a version.") % {"action": action})
        if is_author:
            raise PermissionDenied(_("A reviewer cannot review their own item."))
    elif action == "retire":
        if version.status == S.DRAFT:
            if not (is_author or by.has_role(Role.PROGRAM_ADMIN)):
                raise PermissionDenied(_("Only the author or a program administrator can discard a draft."))
        elif not by.has_role(Role.REVIEWER, Role.PROGRAM_ADMIN):
            raise PermissionDenied(_("Only a reviewer or a program administrator can retire an item."))
    if action == "submit":
        item = version.item
        if not item.is_tagged:
            raise ValidationError(_("Tag the item with its competency and difficulty before sending it to review."))
        _check_content(ItemContent.of(version))


@transaction.atomic
def version_transition(*, version: ItemVersion, action: str, by: User, comment: str) -> ItemVersion:
    """Moves a version along the workflow; a comment is required on every transition."""
    item = Item.objects.select_for_update().get(pk=version.item_id)
    version = ItemVersion.objects.select_related("item").get(pk=version.pk)
    if not comment.strip():
        raise ValidationError({"comment": _("Say why, in a comment.")})
    _guard(version, action, by)
    source, target = version.status, TRANSITIONS[action][1]
    version.status = target
    fields = ["status"]
    if action in ("approve", "return"):
        version.reviewed_by = by
        fields.append("reviewed_by")
    if action == "approve":
        version.approved_at = timezone.now()
        fields.append("approved_at")
        previous = item.approved_version
        if previous is not None and previous.pk != version.pk:
            # The newer approved text replaces the older one on new forms; old forms keep theirs.
            ItemVersion.objects.filter(pk=previous.pk).update(status=S.RETIRED)
            _event(
                item,
                previous,
                ItemEvent.Kind.TRANSITION,
                by,
                from_status=S.APPROVED,
                to_status=S.RETIRED,
                comment=_("Superseded by version %(n)s.") % {"n": version.number},
            )
        item.approved_version = version
        item.save(update_fields=["approved_version"])
    if action == "retire" and item.approved_version_id == version.pk:
        item.approved_version = None
        item.save(update_fields=["approved_version"])
    if action == "retire" and source == S.DRAFT and item.approved_version_id:
        # A discarded draft hands the item back to the approved text it was a revision of.
        item.current_version = item.approved_version
        item.save(update_fields=["current_version"])
    version.save(update_fields=fields)
    _event(
        item,
        version,
        ItemEvent.Kind.TRANSITION,
        by,
        from_status=source,
        to_status=target,
        comment=comment,
        detail={"action": action},
    )
    return version


def version_submit(*, version: ItemVersion, by: User, comment: str) -> ItemVersion:
    return version_transition(version=version, action="submit", by=by, comment=comment)


def version_approve(*, version: ItemVersion, by: User, comment: str) -> ItemVersion:
    return version_transition(version=version, action="approve", by=by, comment=comment)


def version_return(*, version: ItemVersion, by: User, comment: str) -> ItemVersion:
    return version_transition(version=version, action="return", by=by, comment=comment)


def version_retire(*, version: ItemVersion, by: User, comment: str) -> ItemVersion:
    return version_transition(version=version, action="retire", by=by, comment=comment)


# --- bulk work -------------------------------------------------------------------------------


@transaction.atomic
def items_bulk_tag(
    *,
    items: Iterable[Item],
    by: User,
    competency: Competency | None = None,
    level: Level | None = None,
    difficulty: int | None = None,
    enemy_group: str | None = None,
    add_tags: Iterable[str] = (),
) -> int:
    """Sets the given fields (None leaves a field as it is) on every item; returns how many changed."""
    changed = 0
    add_tags = [t for t in add_tags if t.strip()]
    for item in Item.objects.select_for_update().filter(pk__in=[i.pk for i in items]).order_by("pk"):
        tags = ItemTags(
            competency=competency if competency is not None else item.competency,
            level=level if level is not None else item.level,
            difficulty=difficulty if difficulty is not None else item.difficulty,
            enemy_group=enemy_group if enemy_group is not None else item.enemy_group,
            tags=sorted(set(item.tags.values_list("name", flat=True)) | set(add_tags)),
        )
        before = _tag_snapshot(item)
        item_set_tags(item=item, tags=tags, by=by)
        changed += before != _tag_snapshot(item)
    return changed


@transaction.atomic
def items_bulk_retire(*, items: Iterable[Item], by: User, comment: str) -> int:
    """Retires the approved version of each item; items with nothing approved are left alone."""
    retired = 0
    for item in Item.objects.filter(pk__in=[i.pk for i in items]).order_by("pk"):
        if item.approved_version_id:
            version_retire(version=item.approved_version, by=by, comment=comment)
            retired += 1
    return retired
