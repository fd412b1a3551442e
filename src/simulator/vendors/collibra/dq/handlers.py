"""Data Quality job-run operations (operationIds of specs/collibra-dq.yaml)."""

from __future__ import annotations

import uuid
from typing import Any

from simulator.exchange import Call, HandlerTable, Reply
from simulator.vendors.collibra.auth import Caller
from simulator.vendors.collibra.dq import permissions, render
from simulator.vendors.collibra.dq.lifecycle import TERMINAL, cancelled
from simulator.vendors.collibra.dq.model import DqRun, DqState
from simulator.vendors.collibra.dq.rundates import RunDate, now_as, parse
from simulator.vendors.collibra.dq.runs import backrun_dates, start_run
from simulator.vendors.collibra.errors import CollibraError, invalid, not_found

handlers = HandlerTable()


def caller_of(call: Call, action: str) -> Caller:
    caller: Caller = call.caller  # authenticated by the vendor before the request was read
    permissions.require(caller, action)
    return caller


def find_run(call: Call, caller: Caller, action: str, *, read: bool = False) -> DqRun:
    run_id = str(uuid.UUID(call.path["jobRunId"]))
    run = call.state.runs.get(run_id)
    if run is None:
        raise not_found(f"Job run {run_id} does not exist.", "jobRunNotFound")
    permissions.require_job(caller, action, run.job_name)
    run.timeline.observe(call.now, read=read)
    return run


def _run_dates(body: dict[str, Any]) -> tuple[RunDate | None, RunDate | None]:
    start = parse(body["runDate"], "runDate") if body.get("runDate") is not None else None
    end = parse(body["runDateEnd"], "runDateEnd") if body.get("runDateEnd") is not None else None
    if start is not None and end is not None and end.moment <= start.moment:
        raise invalid(
            f"runDateEnd ({end.wire()['value']}) must be later than runDate ({start.wire()['value']}).", "runDateEnd"
        )
    return start, end


@handlers.operation("runJob")
async def run_job(call: Call) -> Reply:
    state: DqState = call.state
    caller = caller_of(call, "run")
    body = call.body if isinstance(call.body, dict) else {}
    run_date, run_date_end = _run_dates(body)
    name = call.path["jobName"]
    job = state.jobs.get(name)
    if job is None:
        raise not_found(f"Job {name!r} does not exist.", "jobNotFound")
    permissions.require_job(caller, "run", name)
    now = call.now
    run_date = run_date or now_as(job.date_format, now)
    backrun = body.get("backrun")
    earlier = backrun_dates(run_date, run_date_end, backrun["timeBin"], backrun["binValue"]) if backrun else []
    run = start_run(state, call.session, now, job, run_date, run_date_end, caller.id)
    for date, end in earlier:
        start_run(state, call.session, now, job, date, end, caller.id, backfill=True)
    location = f"{call.base_url}{call.operation.server}/jobRuns/{run.run_id}"
    return Reply(202, {"jobRunId": run.run_id}, {"Location": location})


@handlers.operation("searchJobRuns")
async def search_job_runs(call: Call) -> Reply:
    state: DqState = call.state
    caller = caller_of(call, "view")
    query = call.query
    name = query.get("jobName") or ""
    exact = query.get("nameMatchMode") == "EXACT"
    folded = name.casefold()
    job_type = query.get("jobType")
    statuses = frozenset(query.get("status") or ())
    now = call.now
    matches: list[DqRun] = []
    for run in state.runs.oldest_first():
        if name and (run.job_name != name if exact else folded not in run.job_name.casefold()):
            continue
        if job_type and run.job_type != job_type:
            continue
        if not permissions.allows(caller, "view", run.job_name):
            continue
        run.timeline.observe(now)
        if statuses and run.status not in statuses:
            continue
        matches.append(run)
    matches.sort(key=lambda r: r.run_id)
    matches.sort(key=lambda r: r.updated_at, reverse=True)
    limit, offset = query["limit"], query["offset"]
    shown = matches[offset : offset + limit]
    body = {"results": [render.job_run(r) for r in shown], "total": len(matches), "offset": offset, "limit": limit}
    return Reply(200, body)


@handlers.operation("getJobRunByRunId")
async def get_job_run(call: Call) -> Reply:
    caller = caller_of(call, "view")
    run = find_run(call, caller, "view", read=True)
    return Reply(200, render.job_run(run))


@handlers.operation("cancelJob")
async def cancel_job(call: Call) -> Reply:
    caller = caller_of(call, "run")
    run = find_run(call, caller, "run")
    status = run.status
    if status in TERMINAL - {"CANCELLED"}:
        raise CollibraError(
            400, f"Job run {run.run_id} already ended with status {status}.", code="jobRunNotCancellable"
        )
    if status != "CANCELLED":
        run.timeline.interrupt(cancelled(run.activity), call.now)
    return Reply(200)
