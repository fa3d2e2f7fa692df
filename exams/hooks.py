"""How higher floors (candidates, proctoring, certificates) hear from and inform the exam core
without the core importing them.

- `result_released` is sent inside the transaction that releases a result; receivers that
  queue work do it with transaction.on_commit.
- `release_blockers`: callables (attempt) -> reason or None; any reason holds the result for review.
- `legal_name_provider`: the callable that gives a candidate's legal name as printed.
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
