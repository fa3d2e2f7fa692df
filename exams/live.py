"""An attempt's live version: a number in the cache that changes whenever the attempt does.

The candidate's exam screen asks for it every two seconds (candidates.views_exam.exam_live) and
fetches the attempt's state only when it changed, so a proctor's pause, extra time, message or
termination reaches the screen within seconds while the common answer ("nothing new") costs one
cache read and no database query. Every transition and logged action in exams.delivery bumps it
once its transaction commits; anything else that changes what the candidate should see (an
admission, say) calls bump() the same way.
"""

import time
from collections.abc import Iterable

from django.core.cache import cache

# Long enough for any exam day; a version that expired is re-seeded and the screen refetches once.
TIMEOUT = 24 * 60 * 60


def _key(attempt_id: int) -> str:
    return f"exam-live:{attempt_id}"


def _seed() -> int:
    # Milliseconds since the epoch: a counter that was lost never restarts at a value a browser holds.
    return time.time_ns() // 1_000_000


def bump(attempt_id: int) -> None:
    key = _key(attempt_id)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, _seed(), TIMEOUT)


def bump_many(attempt_ids: Iterable[int]) -> None:
    for attempt_id in attempt_ids:
        bump(attempt_id)


def version(attempt_id: int) -> int:
    key = _key(attempt_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, _seed(), TIMEOUT)
        value = cache.get(key)
    return value
