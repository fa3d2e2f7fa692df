"""Reads of the question bank for the authoring pages.

Each read is a fixed number of queries whatever the size of the bank or the page, so the bank
browser stays fast at tens of thousands of items.
"""

import difflib
import hashlib
import random
import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from exams.bank import ItemContent
from exams.models import Item, ItemEvent, ItemVersion
from exams.models.bank import ItemType, VersionStatus
from exams.sanitize import clean_stem, plain_text
from standards.models import Competency, Level

PAGE_SIZES = (25, 50, 100)
SORTS = {
    "ref": ("ref",),
    "-ref": ("-ref",),
    "-updated": ("-updated_at", "-pk"),
    "updated": ("updated_at", "pk"),
}


@dataclass
class BankChoices:
    """What the filter and tagging forms offer, read once per page."""

    competencies: list[Competency]
    levels: list[Level]
    authors: list[User] = field(default_factory=list)

    @property
    def standards(self) -> list:
        seen = {}
        for competency in self.competencies:
            seen.setdefault(competency.domain.standard_id, competency.domain.standard)
        return list(seen.values())

    @property
    def domains(self) -> list:
        seen = {}
        for competency in self.competencies:
            seen.setdefault(competency.domain_id, competency.domain)
        return list(seen.values())


def bank_choices(*, with_authors: bool = True) -> BankChoices:
    # Only the columns the select boxes show: standards and competencies carry long texts.
    competencies = list(
        Competency.objects.select_related("domain__standard")
        .only("code", "title", "domain__code", "domain__name", "domain__standard__code")
        .order_by("domain__standard__code", "domain__order", "order")
    )
    levels = list(
        Level.objects.select_related("standard")
        .only("number", "name", "standard__code")
        .order_by("standard__code", "number")
    )
    authors = []
    if with_authors:
        authors = list(
            User.objects.filter(Exists(Item.objects.filter(created_by=OuterRef("pk"))))
            .only("username", "first_name", "last_name")
            .order_by("last_name", "first_name", "username")
        )
    return BankChoices(competencies=competencies, levels=levels, authors=authors)


def bank_items(
    *,
    standard: int | None = None,
    domain: int | None = None,
    competency: int | None = None,
    level: int | None = None,
    status: str = "",
    author: int | None = None,
    type: str = "",
    q: str = "",
    tag: str = "",
    enemy_group: str = "",
    sort: str = "ref",
) -> QuerySet[Item]:
    """The bank browser's list: items with their current version, filtered and sorted.

    Paginate it: the page costs one count, one page query and one query for the page's tags.
    """
    items = Item.objects.all()
    if standard:
        items = items.filter(competency__domain__standard_id=standard)
    if domain:
        items = items.filter(competency__domain_id=domain)
    if competency:
        items = items.filter(competency_id=competency)
    if level:
        items = items.filter(level_id=level)
    if status:
        items = items.filter(current_version__status=status)
    if author:
        items = items.filter(created_by_id=author)
    if type:
        items = items.filter(current_version__type=type)
    if q := q.strip():
        # The stem match as its own subquery, so PostgreSQL can answer it from the trigram index
        # (migration 0005) instead of scanning every stem joined to its item.
        stems = ItemVersion.objects.filter(stem__icontains=q).values("pk")
        items = items.filter(Q(ref__icontains=q) | Q(current_version__in=stems))
    if tag := tag.strip():
        items = items.filter(tags__name__iexact=tag)
    if enemy_group := enemy_group.strip():
        items = items.filter(enemy_group__iexact=enemy_group)
    return (
        items.select_related("current_version", "competency", "level__standard", "created_by")
        .prefetch_related("tags")
        .order_by(*SORTS.get(sort, SORTS["ref"]))
    )


def item_for_page(pk: int) -> Item:
    """An item with what its page shows: tags, every version with options, the people involved."""
    versions = ItemVersion.objects.select_related("created_by", "reviewed_by").prefetch_related("options")
    return get_object_or_404(
        Item.objects.select_related(
            "competency__domain__standard", "level__standard", "created_by", "current_version", "approved_version"
        ).prefetch_related("tags", Prefetch("versions", queryset=versions.order_by("-number"))),
        pk=pk,
    )


def item_events(item: Item) -> QuerySet[ItemEvent]:
    return item.events.select_related("actor", "version").order_by("-at", "-id")


