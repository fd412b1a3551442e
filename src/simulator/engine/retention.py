"""What an API keeps of its runs (or jobs), for every vendor: an age after which ended runs go and a cap on their
number. Vendors call it from their `retain` hook, which the dispatcher calls once per request before the handler,
so no handler trims or expires by hand and a request sees the store as its rules leave it.

Both rules drop only runs that have ended (observed now): an active run is kept whatever its age or the count. Both
are amortised: the cap trims with slack (`Store.trim`), and the age rule sweeps at most once per `SWEEP_EVERY`
seconds of simulator clock, scanning only runs created before the cut-off (`Store.expire`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from simulator.engine.store import Store

V = TypeVar("V")

SWEEP_EVERY = 60.0
SLACK = 0.1


@dataclass(frozen=True, slots=True)
class Expiry(Generic[V]):
    """The age rule: a run created more than `max_age` ago (by `born`) goes once `expired(run, cutoff)` holds."""

    max_age: float
    born: Callable[[V], float]
    expired: Callable[[V, float], bool]


def quiet(store: Store[Any, Any], now: float, limit: int, with_age: bool = True) -> bool:
    """True when `retain` would do nothing now (no sweep due, store within its cap): a vendor can skip building its
    callbacks."""
    return store.quiet(now, limit, SWEEP_EVERY if with_age else None)


def retain(
    store: Store[Any, V], now: float, limit: int, ended: Callable[[V], bool], expiry: Expiry[V] | None = None
) -> list[V]:
    """Apply the rules to `store` at `now`: the age rule (when given and a sweep is due), then the cap of `limit`
    (`ended` says whether a run may go). Returns the runs dropped, for the vendor to forget its indexes of them."""
    dropped: list[V] = []
    if expiry is not None and store.sweep_due(now, SWEEP_EVERY):
        cutoff = now - expiry.max_age
        dropped = store.expire(cutoff, expiry.born, lambda run: expiry.expired(run, cutoff))
    dropped += store.trim(limit, ended, SLACK)
    return dropped
