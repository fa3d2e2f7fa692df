"""What a load balancer, docker-compose and an operator ask: is this instance able to serve?"""

from django.core.cache import cache
from django.db import connection


def health_report() -> dict:
    """Checks the database and the cache with one round trip each."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    cache.set("certdesk:health", "ok", 10)
    return {
        "database": connection.vendor,
        "cache": cache.get("certdesk:health") == "ok",
    }
