"""Jobs API 2.0 (specs/databricks-jobs-2.0.yaml): its single-task shapes over the same jobs and runs as 2.1 / 2.2.

A job created through 2.0 with its task's fields at the settings root (`notebook_task`, `existing_cluster_id`,
`libraries`, the retry fields ...) is kept as a one-task job whose task_key is made from the job's name, and is
marked single-task: 2.0 shows it flat again, 2.1 / 2.2 show it as a job with one task. A job with `tasks` (made
through any version) is shown by 2.0 in the multi-task shape with `format: MULTI_TASK`, as Databricks' 2.0
endpoints do. Each handler here turns the 2.0 request into the 2.1 one, lets the 2.1 handler do the work, and turns
the answer back (see docs/decisions/databricks.md).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from simulator.exchange import ApiError, Call, HandlerTable, Reply
from simulator.vendors.databricks import jobs_api, output, render, runs_api
from simulator.vendors.databricks.common import EMPTY, find_any, find_job
from simulator.vendors.databricks.model import Attempt, DatabricksState, Job, Run, Slot

handlers = HandlerTable()

TASK_TYPES = (
    "notebook_task",
    "spark_jar_task",
    "spark_python_task",
    "spark_submit_task",
    "pipeline_task",
    "python_wheel_task",
    "sql_task",
    "dbt_task",
)
CLUSTER_FIELDS = ("existing_cluster_id", "new_cluster", "libraries")
RETRY_FIELDS = ("max_retries", "min_retry_interval_millis", "retry_on_timeout")
TASK_FIELDS = (*TASK_TYPES, *CLUSTER_FIELDS, *RETRY_FIELDS)
# What a 2.0 run shows at its root (2.1's `status`, `job_parameters` ... came later).
_RUN_FIELDS = (
    "job_id",
    "run_id",
    "number_in_job",
    "original_attempt_run_id",
    "creator_user_name",
    "run_name",
    "run_type",
    "trigger",
    "state",
    "overriding_parameters",
    "start_time",
    "setup_duration",
    "execution_duration",
    "cleanup_duration",
    "end_time",
    "run_duration",
    "queue_duration",
    "attempt_number",
    "run_page_url",
    "git_source",
    "repair_history",
)
_NOT_A_KEY = re.compile(r"[^\w\-]")


def task_key_for(name: str) -> str:
    """The task_key of a single-task job's task: its name with what a key cannot hold made `_` (at most 100)."""
    return _NOT_A_KEY.sub("_", name)[:100] or "Untitled"


def to_multi(settings: dict[str, Any], key: str | None = None) -> tuple[dict[str, Any], bool]:
    """2.0 settings (or a 2.0 submit body) in the 2.1 shape, and whether they were in the single-task shape."""
    if settings.get("tasks") is not None:
        return {k: v for k, v in settings.items() if k != "format"}, False
    task = {k: settings[k] for k in TASK_FIELDS if k in settings}
    out = {k: v for k, v in settings.items() if k not in TASK_FIELDS and k != "format"}
    if task:
        name = str(out.get("name") or out.get("run_name") or "Untitled")
        out["tasks"] = [{"task_key": key or task_key_for(name), **task}]
    return out, True


def to_flat(settings: dict[str, Any], single: bool) -> dict[str, Any]:
    """Stored settings as 2.0 shows them: a single-task job's task fields at the root."""
    tasks = settings.get("tasks") or []
    if not single or len(tasks) > 1:
        return {**settings, "format": "MULTI_TASK"}
    out = {k: v for k, v in settings.items() if k != "tasks"}
    if tasks:
        out.update({k: tasks[0][k] for k in TASK_FIELDS if k in tasks[0]})
    out["format"] = "SINGLE_TASK"
    return out


def _job(job: Job, *, expand_tasks: bool = True) -> dict[str, Any]:
    body = render.job(job, expand_tasks=expand_tasks or job.single_task)
    body["settings"] = to_flat(body["settings"], job.single_task)
    return body


def flat_run(body: dict[str, Any], spec: dict[str, Any] | None) -> dict[str, Any]:
    """A 2.1 run body in 2.0's words: `task` and `cluster_spec` for a single-task run (`spec` is its task)."""
    out = {k: body[k] for k in _RUN_FIELDS if k in body}
    entries = body.get("tasks") or []
    if spec is None:
        for key in ("tasks", "job_clusters"):
            if key in body:
                out[key] = body[key]
        out["format"] = "MULTI_TASK"
        return out
    out["task"] = {k: spec[k] for k in TASK_TYPES if k in spec}
    out["cluster_spec"] = {k: spec[k] for k in CLUSTER_FIELDS if k in spec}
    if entries and "cluster_instance" in entries[-1]:
        out["cluster_instance"] = entries[-1]["cluster_instance"]
    out["format"] = "SINGLE_TASK"
    return out


