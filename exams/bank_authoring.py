"""Writes behind the authoring pages: saving the item editor, storing stem images.

The rules themselves (versions, review, tags) live in exams.bank; these combine them the way
the editor needs, in one transaction.
"""

import hashlib
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from exams.bank import ItemContent, ItemTags, item_edit, item_edit_guard, item_set_tags
from exams.models import Item, ItemAsset, ItemVersion
from exams.models.bank import ItemType, Scoring
from exams.sanitize import clean_stem, plain_text


def _as_stored(content: ItemContent) -> tuple:
    """The content as it would be saved (sanitised, scoring only where it applies), to compare."""
    ordering = content.type == ItemType.ORDERING
    return (
        content.type,
        content.scoring if content.type == ItemType.MULTIPLE else Scoring.ALL_OR_NOTHING,
        clean_stem(content.stem),
        plain_text(content.rationale),
        tuple(
            (plain_text(o.text), False if ordering else bool(o.is_correct), plain_text(o.feedback))
            for o in content.options
        ),
    )


@transaction.atomic
def item_revise(
    *, item: Item, content: ItemContent, tags: ItemTags, by: User, comment: str = ""
) -> tuple[ItemVersion, bool]:
    """Saves the editor: the text (a new version after an approved one) and the tags together.

    Returns the current version and whether the text changed. Tags alone never make a new version:
    they are not what the candidate sees.
    """
    item = Item.objects.select_for_update().get(pk=item.pk)
    item_edit_guard(item=item, by=by)
    changed = _as_stored(content) != _as_stored(ItemContent.of(item.current_version))
    if changed:
        item_edit(item=item, content=content, by=by, comment=comment)
        item.refresh_from_db()
    item_set_tags(item=item, tags=tags, by=by)
    return item.current_version, changed


# --- stem images ---------------------------------------------------------------------------

MAX_ASSET_BYTES = 2 * 1024 * 1024
# Raster formats only, recognised by their first bytes: an SVG could carry script, and the name or
# the browser's declared type proves nothing.
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
]


def _image_type(data: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in _SIGNATURES:
        if data.startswith(signature):
            return content_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def asset_store(*, data: bytes, name: str, by: User) -> ItemAsset:
    """Stores an image for stems in the app's own media; the same bytes are stored once."""
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    if len(data) > MAX_ASSET_BYTES:
        raise ValidationError({"file": _("Images can be up to 2 MB.")})
    kind = _image_type(data)
    if kind is None:
        raise ValidationError({"file": _("Upload a PNG, JPEG, GIF or WebP image.")})
    content_type, extension = kind
    digest = hashlib.sha256(data).hexdigest()
    existing = ItemAsset.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    stem = re.sub(r"[^\w-]+", "-", name.rsplit(".", 1)[0]).strip("-")[:80] or "image"
    asset = ItemAsset(sha256=digest, original_name=name[:255], content_type=content_type, uploaded_by=by)
    asset.file.save(stem + extension, ContentFile(data), save=False)
    asset.save()
    return asset
