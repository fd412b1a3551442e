"""What a session keeps of CDQ jobs: an ended job until its `expiresAt` (createdAt + 30 days), at most
`session.max_runs` jobs, and a tombstone for each dropped job so jobs that depend on it still learn how it ended.

Both rules only drop jobs that have ended (observed now); an active job is kept whatever its age or the count. Both
are amortised: the cap trims with slack (`Store.trim`), expiry sweeps at most once per `SWEEP_EVERY` seconds of
simulator clock and scans only jobs created before the cut-off (`Store.expire`). Tombstones are capped alike.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from simulator.vendors.cdq.flow import observe
from simulator.vendors.cdq.model import CdqJob, CdqState, Tombstone
from simulator.vendors.cdq.render import EXPIRES_AFTER

SWEEP_EVERY = 60.0
SLACK = 0.1


def _ended(state: CdqState, now: float) -> Callable[[CdqJob], bool]:
    def ended(job: CdqJob) -> bool:
        observe(state, job, now)
        return job.timeline.finished

    return ended


def cap(state: CdqState, limit: int, now: float) -> None:
    """After a job was added: keep at most `limit`, dropping the oldest ended jobs first."""
    _forget(state, state.jobs.trim(limit, _ended(state, now), SLACK), limit, now)


def expire(state: CdqState, limit: int, now: float) -> None:
    """Drop ended jobs past their `expiresAt`; at most once per SWEEP_EVERY of simulator clock."""
    if now - state.swept_at < SWEEP_EVERY:
        return
    state.swept_at = now
    dropped = state.jobs.expire(now - EXPIRES_AFTER, lambda job: job.created_at, _ended(state, now))
    _forget(state, dropped, limit, now)


def _forget(state: CdqState, dropped: list[CdqJob], limit: int, now: float) -> None:
    if not dropped:
        return
    gone = {job.id for job in dropped}
    state.order[:] = [entry for entry in state.order if entry[2] not in gone]
    for job in dropped:
        state.deleted[job.id] = Tombstone(job.timeline.state, job.timeline.ended_at(), now)
    deleted = state.deleted
    if len(deleted) > limit:
        for job_id in list(itertools.islice(deleted, len(deleted) - int(limit * (1 - SLACK)))):
            del deleted[job_id]
