from django import template
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

BULLETS = ("•", "- ", "* ")


@register.filter
def paragraphs(text: str) -> str:
    """Source text as paragraphs: blank lines separate them, wrapped lines are joined,
    and bullet lines become a list, so transcription line breaks do not show."""
    blocks = []
    for block in (text or "").strip().split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        prose, items = [], []
        for line in lines:
            if line.startswith(BULLETS):
                items.append(line.lstrip("•-* ").strip())
            elif items:
                items[-1] += " " + line
            else:
                prose.append(line)
        if prose:
            blocks.append(f"<p>{escape(' '.join(prose))}</p>")
        if items:
            blocks.append("<ul>" + format_html_join("", "<li>{}</li>", ((item,) for item in items)) + "</ul>")
    return mark_safe("".join(blocks))  # noqa: S308 - every piece is escaped above
