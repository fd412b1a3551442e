"""`max_concurrent_runs` and the job queue, settled lazily.

Each job keeps the ids of its started runs that were not yet seen final (`active`) and of its queued runs. When any
run of the job is observed, `settle` evaluates the active runs, and starts queued runs in order at the exact
moments slots freed up (the end times of the runs before them), so the cost follows the job's active and queued
runs, never all its stored runs; while nothing is queued and the list of active runs is under the limit, there is
nothing to settle.
"""

from __future__ import annotations

import bisect
from typing import Any

from simulator.engine.lifecycle import Step
from simulator.vendors.databricks import due
from simulator.vendors.databricks.execution import Executor
from simulator.vendors.databricks.lifecycle import CANCEL_PATH
from simulator.vendors.databricks.model import DatabricksState, Run
from simulator.vendors.databricks.views import skip_message

DEFAULT_LIMIT = 1


def limit_of(state: DatabricksState, job_id: int) -> int:
    job = state.jobs.get(job_id)
    if job is None:
        return DEFAULT_LIMIT
    return int(job.settings.get("max_concurrent_runs", DEFAULT_LIMIT))


def queue_enabled(settings: dict[str, Any], body: dict[str, Any], by_default: bool = True) -> bool:
    """run-now's `queue` wins over the job's; a job without `queue` queues if it came through the Jobs API 2.2."""
    chosen = body.get("queue") or settings.get("queue") or {"enabled": by_default}
    return bool(chosen.get("enabled", True))


def settle(executor: Executor, job_id: int, now: float) -> None:
    state = executor.state
    active = state.active.get(job_id)
    queued = state.queued.get(job_id)
    if not active and not queued:
        return
    active = state.active.setdefault(job_id, [])
    queued = state.queued.setdefault(job_id, [])
    limit = limit_of(state, job_id)
    if not queued and len(active) < limit:
        # Nothing waits for a slot and one is free even counting runs that may have ended unseen: their bookkeeping
        # can wait until the limit is reached, so a request costs O(1), not O(active runs) (amortised).
        return
    index = due.index_of(state, job_id, active)
    heap = index.heap
    if queued and 0 < limit <= len(active) and (not heap or heap[0][0] > now) and queued[0] in state.runs:
        # Every slot is taken and no active run can have ended by now: the queue stays as it is (what the loop
        # below would find, without its bookkeeping; a job flooded with run-now requests comes here each time).
        return
    ended: list[tuple[float, int]] = []  # active runs seen final, by end time; they hold a slot until then
    gone: set[int] = set()  # active runs no longer stored
    floor = now  # a free slot without an end before it comes from a raised limit: it opened now
    while True:
        # Only runs due by now can have ended: the others are not looked at (the heap orders them).
        while (run_id := due.pop_due(index, now)) is not None:
            run = state.runs.get(run_id)
            if run is None:
                gone.add(run_id)
                continue
            executor.advance(run, now)
            if run.final_at is not None:
                bisect.insort(ended, (run.final_at, run_id))
            else:
                due.file(state, run)
        head = state.runs.get(queued[0]) if queued else None
        if head is None or limit <= 0:
            _release(active, [run_id for _, run_id in ended], gone)
            if queued and head is None:
                queued.pop(0)
                ended, gone = [], set()
                continue
            return
        needed = len(active) - len(gone) - limit + 1
        if needed > len(ended):
            _release(active, [run_id for _, run_id in ended], gone)
            return
        at = max(head.created_at, ended[needed - 1][0] if needed > 0 else floor)
        cut = bisect.bisect_right(ended, (at, _AFTER_ALL_IDS))
        _release(active, [run_id for _, run_id in ended[:cut]], gone)
        ended, gone = ended[cut:], set()
        queued.pop(0)
        start(head, at)
        active.append(head.run_id)
        due.file(state, head)
        floor = at


_AFTER_ALL_IDS = 1 << 62


def _release(active: list[int], ended: list[int], gone: set[int]) -> None:
    """Take runs that ended (or are no longer stored) out of a job's active list."""
    if len(ended) + len(gone) > 32:
        drop = {*ended, *gone}
        active[:] = [run_id for run_id in active if run_id not in drop]
        return
    for run_id in (*ended, *gone):
        active.remove(run_id)


def start(run: Run, at: float) -> None:
    run.admission = "started"
    run.latest.started_at = at


def admit(
    executor: Executor, run: Run, settings: dict[str, Any], body: dict[str, Any], now: float, queues_by_default: bool
) -> None:
    """Start a new job run now, queue it, or skip it (MAXIMUM_CONCURRENT_RUNS_REACHED) per the job's limit."""
    state = executor.state
    assert run.job_id is not None
    settle(executor, run.job_id, now)
    limit = int(settings.get("max_concurrent_runs", DEFAULT_LIMIT))
    run.queue_limit = limit
    active = state.active.setdefault(run.job_id, [])
    queued = state.queued.setdefault(run.job_id, [])
    if limit > 0 and len(active) < limit and not queued:
        start(run, now)
        active.append(run.run_id)
        due.file(state, run)
    elif limit > 0 and queue_enabled(settings, body, queues_by_default):
        run.admission = "queued"
        queued.append(run.run_id)
    else:
        run.admission = "skipped"
        end_without_running(executor, run, now, "SKIPPED")


def end_without_running(executor: Executor, run: Run, at: float, how: str) -> None:
    """A run that never started ends: skipped for concurrency, or cancelled while queued."""
    round_ = run.latest
    if how == "SKIPPED":
        step = Step("SKIPPED", result="MAXIMUM_CONCURRENT_RUNS_REACHED", message=skip_message(run))
    else:
        step = CANCEL_PATH[-1]
        round_.stop, round_.stopped_at = "cancel", at
    for slot in round_.slots.values():
        executor.end_unstarted(slot, step, at)
    round_.started_at = round_.ended_at = run.final_at = at


def cancel_queued(executor: Executor, run: Run, at: float) -> None:
    assert run.job_id is not None
    queued = executor.state.queued.get(run.job_id, [])
    if run.run_id in queued:
        queued.remove(run.run_id)
    run.admission = "canceled"
    end_without_running(executor, run, at, "CANCELED")
