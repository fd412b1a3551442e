"""When each active run of a job can next change: a heap per job, so settling the job's queue looks only at runs
that are due instead of walking every active run.

A run's due time is a lower bound of the moment the clock alone changes it: the next step change of a running
attempt, a retry, a task or job timeout, a task whose dependencies all ended (due at once), or its end once it is
final. Reads and interventions (cancel, repair, a changed timeout) move runs off the clock; the executor re-files a
run after each of them (`refile`). The index is derived state: a job whose index disagrees with its list of active
runs (an old snapshot, a missed path) gets it rebuilt from that list.
"""

from __future__ import annotations

import heapq

from simulator.vendors.databricks.model import DatabricksState, DueIndex, Run

NEVER = 1e300  # finite: snapshots are JSON, which has no infinity


def due_at(run: Run) -> float:
    """The earliest moment the clock can change `run` (its end once final); NEVER when only a read or an
    intervention can."""
    if run.final_at is not None:
        return run.final_at
    round_ = run.latest
    if round_.started_at is None:
        return NEVER
    best = NEVER
    if round_.stop is None and run.timeout_seconds > 0:
        best = max(round_.started_at + run.timeout_seconds, run.timeout_floor or 0.0)
    current = run.current
    for slot in round_.slots.values():
        if slot.final_at is not None:
            continue
        if slot.retry_at is not None:
            best = min(best, slot.retry_at)
        elif slot.attempts:
            attempt = slot.attempts[-1]
            if attempt.timeout_at is not None and not attempt.timeout_done:
                best = min(best, attempt.timeout_at)
            change = attempt.timeline.next_change_at()
            if change is not None:
                best = min(best, change)
        elif all(
            (upstream := current.get(d["task_key"])) is None or upstream.final_at is not None
            for d in slot.spec.get("depends_on") or ()
        ):
            best = min(best, round_.started_at)  # nothing holds it back: it starts (or is skipped) when observed
    return best


def index_of(state: DatabricksState, job_id: int, active: list[int]) -> DueIndex:
    """The job's index, rebuilt from its active runs when it does not cover exactly them."""
    index = state.due.get(job_id)
    if index is not None and len(index.due) == len(active):
        return index
    index = state.due[job_id] = DueIndex()
    for run_id in active:
        run = state.runs.get(run_id)
        index.due[run_id] = when = due_at(run) if run is not None else 0.0
        index.heap.append((when, run_id))
    heapq.heapify(index.heap)
    return index


def file(state: DatabricksState, run: Run) -> None:
    """Put a run that just became active into its job's index (if the job has one yet)."""
    assert run.job_id is not None
    index = state.due.get(run.job_id)
    if index is not None:
        index.due[run.run_id] = when = due_at(run)
        heapq.heappush(index.heap, (when, run.run_id))


def refile(state: DatabricksState, run: Run) -> None:
    """After `run` moved: its new due time, if it is in an index and the time changed."""
    if run.job_id is None:
        return
    index = state.due.get(run.job_id)
    if index is None:
        return
    known = index.due.get(run.run_id)
    if known is None:
        return
    when = due_at(run)
    if when != known:
        index.due[run.run_id] = when
        heapq.heappush(index.heap, (when, run.run_id))
        if len(index.heap) > 4 * len(index.due) + 64:  # drop stale entries now and then: memory stays bounded
            index.heap = [(due, run_id) for run_id, due in index.due.items()]
            heapq.heapify(index.heap)


def pop_due(index: DueIndex, now: float) -> int | None:
    """The next run id whose live entry is due at `now`, taken out of the index; None when none is."""
    heap = index.heap
    while heap and heap[0][0] <= now:
        when, run_id = heapq.heappop(heap)
        if index.due.get(run_id) == when:
            del index.due[run_id]
            return run_id
    return None
