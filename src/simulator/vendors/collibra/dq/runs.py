"""Creating runs: the plan a run follows, its backfill siblings, and the run records."""

from __future__ import annotations

from simulator.engine.lifecycle import Step, Timeline
from simulator.engine.session import Session
from simulator.vendors.collibra.dq.lifecycle import DEFAULT_PLAN, RUN, resolve
from simulator.vendors.collibra.dq.model import DqJob, DqRun, DqState
from simulator.vendors.collibra.dq.rundates import RunDate, shift_back
from simulator.vendors.collibra.errors import invalid

API = "collibra-dq"
MAX_BINS = 1000
_DEFAULT_STEPS = resolve(DEFAULT_PLAN)


def plan_steps(session: Session, job: DqJob, run_id: str, backfill: bool, plan: str | None = None) -> tuple[Step, ...]:
    """The steps a new run follows: a plan named by the caller or the job, else the first matching plan."""
    name = plan or job.plan
    found = session.plans.named(API, name) if name else None
    if found is None:
        attrs = {"name": job.name, "id": run_id, "jobType": job.job_type, "backfill": backfill}
        found = session.plans.find(API, "run", attrs)
    return resolve(found.steps) if found is not None else _DEFAULT_STEPS


def backrun_dates(
    run_date: RunDate, run_date_end: RunDate | None, time_bin: str, count: int
) -> list[tuple[RunDate, RunDate | None]]:
    """The dates of the `count` previous bins, nearest first (400 when they fall off the calendar)."""
    if count > MAX_BINS:
        raise invalid(f"backrun.binValue must be at most {MAX_BINS} in jobsim (got {count}).", "backrun.binValue")
    out = []
    try:
        for k in range(1, count + 1):
            end = shift_back(run_date_end, time_bin, k) if run_date_end is not None else None
            out.append((shift_back(run_date, time_bin, k), end))
    except (ValueError, OverflowError):
        raise invalid(
            f"Invalid value for field 'backrun.binValue': {count} {time_bin} bin(s) before "
            f"{run_date.wire()['value']} reach before the year 1.",
            "backrun.binValue",
        ) from None
    return out


def start_run(
    state: DqState,
    session: Session,
    now: float,
    job: DqJob,
    run_date: RunDate,
    run_date_end: RunDate | None,
    started_by: str,
    *,
    backfill: bool = False,
    plan: str | None = None,
    run_id: str | None = None,
) -> DqRun:
    run_id = run_id or session.ids.uuid()
    steps = plan_steps(session, job, run_id, backfill, plan)
    run = DqRun(
        run_id=run_id,
        job_name=job.name,
        job_type=job.job_type,
        run_date=run_date,
        run_date_end=run_date_end,
        started_by=started_by,
        timeline=Timeline(RUN, steps, now),
        backfill=backfill,
    )
    state.runs.add(run_id, run)
    return run
