"""Stems are rich text from authors and from other tools' files: keep formatting, drop the rest."""

import html

import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


def _own_media_only(tag: str, attribute: str, value: str) -> str | None:
    # Images load only from this app's media: a remote image would leak who takes the exam, and when.
    if tag == "img" and attribute == "src":
        media = "/" + settings.MEDIA_URL.lstrip("/")
        return value if value.startswith(media) and ".." not in value else None
    return value


def clean_stem(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_own_media_only,
        url_schemes={"http", "https"},
        link_rel=None,
    ).strip()


def plain_text(value: str) -> str:
    """Option texts and feedback are plain text: markup is removed and entities decoded,
    so templates escape them exactly once."""
    return html.unescape(nh3.clean(value or "", tags=set())).strip()
