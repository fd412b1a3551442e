"""The job queue: starting, finding and cancelling jobs, and `sync`, the one place that turns timelines into changes.

Job states are computed lazily from each job's timeline and the clock. `sync(state, now)` observes every job that
has not ended yet, records each state it passed through as a change (in time order, with the time it entered the
state), queues the cron jobs that fell due and wakes the long-polls concerned. Every read path calls it before it
looks at a job or computes a snapshot. `retain` drops what the queue no longer keeps (once per request).
"""

from __future__ import annotations

import heapq
import math
import re
from typing import Any

from simulator.engine.lifecycle import Timeline
from simulator.vendors.dqops import render
from simulator.vendors.dqops.kinds import JobKind
from simulator.vendors.dqops.lifecycle import DEFAULT_PLAN, JOB, TERMINAL
from simulator.vendors.dqops.model import Change, DqopsState, Job

API = "dqops"
_LONG = re.compile(r"^[+-]?[0-9]{1,19}$")  # what Java's Long.parseLong reads
CRON_BACKLOG = 50  # at most this many overdue cron runs are queued at once (after a long clock advance)
CAP_SLACK = 0.1  # over max_runs jobs, finished ones are dropped down to 90% of it


# --- jobs ------------------------------------------------------------------------------------------------------
def start_job(
    state: DqopsState,
    kind: JobKind,
    parameters: dict[str, Any],
    at: float,
    *,
    business_key: str | None = None,
    plan_name: str | None = None,
) -> Job:
    job_id = state.next_sequence(at)
    plans = state.session.plans
    attrs = plan_attrs(job_id, kind, parameters, business_key)
    plan = plans.named(API, plan_name) if plan_name else plans.find(API, "job", attrs)
    job = Job(job_id, kind, parameters, Timeline(JOB, plan.steps if plan else DEFAULT_PLAN, at), business_key)
    state.jobs.add(job_id, job)
    state.active[job_id] = job
    touch(state, job)  # its first state goes into the feed at the next sync
    if business_key:
        state.business_keys[business_key] = job_id
    return job


def plan_attrs(job_id: int, kind: JobKind, parameters: dict[str, Any], business_key: str | None) -> dict[str, Any]:
    """What a scenario plan can `match` on."""
    filters = parameters.get("check_search_filters") or parameters.get("statistics_collector_search_filters")
    source = filters if isinstance(filters, dict) else parameters
    connection = source.get("connection") or parameters.get("connectionName")
    table = source.get("fullTableName")
    if table is None and parameters.get("schemaName"):
        table = [f"{parameters['schemaName']}.{name}" for name in parameters.get("tableNames") or ["*"]]
    return {
        "id": job_id,
        "job_type": kind.job_type,
        "business_key": business_key,
        "connection": connection,
        "table": table,
        "data_scope": parameters.get("data_scope"),
    }


def find(state: DqopsState, ref: str) -> Job | None:
    """A `{jobId}` path value: the business key first, then the numeric job id (as the DQOps controller does)."""
    job_id = state.business_keys.get(ref)
    if job_id is None:
        if not _LONG.match(ref):
            return None
        job_id = int(ref)
    return state.jobs.get(job_id)


def cancel(state: DqopsState, job: Job, now: float) -> None:
    sync(state, now)
    if job.timeline.state not in TERMINAL:
        job.timeline.interrupt(JOB.cancel_path, now)
        touch(state, job)
        sync(state, now)


# --- the change feed -------------------------------------------------------------------------------------------
def sync(state: DqopsState, now: float) -> None:
    state.listen_to_clock()
    if state.scheduler_running:
        queue_cron_jobs(state, now)
    pending: list[tuple[float, int, int, Job]] = []
    moved: list[Job] = []
    for job in _due_jobs(state, now):  # only jobs whose timeline can have moved: O(log n) each, not O(active)
        history = job.timeline.history
        job.timeline.observe(now)
        pending.extend((history[i][1], job.job_id, i, job) for i in range(job.recorded, len(history)))
        job.recorded = len(history)
        moved.append(job)
    pending.sort(key=lambda item: item[:3])
    for _, _, index, job in pending:
        _record(state, job, index, now)
    for job in moved:
        if job.job_id in state.active:
            _file(state, job, job.timeline.next_change_at())
    for job in {item[3].job_id: item[3] for item in pending}.values():
        job.signal.fire()
    if pending:
        state.feed_signal.fire()


_NEVER = 1e300  # finite: snapshots are JSON


def touch(state: DqopsState, job: Job) -> None:
    """A job moved off the clock (a read, a cancel) or was just queued: the next sync looks at it."""
    if job.job_id in state.active:
        _file(state, job, -_NEVER)


