"""Runs: run-now, runs/submit, runs/get, runs/list, runs/cancel, runs/cancel-all, runs/delete."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from simulator.engine.jsoncopy import json_copy
from simulator.exchange import Call, HandlerTable, Reply
from simulator.vendors.databricks import params, render, run_template
from simulator.vendors.databricks.body_cache import Body, FinalRunBodies
from simulator.vendors.databricks.common import (
    DEFAULT_USER,
    EMPTY,
    check_settings,
    executor,
    find_any,
    find_job,
    find_run,
    invalid,
    invalid_state,
    observed,
    page,
    paging_fields,
    start_offset,
    token_value,
)
from simulator.vendors.databricks.execution import Executor
from simulator.vendors.databricks.model import HIDDEN, HIDDEN_JOB_IDS, DatabricksState, Job, Round, Run, Slot
from simulator.vendors.databricks.queue import admit, cancel_queued, settle, start
from simulator.vendors.databricks.views import parent_view

handlers = HandlerTable()

RUNS_LIST_MAX = 25
_templates = run_template.Templates()


def start_run(
    ex: Executor,
    now: float,
    *,
    job: Job | None,
    run_type: str,
    run_name: str,
    tasks: list[dict[str, Any]],
    body: dict[str, Any],
    plan_name: str | None = None,
) -> Run:
    """A new run of `job` (its tasks are the job's settings' own) or, without a job, a one-time run of `tasks`."""
    state, ids = ex.state, ex.session.ids
    token = body.get("idempotency_token")
    if token and token in state.idempotency:
        existing = state.runs.get(state.idempotency[token])
        if existing is None:
            raise invalid(
                f"The run created with idempotency_token {token!r} was deleted; use a new token.", "idempotency_token"
            )
        return existing
    params.check(body)
    settings = job.settings if job else body
    only = body.get("only")
    if job is not None and not only:
        template = _templates.of(settings)  # derived once per version of the job's settings
    else:
        template = run_template.derive(settings, [json_copy(t) for t in _only(tasks, only)])
    tasks = template.tasks
    run_id = ids.next_int("databricks.run", 5001)
    attrs = {
        "name": run_name,
        "id": run_id,
        "run_id": run_id,
        "job_id": job.job_id if job else None,
        "run_type": run_type,
        "tags": settings.get("tags", {}),
        "task_key": template.keys,
    }
    if tasks:
        # Task run ids are handed out in job order, the slots kept in dependency order.
        made = {
            key: Slot(key, task, ids.next_int("databricks.run", 5001))
            for key, task in zip(template.keys, tasks, strict=True)
        }
        order = template.order
        slots = made if template.keys == order else {key: made[key] for key in order}
    else:
        order = [HIDDEN]
        slots = {HIDDEN: Slot(HIDDEN, {}, run_id)}
    run = Run(
        run_id=run_id,
        job_id=job.job_id if job else None,
        run_type=run_type,
        run_name=run_name,
        creator_user_name=DEFAULT_USER,
        created_at=now,
        order=order,
        rounds=(Round(0, slots, ex.run_steps(attrs, plan_name)),),
        current=slots,  # the first round's own dict until a repair replaces it
        attrs=attrs,
        timeout_seconds=template.timeout_seconds,
        job_parameters=params.job_parameters(settings if job else {}, body.get("job_parameters")),
        overriding_parameters=params.overriding(body),
        extra=template.extra,
        idempotency_token=token,
        single_task=job.single_task if job else False,
        hidden_job_id=None if job else ids.next_int("databricks.hidden_job", HIDDEN_JOB_IDS),
    )
    state.add_run(run)
    if job is not None:
        admit(ex, run, job.settings, body, now, job.queues_by_default)
    else:
        start(run, now)
    return run


def _only(tasks: list[dict[str, Any]], only: list[str] | None) -> list[dict[str, Any]]:
    if not only:
        return tasks
    keys = {t["task_key"] for t in tasks}
    unknown = sorted(set(only) - keys)
    if unknown:
        raise invalid(f"Task(s) {', '.join(unknown)} given in 'only' are not tasks of this job.", "only")
    return [t for t in tasks if t["task_key"] in set(only)]


@handlers.operation("jobsRunNow")
async def run_now(call: Call) -> Reply:
    job = find_job(call.state, call.body["job_id"])
    run = start_run(
        executor(call),
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
    check_settings(body)
    run = start_run(
        executor(call),
        call.now,
        job=None,
        run_type="SUBMIT_RUN",
        run_name=body.get("run_name") or "Untitled",
        tasks=body.get("tasks", []),
        body=body,
    )
    return Reply(200, {"run_id": run.run_id})


_final_bodies: FinalRunBodies[Body] = FinalRunBodies()
_listed_bodies: FinalRunBodies[dict[str, Any]] = FinalRunBodies()


@handlers.operation("jobsGetRun")
async def get_run(call: Call) -> Reply:
    run, slot, attempt = find_any(call, call.query["run_id"], read=True)
    if slot is not None:
        return Reply(200, render.task_run(run, slot, attempt, call.base_url))
    query = call.query
    history, resolved, page_number = (
        query.get("include_history", False),
        query.get("include_resolved_values", False),
        token_value(call) or 0,
    )
    flags = (history, resolved, page_number)
    kept = _final_bodies.get(run, call.base_url, flags)
    if kept is not None:
        return Reply(200, kept[0], encoded=kept[1])
    body = render.run(run, call.base_url, call.now, include_history=history, include_resolved=resolved)
    body = render.paged(body, body, render.RUN_ARRAYS, page_number)
    if run.final_at is not None:
        _final_bodies.put(run, call.base_url, flags, (body, orjson.dumps(body)))
    return Reply(200, body)


@handlers.operation("jobsListRuns")
async def list_runs(call: Call) -> Reply:
    state: DatabricksState = call.state
    query = call.query
    if query.get("active_only") and query.get("completed_only"):
        raise invalid("active_only and completed_only cannot both be true.", "active_only")
    limit = query.get("limit", 20) or RUNS_LIST_MAX
    offset = start_offset(call)
    job_id = query.get("job_id")
    ex = executor(call)
    if job_id is not None:
        runs: Iterable[Run] = (r for i in reversed(state.runs_by_job.get(job_id, [])) if (r := state.runs.get(i)))
    else:
        runs = state.runs.newest_first()
    runs = observed(ex, runs, call.now)
    if query.get("active_only"):
        runs = (r for r in runs if r.final_at is None)
    if query.get("completed_only"):
        runs = (r for r in runs if r.final_at is not None)
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
        body["runs"] = [_listed(r, call, expand) for r in shown]
    return Reply(200, body)


def _listed(run: Run, call: Call, expand: bool) -> dict[str, Any]:
    kept = _listed_bodies.get(run, call.base_url, (expand,))
    if kept is not None:
        return kept
    body = render.run(run, call.base_url, call.now, include_tasks=expand)
    more = render.cut(body, render.RUN_ARRAYS, 0)
    if expand:
        body["has_more"] = more
    if run.final_at is not None:
        _listed_bodies.put(run, call.base_url, (expand,), body)
    return body


def cancel_run(ex: Executor, run: Run, now: float) -> None:
    if run.final_at is not None:
        return
    if run.admission == "queued":
        cancel_queued(ex, run, now)
    else:
        ex.stop(run, now, "cancel")


@handlers.operation("jobsCancelRun")
async def cancel(call: Call) -> Reply:
    run, slot, _ = find_any(call, call.body["run_id"])
    ex = executor(call)
    if slot is None:
        cancel_run(ex, run, call.now)
    elif run.final_at is None and run.latest.slots.get(slot.key) is slot:
        ex.cancel_task(run, slot, call.now)
    return EMPTY


@handlers.operation("jobsCancelAllRuns")
async def cancel_all_runs(call: Call) -> Reply:
    state: DatabricksState = call.state
    job_id = call.body.get("job_id")
    queued_only = call.body.get("all_queued_runs", False)
    if job_id is None and not queued_only:
        raise invalid("Either job_id or all_queued_runs must be given.", "job_id")
    ex = executor(call)
    now = call.now
    if job_id is not None:
        find_job(state, job_id)
        job_ids = [job_id]
    else:
        job_ids = [j for j, queued in state.queued.items() if queued]
    for each in job_ids:
        settle(ex, each, now)
        chosen = list(state.queued.get(each, []))
        if not queued_only:
            chosen += state.active.get(each, [])
        for run_id in chosen:
            run = state.runs.get(run_id)
            if run is not None:
                cancel_run(ex, run, now)
    return EMPTY


@handlers.operation("jobsDeleteRun")
async def delete_run(call: Call) -> Reply:
    run = find_run(call, call.body["run_id"])
    if run.final_at is None:
        life = parent_view(run).life
        raise invalid_state(
            f"Run {run.run_id} is active ({life}) and cannot be deleted; cancel it first.",
            "run_id",
        )
    call.state.delete_run(run)
    return EMPTY
