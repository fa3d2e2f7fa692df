"""Lookups per client address per minute, counted in Django's cache (Redis in production, so every
gunicorn worker shares one count; local memory otherwise).

The window opens with an address's first lookup and lasts 60 seconds: the key's expiry is set
when it is created and INCR keeps it, so a burst straddling a clock minute is still one window.
"""

import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


def client_address(request) -> str:
    """The caller's address; behind VERIFY_PROXY_COUNT proxies, the one the outermost proxy saw.

    Only entries appended by our own proxies are trusted: anything further left in
    X-Forwarded-For is whatever the client chose to send. IPv6 counts per /64, the block one
    subscriber usually holds, so rotating addresses inside it gains nothing."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.VERIFY_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _key(address: str) -> str:
    return f"verify-rate:{address}"


def lookup_count(address: str) -> int:
    """Counts one lookup for the address and returns how many it has made in its current window."""
    key = _key(address)
    try:
        count = cache.incr(key)  # the usual case, one round trip to the cache
    except ValueError:
        if cache.add(key, 1, timeout=WINDOW_SECONDS):
            return 1
        try:
            count = cache.incr(key)  # another worker opened the window a moment ago
        except ValueError:
            return 1
    if count == 1:
        # Redis's INCR re-created a key that expired between the existence check and the
        # increment; without an expiry it would count forever and lock the address out.
        cache.touch(key, WINDOW_SECONDS)
    return count


def lookup_allowed(address: str) -> tuple[bool, bool]:
    """(allowed, first refusal): a lookup is allowed while the address is within VERIFY_RATE_LIMIT
    a minute; the first refusal in a window is worth recording, the rest are noise."""
    limit = settings.VERIFY_RATE_LIMIT
    if limit <= 0:
        return True, False
    count = lookup_count(address)
    return count <= limit, count == limit + 1
