"""Databricks Jobs operations (operationIds of specs/databricks-jobs.yaml)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from simulator.engine.lifecycle import Timeline
from simulator.engine.paging import BadToken, decode_offset, encode_offset
from simulator.engine.session import Session
from simulator.vendors.base import ApiError, Call, HandlerTable, Reply
from simulator.vendors.databricks import render
from simulator.vendors.databricks.lifecycle import DEFAULT_PLAN, RUN, TERMINAL
from simulator.vendors.databricks.model import DatabricksState, Job, Repair, Run, TaskRun

handlers = HandlerTable()
API = "databricks"
EMPTY = Reply(200, {})
DEFAULT_USER = "jobsim@example.com"
RUNS_LIST_MAX = 25


def invalid(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, message, code="INVALID_PARAMETER_VALUE", field=field)


def find_job(state: DatabricksState, job_id: int) -> Job:
    found = state.jobs.get(job_id)
    if found is None:
        raise invalid(f"Job {job_id} does not exist.", "job_id")
    return found


def find_run(call: Call, run_id: int, *, read: bool = False) -> Run:
    found = call.state.runs.get(run_id)
    if found is None:
        raise invalid(f"Run {run_id} does not exist.", "run_id")
    found.timeline.observe(call.now, read=read)
    return found


def check_tasks(settings: dict[str, Any]) -> None:
    seen: set[str] = set()
    for task in settings.get("tasks", []):
        key = task["task_key"]
        if key in seen:
            raise invalid(f"Task key {key!r} is used by more than one task; task keys must be unique.", "tasks")
        seen.add(key)
    for task in settings.get("tasks", []):
        for dependency in task.get("depends_on", []):
            if dependency.get("task_key") not in seen:
                raise invalid(
                    f"Task {task['task_key']!r} depends on {dependency.get('task_key')!r}, "
                    "which is not a task of this job.",
                    "tasks",
                )


def page(items: Iterable[Any], offset: int, limit: int) -> tuple[list[Any], bool]:
    window = list(islice(items, offset, offset + limit + 1))
    return window[:limit], len(window) > limit


def start_offset(call: Call) -> int:
    token = call.query.get("page_token")
    if token:
        try:
            return decode_offset(token)
        except BadToken:
            raise invalid(
                f"Invalid value for parameter 'page_token': {token!r} is not a token this server issued.", "page_token"
            ) from None
    return int(call.query.get("offset", 0))


def paging_fields(offset: int, limit: int, shown: int, has_more: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {"has_more": has_more}
    if has_more:
        fields["next_page_token"] = encode_offset(offset + shown)
    if offset > 0:
        fields["prev_page_token"] = encode_offset(max(offset - limit, 0))
    return fields


# --- jobs ------------------------------------------------------------------------------------------------------
def new_job(state: DatabricksState, session: Session, now: float, settings: dict[str, Any]) -> Job:
    check_tasks(settings)
    settings = {**render.SETTINGS_DEFAULTS, **settings}
    job_id = session.ids.next_int("databricks.job", 1001)
    return state.jobs.add(job_id, Job(job_id, settings, int(now * 1000), DEFAULT_USER))


@handlers.operation("jobsCreate")
async def create(call: Call) -> Reply:
    settings = {k: v for k, v in call.body.items() if k != "access_control_list"}
    job = new_job(call.state, call.session, call.now, settings)
    return Reply(200, {"job_id": job.job_id})


@handlers.operation("jobsGet")
async def get(call: Call) -> Reply:
    job = find_job(call.state, call.query["job_id"])
    return Reply(200, render.job(job))


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
        body["jobs"] = [render.job(job, expand_tasks=expand) for job in shown]
    return Reply(200, body)


@handlers.operation("jobsReset")
async def reset(call: Call) -> Reply:
    job = find_job(call.state, call.body["job_id"])
    settings = dict(call.body["new_settings"])
    check_tasks(settings)
    job.settings = {**render.SETTINGS_DEFAULTS, **settings}
    return EMPTY


@handlers.operation("jobsUpdate")
async def update(call: Call) -> Reply:
    job = find_job(call.state, call.body["job_id"])
    settings = copy.deepcopy(job.settings)
    for name, value in call.body.get("new_settings", {}).items():
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
    check_tasks(settings)
    job.settings = {**render.SETTINGS_DEFAULTS, **settings}
    return EMPTY


@handlers.operation("jobsDelete")
async def delete(call: Call) -> Reply:
    job = find_job(call.state, call.body["job_id"])
    call.state.jobs.pop(job.job_id)
    return EMPTY


# --- runs ------------------------------------------------------------------------------------------------------
def start_run(
    state: DatabricksState,
    session: Session,
    now: float,
    *,
    job: Job | None,
    run_type: str,
    run_name: str,
    tasks: list[dict[str, Any]],
    body: dict[str, Any],
    plan_name: str | None = None,
) -> Run:
    token = body.get("idempotency_token")
    if token and token in state.idempotency:
        existing = state.runs.get(state.idempotency[token])
        if existing is not None:
            return existing
    ids = session.ids
    run_id = ids.next_int("databricks.run", 5001)
    settings = job.settings if job else {}
    attrs = {
        "name": run_name,
        "id": run_id,
        "job_id": job.job_id if job else None,
        "run_type": run_type,
        "tags": settings.get("tags", {}),
        "task_key": [t["task_key"] for t in tasks],
    }
    plan = session.plans.named(API, plan_name) if plan_name else session.plans.find(API, "run", attrs)
    steps = plan.steps if plan else DEFAULT_PLAN
    timeline = Timeline(RUN, steps, now)
    task_runs = [TaskRun(ids.next_int("databricks.run", 5001), copy.deepcopy(task)) for task in tasks]
    run = Run(
        run_id=run_id,
        job_id=job.job_id if job else None,
        run_type=run_type,
        run_name=run_name,
        creator_user_name=DEFAULT_USER,
        timeline=timeline,
        tasks=task_runs,
        idempotency_token=token,
        overriding_parameters=_overriding(body),
        job_parameters=_job_parameters(settings, body),
    )
    return state.add_run(run)


_LEGACY_PARAMS = (
    "notebook_params",
    "jar_params",
    "python_params",
    "spark_submit_params",
    "python_named_params",
    "sql_params",
    "dbt_commands",
    "pipeline_params",
)


def _overriding(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in _LEGACY_PARAMS if key in body}


def _job_parameters(settings: dict[str, Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    given = body.get("job_parameters") or {}
    out = []
    for parameter in settings.get("parameters", []):
        value = given.get(parameter["name"], parameter["default"])
        out.append({"name": parameter["name"], "default": parameter["default"], "value": value})
    return out


@handlers.operation("jobsRunNow")
async def run_now(call: Call) -> Reply:
    job = find_job(call.state, call.body["job_id"])
    run = start_run(
        call.state,
        call.session,
        call.now,
        job=job,
        run_type="JOB_RUN",
        run_name=job.name,
        tasks=job.settings.get("tasks", []),
        body=call.body,
    )
    return Reply(200, {"run_id": run.run_id, "number_in_job": run.run_id})


@handlers.operation("jobsSubmit")
async def submit(call: Call) -> Reply:
    body = call.body
    check_tasks(body)
    run = start_run(
        call.state,
        call.session,
        call.now,
        job=None,
        run_type="SUBMIT_RUN",
        run_name=body.get("run_name") or "Untitled",
        tasks=body.get("tasks", []),
        body=body,
    )
    return Reply(200, {"run_id": run.run_id})


@handlers.operation("jobsGetRun")
async def get_run(call: Call) -> Reply:
    run = find_run(call, call.query["run_id"], read=True)
    return Reply(200, render.run(run, call.base_url, include_history=call.query.get("include_history", False)))


@handlers.operation("jobsListRuns")
async def list_runs(call: Call) -> Reply:
    state: DatabricksState = call.state
    query = call.query
    if query.get("active_only") and query.get("completed_only"):
        raise invalid("active_only and completed_only cannot both be true.", "active_only")
    limit = query.get("limit", 20) or RUNS_LIST_MAX
    offset = start_offset(call)
    job_id = query.get("job_id")
    if job_id is not None:
        runs: Iterable[Run] = (r for i in reversed(state.runs_by_job.get(job_id, [])) if (r := state.runs.get(i)))
    else:
        runs = state.runs.newest_first()
    now = call.now
    runs = _observed(runs, now)
    if query.get("active_only"):
        runs = (r for r in runs if r.timeline.state not in TERMINAL)
    if query.get("completed_only"):
        runs = (r for r in runs if r.timeline.state in TERMINAL)
    if "run_type" in query:
        runs = (r for r in runs if r.run_type == query["run_type"])
    if "start_time_from" in query:
        runs = (r for r in runs if r.start_ms >= query["start_time_from"])
    if "start_time_to" in query:
        runs = (r for r in runs if r.start_ms <= query["start_time_to"])
    shown, has_more = page(runs, offset, limit)
    body: dict[str, Any] = paging_fields(offset, limit, len(shown), has_more)
    if shown:
        expand = query.get("expand_tasks", False)
        body["runs"] = [render.run(r, call.base_url, include_tasks=expand) for r in shown]
    return Reply(200, body)


def _observed(runs: Iterable[Run], now: float) -> Iterator[Run]:
    for run in runs:
        run.timeline.observe(now)
        yield run


@handlers.operation("jobsCancelRun")
async def cancel_run(call: Call) -> Reply:
    run = find_run(call, call.body["run_id"])
    run.timeline.interrupt(RUN.cancel_path, call.now)
    return EMPTY


@handlers.operation("jobsCancelAllRuns")
async def cancel_all_runs(call: Call) -> Reply:
    state: DatabricksState = call.state
    job_id = call.body.get("job_id")
    queued_only = call.body.get("all_queued_runs", False)
    if job_id is None and not queued_only:
        raise invalid("Either job_id or all_queued_runs must be given.", "job_id")
    if job_id is not None:
        find_job(state, job_id)
        candidates: Iterable[Run] = (r for i in state.runs_by_job.get(job_id, []) if (r := state.runs.get(i)))
    else:
        candidates = state.runs.oldest_first()
    now = call.now
    for run in list(candidates):
        run.timeline.observe(now)
        if run.timeline.state in TERMINAL:
            continue
        if queued_only and run.timeline.state != "QUEUED":
            continue
        run.timeline.interrupt(RUN.cancel_path, now)
    return EMPTY


@handlers.operation("jobsDeleteRun")
async def delete_run(call: Call) -> Reply:
    run = find_run(call, call.body["run_id"])
    if run.timeline.state not in TERMINAL:
        raise invalid(
            f"Run {run.run_id} is active ({run.timeline.state}) and cannot be deleted; cancel it first.", "run_id"
        )
    call.state.delete_run(run)
    return EMPTY


@handlers.operation("jobsRepairRun")
async def repair_run(call: Call) -> Reply:
    body = call.body
    run = find_run(call, body["run_id"])
    if run.timeline.state not in TERMINAL:
        raise invalid(
            f"Run {run.run_id} is still in progress ({run.timeline.state}); only a run that is not in progress "
            "can be repaired.",
            "run_id",
        )
    if body.get("rerun_tasks") and body.get("rerun_all_failed_tasks"):
        raise invalid("Only one of rerun_tasks or rerun_all_failed_tasks can be set.", "rerun_tasks")
    latest = run.repairs[-1].repair_id if run.repairs else None
    given = body.get("latest_repair_id")
    if latest is not None and given != latest:
        raise invalid(
            f"latest_repair_id must be {latest}, the id of the latest repair of run {run.run_id}.", "latest_repair_id"
        )
    if latest is None and given is not None:
        raise invalid(
            f"Run {run.run_id} has no repair {given}; omit latest_repair_id on the first repair.", "latest_repair_id"
        )
    keys = {task.task_key for task in run.tasks}
    if body.get("rerun_all_failed_tasks"):
        step = run.timeline.step
        failed = step.state == "INTERNAL_ERROR" or step.result not in ("SUCCESS", None)
        chosen = sorted(keys) if failed else []
    else:
        chosen = list(body.get("rerun_tasks", []))
        unknown = sorted(set(chosen) - keys)
        if unknown:
            raise invalid(f"Task(s) {', '.join(unknown)} are not part of run {run.run_id}.", "rerun_tasks")
    if not chosen:
        raise invalid(
            "Nothing to repair: give rerun_tasks, or rerun_all_failed_tasks for a run with failed tasks.",
            "rerun_tasks",
        )
    session = call.session
    attrs = {"name": run.run_name, "id": run.run_id, "job_id": run.job_id, "run_type": run.run_type, "task_key": chosen}
    plan = session.plans.find(API, "run", attrs)
    if run.original is None:
        run.original = run.timeline
        run.original_task_run_ids = [task.run_id for task in run.tasks]
    rerun_ids = []
    for task in run.tasks:
        if task.task_key in chosen:
            task.run_id = session.ids.next_int("databricks.run", 5001)
            rerun_ids.append(task.run_id)
    run.timeline = Timeline(RUN, plan.steps if plan else DEFAULT_PLAN, call.now)
    repair_id = session.ids.next_int("databricks.repair", 9001)
    run.repairs.append(Repair(repair_id, run.timeline, rerun_ids))
    return Reply(200, {"repair_id": repair_id})


@handlers.operation("jobsExportRun")
async def export_run(call: Call) -> Reply:
    run = find_run(call, call.query["run_id"])
    views = []
    wanted = call.query.get("views_to_export", "CODE")
    for task in run.tasks:
        notebook = task.spec.get("notebook_task")
        if notebook is None:
            continue
        name = str(notebook.get("notebook_path", task.task_key))
        if wanted in ("CODE", "ALL"):
            views.append(
                {
                    "type": "NOTEBOOK",
                    "name": name,
                    "content": f"<html><body><!-- jobsim export of {name} (run {run.run_id}) --></body></html>",
                }
            )
        if wanted in ("DASHBOARDS", "ALL"):
            views.append(
                {
                    "type": "DASHBOARD",
                    "name": f"{name} dashboard",
                    "content": "<html><body><!-- jobsim dashboard --></body></html>",
                }
            )
    return Reply(200, {"views": views})


@handlers.operation("jobsGetRunOutput")
async def get_run_output(call: Call) -> Reply:
    run = find_run(call, call.query["run_id"])
    if len(run.tasks) > 1:
        raise invalid(
            f"Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each "
            f"individual task run instead. Run {run.run_id} has {len(run.tasks)} tasks.",
            "run_id",
        )
    body: dict[str, Any] = {"metadata": render.run(run, call.base_url)}
    step = run.timeline.step
    if step.state in TERMINAL:
        result = step.result or "FAILED"
        if result == "SUCCESS":
            body["notebook_output"] = {"result": str(step.attrs.get("output", "")), "truncated": False}
        else:
            body["error"] = step.message or result
            body["error_trace"] = str(step.attrs.get("error_trace", step.message or result))
    return Reply(200, body)
