"""The candidate dashboard's exams block, and times written in the candidate's own zone."""

import zoneinfo

from django import template
from django.utils import dateformat, timezone

from candidates.booking_emails import candidate_zone
from exams.session_selectors import candidate_exams

register = template.Library()


@register.filter
def local_time(value, zone_name: str) -> str:
    """'Tue 14 Jul 2026, 09:00 (Europe/Lisbon)': the time where the candidate is, the zone named."""
    if not value:
        return ""
    zone = zoneinfo.ZoneInfo(zone_name or "UTC")
    return f"{dateformat.format(timezone.localtime(value, zone), 'D j M Y, H:i')} ({zone.key})"


@register.filter
def local_date(value, zone_name: str) -> str:
    """The calendar date where the candidate is."""
    if not value:
        return ""
    return dateformat.format(timezone.localtime(value, zoneinfo.ZoneInfo(zone_name or "UTC")), "j M Y")


@register.inclusion_tag("candidates/booking/dashboard_exams.html", takes_context=True)
def dashboard_exams(context) -> dict:
    user = context["request"].user
    profile = context.get("profile")  # the dashboard has it already: no second query
    return {
        "exams": candidate_exams(candidate=user),
        "tz_name": profile.time_zone if profile else candidate_zone(user).key,
        "request": context["request"],
    }
