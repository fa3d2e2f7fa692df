"""The dashboard's table rows as HTML, built here rather than in the template.

The refresh sends every row every two seconds. Through the template engine 300 rows cost 30 to 100 ms
a refresh on a busy server; this costs a few. The markup is the table's only (dashboard.html holds
the table around it), every value is escaped, and the words come translated from the view.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe


class _Escaper(dict):
    """escape() with a memory: labels, states and "8 s ago" repeat across 300 rows; escape each once."""

    def __missing__(self, value) -> str:
        escaped = self[value] = escape(str(value), quote=True)
        return escaped


def _row(r, t: dict, escaper: _Escaper) -> str:
    _e = escaper.__getitem__
    # Public ids are secrets.token_urlsafe() ([A-Za-z0-9_-]), and the URLs are made of them: nothing to escape.
    pid, url = r["public_id"], r["url"]
    state = f'<span class="badge {r["state_badge"]}" data-testid="state">{_e(r["state_label"])}</span>'
    if r["late_text"]:
        state += f' <span class="badge text-bg-warning">{_e(r["late_text"])}</span>'
    if r["flagged"]:
        state += f' <span class="badge text-bg-dark">{_e(t["flagged"])}</span>'
    if r["online"] is True:
        connection = f'<span class="badge text-bg-success">{_e(t["online"])}</span> '
    elif r["online"] is False:
        connection = f'<span class="badge text-bg-danger">{_e(t["offline"])}</span> '
    else:
        connection = ""
    events = "".join(
        f'<span class="badge text-bg-light border">{_e(e["label"])} · {_e(e["at"])}</span> ' for e in r["recent"]
    )
    if r["open_incidents"]:
        incidents = f'<a class="badge text-bg-danger" href="{url}#incidents">{_e(r["incidents_text"])}</a>'
    else:
        incidents = '<span class="text-body-secondary">0</span>'
    admit = ""
    if r["can_admit"]:
        admit = (
            f'<a class="btn btn-sm btn-warning text-nowrap" id="admit-{pid}" href="{r["admit_url"]}">'
            f"{_e(t['admit'])}</a>"
        )
    return (
        f'<tr class="{r["tr_class"]}" data-testid="row-{pid}">'
        f'<th scope="row"><a id="open-{pid}" href="{url}">{_e(r["name"])}</a>'
        f' <span class="small text-body-secondary fw-normal">{_e(r["username"])}</span></th>'
        f"<td>{state}</td>"
        f'<td class="text-end text-nowrap">{r["answered"]} / {r["total"]}</td>'
        f'<td class="font-monospace text-nowrap" data-testid="time-left">{_e(r["remaining"])}</td>'
        f'<td class="text-nowrap">{connection}<span class="small">{_e(r["last_seen"])}</span></td>'
        f'<td class="small text-nowrap">{_e(r["last_activity"])}</td>'
        f'<td class="small" data-testid="events">{events}'
        f'<span class="text-body-secondary">{_e(r["events_text"])}</span></td>'
        f'<td data-testid="incidents">{incidents}</td>'
        f'<td class="small">{_e(r["accommodation"])}</td>'
        f"<td>{admit}</td></tr>"
    )


def rows_html(rows, t: dict, empty: str) -> SafeString:
    if not rows:
        return mark_safe(f'<tr><td colspan="10" class="text-body-secondary">{escape(empty)}</td></tr>')  # noqa: S308
    # Every value above went through escape(); the badge classes come from selectors.STATE_BADGES.
    escaper = _Escaper()
    return mark_safe("\n".join(_row(r, t, escaper) for r in rows))  # noqa: S308
