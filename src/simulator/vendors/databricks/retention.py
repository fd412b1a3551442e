"""What a session keeps: runs for 60 days after they end (the Jobs API's documented retention), at most
`session.max_runs` of them, and every job (definitions are never evicted).

Both rules only drop runs that have ended (after observing them now); an active or queued run is kept whatever its
age or the count. Both are amortised: the cap trims with slack (`Store.trim`), and retention sweeps at most once per
`SWEEP_EVERY` seconds of simulator clock, scanning only runs created before the cut-off (`Store.expire`).
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.vendors.databricks.execution import Executor
from simulator.vendors.databricks.model import Run

RETENTION_SECONDS = 60 * 86400.0  # "Runs are automatically removed after 60 days" (seed 002, runs/get-output)
SWEEP_EVERY = 60.0


def _ended_before(ex: Executor, now: float, cutoff: float) -> Callable[[Run], bool]:
    def ended(run: Run) -> bool:
        if run.final_at is None:
            ex.advance(run, now)
        return run.final_at is not None and run.final_at < cutoff

    return ended


def cap(ex: Executor) -> None:
    """After a run was added: keep at most `max_runs`, dropping the oldest ended runs first."""
    state = ex.state
    now = ex.session.now()
    dropped = state.runs.trim(ex.session.max_runs, _ended_before(ex, now, float("inf")))
    if dropped:
        state.forget(dropped)


def expire(ex: Executor, now: float) -> None:
    """Drop runs that ended more than 60 days ago (on the simulator clock); at most once per SWEEP_EVERY."""
    state = ex.state
    if now - state.swept_at < SWEEP_EVERY:
        return
    state.swept_at = now
    cutoff = now - RETENTION_SECONDS
    dropped = state.runs.expire(cutoff, lambda run: run.created_at, _ended_before(ex, now, cutoff))
    if dropped:
        state.forget(dropped)