def _single_spec(run: Run) -> dict[str, Any] | None:
    """The task of a single-task run (empty for a run without tasks); None for a multi-task run."""
    if not run.single_task or len(run.order) != 1:
        return None
    return run.current[run.order[0]].spec


def _run_body(call: Call, run: Run, slot: Slot | None, attempt: Attempt | None, **flags: bool) -> dict[str, Any]:
    if slot is not None:  # a task run read by its own id: one task, so the single-task shape
        return flat_run(render.task_run(run, slot, attempt, call.base_url), slot.spec)
    return flat_run(render.run(run, call.base_url, call.now, **flags), _single_spec(run))


# --- jobs ------------------------------------------------------------------------------------------------------
@handlers.operation("jobs20Create")
async def create(call: Call) -> Reply:
    settings, single = to_multi(call.body or {})
    reply = await jobs_api.create(dataclasses.replace(call, body=settings))
    call.state.jobs.get(reply.body["job_id"]).single_task = single
    return reply


@handlers.operation("jobs20Get")
async def get(call: Call) -> Reply:
    return Reply(200, _job(find_job(call.state, call.query["job_id"])))


@handlers.operation("jobs20List")
async def list_jobs(call: Call) -> Reply:
    state: DatabricksState = call.state
    reply = await jobs_api.list_jobs(call)
    expand = call.query.get("expand_tasks", False)
    body: dict[str, Any] = {"has_more": reply.body["has_more"]}
    jobs = [state.jobs.get(item["job_id"]) for item in reply.body.get("jobs", [])]
    if jobs:
        body["jobs"] = [_job(job, expand_tasks=expand) for job in jobs if job is not None]
    return Reply(200, body)


@handlers.operation("jobs20Reset")
async def reset(call: Call) -> Reply:
    settings, single = to_multi(call.body["new_settings"])
    reply = await jobs_api.reset(dataclasses.replace(call, body={**call.body, "new_settings": settings}))
    find_job(call.state, call.body["job_id"]).single_task = single
    return reply


@handlers.operation("jobs20Update")
async def update(call: Call) -> Reply:
    """On a single-task job, root task fields of `new_settings` change its task; else the 2.1 update."""
    job = find_job(call.state, call.body["job_id"])
    tasks = job.settings.get("tasks") or []
    if not job.single_task or len(tasks) > 1 or (call.body.get("new_settings") or {}).get("tasks") is not None:
        return await jobs_api.update(call)
    merged = {**to_flat(job.settings, True), **(call.body.get("new_settings") or {})}
    for name in call.body.get("fields_to_remove", []):
        merged.pop(name, None)
    settings, _ = to_multi(merged, key=tasks[0]["task_key"] if tasks else None)
    problem = call.operation.check_body({"job_id": job.job_id, "new_settings": settings})
    if problem is not None:
        raise ApiError.from_problem(problem)
    jobs_api.apply_settings(call, job, settings)
    return EMPTY


# --- runs ------------------------------------------------------------------------------------------------------
@handlers.operation("jobs20Submit")
async def submit(call: Call) -> Reply:
    body, single = to_multi(call.body)
    reply = await runs_api.submit(dataclasses.replace(call, body=body))
    run = call.state.runs.get(reply.body["run_id"])
    if run is not None and run.run_type == "SUBMIT_RUN":
        run.single_task = single
    return reply


@handlers.operation("jobs20GetRun")
async def get_run(call: Call) -> Reply:
    run, slot, attempt = find_any(call, call.query["run_id"], read=True)
    include_history = call.query.get("include_history", False)
    return Reply(200, _run_body(call, run, slot, attempt, include_history=include_history))


@handlers.operation("jobs20ListRuns")
async def list_runs(call: Call) -> Reply:
    state: DatabricksState = call.state
    reply = await runs_api.list_runs(call)
    body: dict[str, Any] = {"has_more": reply.body["has_more"]}
    items = []
    for item in reply.body.get("runs", []):
        run = state.runs.get(item["run_id"])
        items.append(flat_run(item, _single_spec(run) if run is not None else None))
    if items:
        body["runs"] = items
    return Reply(200, body)


@handlers.operation("jobs20GetRunOutput")
async def get_run_output(call: Call) -> Reply:
    reply = await output.get_run_output(call)
    run, slot, attempt = find_any(call, call.query["run_id"])
    if slot is None:  # get-output answered, so the run has one task
        reply.body["metadata"] = flat_run(reply.body["metadata"], _single_spec(run))
    else:
        reply.body["metadata"] = _run_body(call, run, slot, attempt)
    return reply


# Same request and answer in 2.0 as in 2.1.
handlers.operation("jobs20Delete")(jobs_api.delete)
handlers.operation("jobs20RunNow")(runs_api.run_now)
handlers.operation("jobs20ExportRun")(output.export_run)
handlers.operation("jobs20CancelRun")(runs_api.cancel)
handlers.operation("jobs20CancelAllRuns")(runs_api.cancel_all_runs)
handlers.operation("jobs20DeleteRun")(runs_api.delete_run)
