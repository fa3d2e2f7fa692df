"""How higher floors (candidates, proctoring, certificates) hear from and inform the exam core
without the core importing them.

- `result_released` is sent inside the transaction that releases a result; receivers that
  queue work do it with transaction.on_commit.
- `release_blockers`: callables (attempt) -> reason or None; any reason holds the result for review.
- `legal_name_provider`: the callable that gives a candidate's legal name as printed.
- `start_blockers`: callables (attempt) -> reason or None, asked before an attempt starts.
- `integrity_reporters`: callables told of the candidate browser's integrity events (tab left, copy...).
"""

from collections.abc import Callable

from django.dispatch import Signal

result_released = Signal()  # sender=Attempt class, attempt=<Attempt>

release_blockers: list[Callable] = []


def _default_legal_name(user) -> str:
    return user.get_full_name() or user.get_username()


legal_name_provider: list[Callable] = [_default_legal_name]


def legal_name_for(user) -> str:
    return legal_name_provider[-1](user)


# Callables (candidate, program) -> reason or None: e.g. a prerequisite certificate is missing.
eligibility_checks: list[Callable] = []

# Callables (attempt) -> reason or None, asked before an attempt starts (e.g. awaiting admission).
start_blockers: list[Callable] = []

# Callables (attempt, events, client) told what the candidate's browser reported or the server noticed
# during the exam: events are dicts {"kind", "at" (client time in ms or None), "detail", "source"
# ("browser" or "server")}, client is {"ip", "user_agent"}. The proctoring app records them; without it
# they are dropped.
integrity_reporters: list[Callable] = []


def report_integrity(attempt, events: list[dict], client: dict) -> None:
    for reporter in integrity_reporters:
        reporter(attempt=attempt, events=events, client=client)
