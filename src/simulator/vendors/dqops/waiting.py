"""Long-polls: wait for a job to end, or for the change feed to grow, without a thread and without spinning.

A waiter sleeps on a `Signal` with a timeout that is the earlier of its deadline (real seconds, as the client
measures it) and the real time left until the queue's next scheduled change (`Clock.real_seconds_until`; None on a
virtual clock, where only an advance moves time). `sync` fires the signals of the jobs it saw change; the clock
listener fires them all when a request advances or reconfigures the clock; a cancel fires them through `sync`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from simulator.vendors.dqops.model import DqopsState, Job
from simulator.vendors.dqops.queue import next_wake, sync
from simulator.vendors.dqops.signals import Signal

# Wake a hair after the scheduled change so the clock has surely passed it (asyncio timers may fire early).
_LATE = 0.002


async def _wait(
    state: DqopsState, signal: Signal, done: Callable[[], bool], wake: Callable[[], float | None], timeout: float
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    clock = state.session.clock
    while True:
        sync(state, clock.now())
        if done() or state.session.closing:  # the server is stopping: answer with what we have
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        moment = wake()
        until = clock.real_seconds_until(moment) if moment is not None else None
        await signal.wait(remaining if until is None else min(remaining, until + _LATE))


async def until_job_ends(state: DqopsState, job: Job, timeout: float) -> None:
    """Return when `job` is finished, failed or cancelled, or after `timeout` real seconds."""
    await _wait(state, job.signal, lambda: job.timeline.finished, job.timeline.next_change_at, timeout)


async def until_changes(state: DqopsState, sequence: int, timeout: float) -> None:
    """Return when a change after `sequence` exists, or after `timeout` real seconds."""

    def changed() -> bool:
        return bool(state.changes) and state.changes[-1].sequence > sequence

    await _wait(state, state.feed_signal, changed, lambda: next_wake(state), timeout)