def _file(state: DqopsState, job: Job, when: float | None) -> None:
    at = _NEVER if when is None else when
    if state.due_at.get(job.job_id) != at:
        state.due_at[job.job_id] = at
        heapq.heappush(state.due, (at, job.job_id))
        if len(state.due) > 4 * len(state.due_at) + 64:  # drop stale entries now and then
            state.due = [(when_, job_id) for job_id, when_ in state.due_at.items()]
            heapq.heapify(state.due)


def _due_jobs(state: DqopsState, now: float) -> list[Job]:
    """The active jobs whose timeline may have moved by `now`, taken out of the heap (sync files them again)."""
    active, due_at = state.active, state.due_at
    if len(due_at) != len(active):  # an older snapshot, or a path that did not file a job: rebuild
        state.due_at = due_at = dict.fromkeys(active, -_NEVER)
        state.due = [(-_NEVER, job_id) for job_id in active]
    heap = state.due
    out = []
    while heap and heap[0][0] <= now:
        when, job_id = heapq.heappop(heap)
        if due_at.get(job_id) == when:
            del due_at[job_id]
            job = active.get(job_id)
            if job is not None:
                out.append(job)
    return out


def _record(state: DqopsState, job: Job, index: int, now: float) -> None:
    status, at = job.timeline.history[index]
    updated = None
    if index == 0 or status == "failed" or (status == "finished" and job.kind.stored_result_key):
        updated = render.history_entry(job, status, at)
    state.changes.append(Change(state.next_sequence(at), job, status, at, now, updated))
    if status in TERMINAL:
        state.active.pop(job.job_id, None)
        state.finished.append(job)
        if job.kind.job_type == "synchronize_multiple_folders":
            # DQOps keeps only the most recent finished folder synchronization in the history.
            if state.last_synchronize_job is not None:
                _forget(state, state.last_synchronize_job)
            state.last_synchronize_job = job.job_id


def retain(state: DqopsState, now: float) -> None:
    """What the queue keeps (the vendor's `retain` hook, after a `sync`): retention on the simulator clock, then
    the caps: at most `max_runs` jobs (the oldest finished go first,
    amortised with slack; queued and running jobs are never dropped) and as many changes (a change holds its job,
    so a longer feed would keep dropped jobs in memory; a job makes three to five changes)."""
    options = state.options
    changes = state.changes
    while changes and changes[0].logged_at < now - options.keep_changes_seconds:
        changes.popleft()
    finished = state.finished
    while finished and finished[0].timeline.entered_at < now - options.keep_finished_seconds:
        _forget(state, finished.popleft().job_id)
    limit = state.session.max_runs
    if len(state.jobs) > limit:
        target = int(limit * (1 - CAP_SLACK))
        while finished and len(state.jobs) > target:
            _forget(state, finished.popleft().job_id)
    while len(changes) > limit:
        changes.popleft()


def _forget(state: DqopsState, job_id: int) -> None:
    job = state.jobs.pop(job_id)
    if job is not None and job.business_key and state.business_keys.get(job.business_key) == job_id:
        del state.business_keys[job.business_key]


def changes_after(state: DqopsState, sequence: int) -> list[Change]:
    changes = state.changes
    if not changes or changes[-1].sequence <= sequence:
        return []
    return [item for item in changes if item.sequence > sequence]


def next_wake(state: DqopsState) -> float | None:
    """The next moment on the simulator clock at which the queue changes by itself (None: only a request will)."""
    moments = [at for job in state.active.values() if (at := job.timeline.next_change_at()) is not None]
    if state.scheduler_running and state.cron:
        moments.append(min(_next_fire(entry.interval, state.cron_checked_at) for entry in state.cron))
    return min(moments, default=None)


# --- the cron scheduler ----------------------------------------------------------------------------------------
def set_scheduler(state: DqopsState, running: bool, now: float) -> None:
    sync(state, now)
    if running and not state.scheduler_running:
        state.cron_checked_at = now
    state.scheduler_running = running
    state.feed_signal.fire()


def queue_cron_jobs(state: DqopsState, now: float) -> None:
    due: list[tuple[float, int]] = []
    for index, entry in enumerate(state.cron):
        first = _next_fire(entry.interval, state.cron_checked_at)
        if first > now:
            continue
        count = int((now - first) // entry.interval) + 1
        skip = max(count - CRON_BACKLOG, 0)
        due.extend((first + (skip + k) * entry.interval, index) for k in range(count - skip))
    state.cron_checked_at = max(state.cron_checked_at, now)
    for at, index in sorted(due)[-CRON_BACKLOG:]:
        entry = state.cron[index]
        spec: dict[str, Any] = {"cron_expression": entry.cron_expression} if entry.cron_expression else {}
        spec["disabled"] = False
        start_job(state, entry.kind, spec, at)


def _next_fire(interval: float, after: float) -> float:
    return (math.floor(after / interval) + 1) * interval
