"""Where a job is now: its plan on the clock, held in WAITING until the jobs it depends on are done.

Nothing runs in the background. A job with dependencies stops at a WAITING step that holds; when it is observed
and every dependency has FINISHED, the rest of its plan is attached from the moment the last one finished (so the
outcome does not depend on when clients look). When a dependency ends in any other way, or was deleted before it
ended, the job ends CANCELED (its input configuration can no longer be satisfied).
"""

from __future__ import annotations

from dataclasses import replace

from simulator.engine.lifecycle import Step
from simulator.vendors.cdq.lifecycle import CANCELED, EXECUTING, GATE_MESSAGE, TERMINAL, WAITING
from simulator.vendors.cdq.model import CdqJob, CdqState


def split_plan(plan: tuple[Step, ...], gated: bool) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
    """The steps a job starts with and the steps it gets once its dependencies are done."""
    start = next((i for i, step in enumerate(plan) if step.state in EXECUTING), None)
    if not gated or start is None:
        return plan, ()
    before = list(plan[:start])
    if before and before[-1].state == WAITING:
        last = before[-1]
        before[-1] = replace(last, seconds=None, reads=None, message=last.message or GATE_MESSAGE)
    else:
        before.append(Step(WAITING, message=GATE_MESSAGE))
    return tuple(before), plan[start:]


def observe(state: CdqState, job: CdqJob, now: float, *, read: bool = False) -> None:
    """Move the job's timeline to `now`, releasing or canceling it when its dependencies are done.

    Dependencies are settled first, deepest first and without recursion, so a chain of any length resolves.
    """
    for pending in _dependencies_first(state, job):
        _settle(state, pending, now, read=read and pending is job)


def _dependencies_first(state: CdqState, root: CdqJob) -> list[CdqJob]:
    """`root` and the jobs it still waits on (transitively), each after the jobs it depends on."""
    out: list[CdqJob] = []
    seen: set[str] = set()
    stack: list[tuple[CdqJob, bool]] = [(root, False)]
    while stack:
        job, expanded = stack.pop()
        if expanded:
            out.append(job)
            continue
        if job.id in seen:
            continue
        seen.add(job.id)
        stack.append((job, True))
        if job.rest:
            for dependency_id in job.dependencies:
                dependency = state.jobs.get(dependency_id)
                if dependency is not None and dependency.id not in seen:
                    stack.append((dependency, False))
    return out


def _settle(state: CdqState, job: CdqJob, now: float, *, read: bool) -> None:
    timeline = job.timeline
    timeline.observe(now, read=read)
    if not job.rest or timeline.state != WAITING or not timeline.step.holds:
        return
    outcome = _dependencies_outcome(state, job, now)
    if outcome is None:
        return
    at, problem = outcome
    at = min(max(at, timeline.entered_at), now)
    steps = job.rest if problem is None else (Step(CANCELED, message=problem),)
    job.rest = ()
    timeline.interrupt(steps, at)
    timeline.observe(now)


def _dependencies_outcome(state: CdqState, job: CdqJob, now: float) -> tuple[float, str | None] | None:
    """None while some dependency is still active; else (when it was decided, None or why the job is canceled)."""
    finished_at: list[float] = []
    failures: list[tuple[float, str]] = []
    pending = False
    for dependency_id in job.dependencies:
        status, ended_at = _status_of(state, dependency_id)
        if status == "FINISHED" and ended_at is not None:
            finished_at.append(ended_at)
        elif status in TERMINAL or status in ("DELETED", "MISSING"):
            failures.append((ended_at if ended_at is not None else now, _why(dependency_id, status)))
        else:
            pending = True
    if failures:
        return min(failures)
    if pending:
        return None
    return max(finished_at, default=now), None


def _status_of(state: CdqState, job_id: str) -> tuple[str, float | None]:
    """A dependency's status as settled by `observe` (it was settled before the jobs that wait on it)."""
    dependency = state.jobs.get(job_id)
    if dependency is not None:
        return dependency.timeline.state, dependency.timeline.ended_at()
    tombstone = state.deleted.get(job_id)
    if tombstone is None:
        return "MISSING", None
    if tombstone.status in TERMINAL:
        return tombstone.status, tombstone.ended_at
    return "DELETED", tombstone.deleted_at


def _why(job_id: str, status: str) -> str:
    if status == "MISSING":
        return f"Canceled: job {job_id} it depends on does not exist."
    if status == "DELETED":
        return f"Canceled: job {job_id} it depends on was deleted before it finished."
    return f"Canceled: job {job_id} it depends on ended {status}."
