"""Job definitions: jobs/create, get, list, reset, update, delete."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from simulator.engine.session import Session
from simulator.exchange import ApiError, Call, HandlerTable, Reply
from simulator.vendors.databricks import due, render
from simulator.vendors.databricks.common import (
    DEFAULT_USER,
    EMPTY,
    check_settings,
    check_unique_keys,
    executor,
    find_job,
    page,
    paging_fields,
    start_offset,
    token_value,
)
from simulator.vendors.databricks.execution import Executor
from simulator.vendors.databricks.model import DatabricksState, Job
from simulator.vendors.databricks.queue import settle
from simulator.vendors.databricks.runs_api import cancel_run

handlers = HandlerTable()


def stored(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as kept: checked, defaults filled in, `format` MULTI_TASK whatever was sent (ignored on write)."""
    check_settings(settings)
    return {**render.SETTINGS_DEFAULTS, **settings, "format": "MULTI_TASK"}


def new_job(state: DatabricksState, session: Session, now: float, settings: dict[str, Any]) -> Job:
    settings = stored(settings)
    job_id = session.ids.next_int("databricks.job", 1001)
    return state.jobs.add(job_id, Job(job_id, settings, int(now * 1000), DEFAULT_USER))


def queues_by_default(call: Call) -> bool:
    """Jobs API 2.2 enables queueing for a job without `queue` settings; 2.0 and 2.1 do not."""
    return not call.request_path.startswith(("/api/2.0/", "/api/2.1/"))


@handlers.operation("jobsCreate")
async def create(call: Call) -> Reply:
    settings = {k: v for k, v in call.body.items() if k != "access_control_list"}
    job = new_job(call.state, call.session, call.now, settings)
    job.queues_by_default = queues_by_default(call)
    return Reply(200, {"job_id": job.job_id})


@handlers.operation("jobsGet")
async def get(call: Call) -> Reply:
    job = find_job(call.state, call.query["job_id"])
    body = render.job(job)
    return Reply(200, render.paged(body, body["settings"], render.JOB_ARRAYS, token_value(call) or 0))


@handlers.operation("jobsList")
async def list_jobs(call: Call) -> Reply:
    state: DatabricksState = call.state
    limit = call.query.get("limit", 20)
    offset = start_offset(call)
    expand = call.query.get("expand_tasks", False)
    jobs: Iterator[Job] = state.jobs.newest_first()
    name = call.query.get("name")
    if name:
        wanted = name.casefold()
        jobs = (job for job in jobs if job.name.casefold() == wanted)
    shown, has_more = page(jobs, offset, limit)
    body: dict[str, Any] = paging_fields(offset, limit, len(shown), has_more)
    if shown:
        body["jobs"] = [_listed(job, expand) for job in shown]
    return Reply(200, body)


def _listed(job: Job, expand: bool) -> dict[str, Any]:
    body = render.job(job, expand_tasks=expand)
    if expand:
        body["has_more"] = render.cut(body["settings"], render.JOB_ARRAYS, 0)
    return body


def apply_settings(call: Call, job: Job, settings: dict[str, Any], *, queues_by_default: bool | None = None) -> None:
    """New settings take effect: timeout_seconds also for active runs, a raised limit starts queued runs.

    Settings are checked before anything changes, so a refused reset or update leaves the job as it was."""
    kept = stored(settings)
    ex = executor(call)
    settle(ex, job.job_id, call.now)
    if queues_by_default is not None:
        job.queues_by_default = queues_by_default
    job.settings = kept
    _retime(ex, job, call.now)
    settle(ex, job.job_id, call.now)


def _retime(ex: Executor, job: Job, now: float) -> None:
    state = ex.state
    seconds = int(job.settings.get("timeout_seconds") or 0)
    for run_id in [*state.active.get(job.job_id, []), *state.queued.get(job.job_id, [])]:
        run = state.runs.get(run_id)
        if run is not None and run.final_at is None and run.timeout_seconds != seconds:
            run.timeout_seconds, run.timeout_floor = seconds, now
            due.refile(state, run)


@handlers.operation("jobsReset")
async def reset(call: Call) -> Reply:
    job = find_job(call.state, call.body["job_id"])
    apply_settings(call, job, dict(call.body["new_settings"]), queues_by_default=queues_by_default(call))
    return EMPTY


@handlers.operation("jobsUpdate")
async def update(call: Call) -> Reply:
    job = find_job(call.state, call.body["job_id"])
    settings = copy.deepcopy(job.settings)
    new_settings = call.body.get("new_settings", {})
    check_unique_keys(new_settings)  # before the merge by key below folds duplicates into one entry
    for name, value in new_settings.items():
        if name in ("tasks", "job_clusters") and isinstance(value, list):
            key = "task_key" if name == "tasks" else "job_cluster_key"
            merged = {item[key]: item for item in settings.get(name, [])}
            merged.update({item[key]: item for item in value})
            settings[name] = list(merged.values())
        else:
            settings[name] = value
    for removal in call.body.get("fields_to_remove", []):
        head, _, key = removal.partition("/")
        if key and head in ("tasks", "job_clusters"):
            field = "task_key" if head == "tasks" else "job_cluster_key"
            settings[head] = [item for item in settings.get(head, []) if item.get(field) != key]
        else:
            settings.pop(removal, None)
    # The merged settings obey the same document as a reset would (the task limit differs between 2.1 and 2.2).
    problem = call.operation.check_body({"job_id": job.job_id, "new_settings": settings})
    if problem is not None:
        raise ApiError.from_problem(problem)
    apply_settings(call, job, settings)
    return EMPTY


@handlers.operation("jobsDelete")
async def delete(call: Call) -> Reply:
    state: DatabricksState = call.state
    job = find_job(state, call.body["job_id"])
    ex = executor(call)
    settle(ex, job.job_id, call.now)
    for run_id in [*state.queued.get(job.job_id, []), *state.active.get(job.job_id, [])]:
        run = state.runs.get(run_id)
        if run is not None:
            cancel_run(ex, run, call.now)
    state.jobs.pop(job.job_id)
    return EMPTY