def review_queue(*, reviewer: User) -> QuerySet[ItemVersion]:
    """Versions waiting for review that this reviewer did not write, longest waiting first."""
    submitted = (
        ItemEvent.objects.filter(version=OuterRef("pk"), to_status=VersionStatus.IN_REVIEW)
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    return (
        ItemVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        .exclude(created_by=reviewer)
        .annotate(submitted_at=Subquery(submitted))
        .select_related("item__competency__domain__standard", "item__level__standard", "created_by")
        .prefetch_related("options", "item__tags")
        .order_by("submitted_at", "pk")
    )


# --- what the candidate sees -----------------------------------------------------------------

PROMPTS = {
    ItemType.SINGLE: _("Choose one answer."),
    ItemType.TRUE_FALSE: _("Choose true or false."),
    ItemType.MULTIPLE: _("Choose every answer that applies."),
    ItemType.ORDERING: _("Put the steps in the right order."),
}


@dataclass(frozen=True)
class CandidateView:
    """An item as the candidate sees it. It carries no key, feedback or rationale, so no template
    given one can show them."""

    type: str
    stem: str
    prompt: str
    options: list[str]

    @property
    def input_type(self) -> str:
        return "checkbox" if self.type == ItemType.MULTIPLE else "radio"

    @property
    def is_ordering(self) -> bool:
        return self.type == ItemType.ORDERING


def candidate_view(content: ItemContent) -> CandidateView:
    texts = [plain_text(o.text) for o in content.options]
    texts = [t for t in texts if t]
    if content.type == ItemType.ORDERING and len(texts) > 1:
        # The written order is the key, so the candidate never sees it: a fixed shuffle per stem,
        # turned by one step if it happens to leave the order as written.
        seed = int(hashlib.sha256(content.stem.encode()).hexdigest()[:8], 16)
        shuffled = texts[:]
        random.Random(seed).shuffle(shuffled)
        texts = shuffled if shuffled != texts else texts[1:] + texts[:1]
    return CandidateView(
        type=content.type,
        stem=clean_stem(content.stem),
        prompt=str(PROMPTS.get(content.type, "")),
        options=texts,
    )


# --- differences between two versions ----------------------------------------------------

_TOKENS = re.compile(r"<[^>]*>|\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Segment:
    op: str  # "equal", "insert" or "delete"
    text: str


def _word_diff(old: str, new: str) -> list[Segment]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    words = difflib.SequenceMatcher(None, [t for t in a if not t.isspace()], [t for t in b if not t.isspace()])
    if old and new and words.ratio() < 0.5:
        # Rewritten rather than edited: word-by-word changes would only interleave two texts.
        return [Segment("delete", old), Segment("insert", new)]
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def _diff(old: str, new: str) -> list[Segment]:
    """Line by line, then word by word inside a line that was edited."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
        elif op == "replace" and i2 - i1 == j2 - j1:
            for line_a, line_b in zip(a[i1:i2], b[j1:j2], strict=True):
                segments += _word_diff(line_a, line_b)
        else:
            if i2 > i1:
                segments.append(Segment("delete", "".join(a[i1:i2])))
            if j2 > j1:
                segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def _option_lines(version: ItemVersion) -> list[str]:
    lines = []
    for option in version.options.all():
        line = f"{option.position}. {option.text}"
        if option.feedback:
            line += f" — {_('feedback')}: {option.feedback}"
        lines.append(line)
    return lines


def _key_text(version: ItemVersion) -> str:
    options = list(version.options.all())
    if version.type == ItemType.ORDERING:
        return " → ".join(o.text for o in options)
    return "\n".join(f"{o.position}. {o.text}" for o in options if o.is_correct)


def _settings_text(version: ItemVersion) -> str:
    text = str(version.get_type_display())
    if version.type == ItemType.MULTIPLE:
        text += f" ({version.get_scoring_display()})"
    return text


@dataclass(frozen=True)
class DiffSection:
    name: str
    segments: list[Segment]

    @property
    def changed(self) -> bool:
        return any(s.op != "equal" for s in self.segments)


def version_diff(old: ItemVersion, new: ItemVersion) -> list[DiffSection]:
    """What changed from one version to another: the stem's source, the options, the key and more,
    each as a run of kept, deleted and inserted text (difflib, by line and then by word)."""
    sections = [
        (_("Type"), _settings_text(old), _settings_text(new)),
        (_("Stem"), old.stem, new.stem),
        (_("Options"), "\n".join(_option_lines(old)), "\n".join(_option_lines(new))),
        (_("Key"), _key_text(old), _key_text(new)),
        (_("Rationale"), old.rationale, new.rationale),
    ]
    return [DiffSection(str(name), _diff(a, b)) for name, a, b in sections]
