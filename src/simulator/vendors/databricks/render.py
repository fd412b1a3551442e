"""Jobs and runs in Databricks' words (Jobs API 2.1/2.2 field names, epoch-ms times)."""

from __future__ import annotations

import itertools
from typing import Any

from simulator.engine.lifecycle import Timeline
from simulator.engine.paging import encode_offset
from simulator.vendors.databricks import dag, params, references
from simulator.vendors.databricks.lifecycle import STATUS_STATE, TERMINAL, TERMINATION
from simulator.vendors.databricks.model import Attempt, Job, Round, Run, Slot
from simulator.vendors.databricks.views import View, attempt_view, parent_view, unstarted_view

SETTINGS_DEFAULTS: dict[str, Any] = {
    "name": "Untitled",
    "email_notifications": {},
    "webhook_notifications": {},
    "timeout_seconds": 0,
    "max_concurrent_runs": 1,
    "format": "MULTI_TASK",
}
PAGE = 100
JOB_ARRAYS = ("tasks", "job_clusters", "parameters", "environments")
RUN_ARRAYS = ("tasks", "job_clusters", "job_parameters", "repair_history")


def ms(seconds: float | None) -> int:
    return round(seconds * 1000) if seconds is not None else 0


# --- paging of large objects -----------------------------------------------------------------------------------
def cut(container: dict[str, Any], keys: tuple[str, ...], page: int) -> bool:
    """Keep page `page` (of 100) of each array in `container`; True when any array has more after it."""
    more = False
    low, high = page * PAGE, (page + 1) * PAGE
    for key in keys:
        items = container.get(key)
        if not isinstance(items, list):
            continue
        more = more or len(items) > high
        if page and len(items) <= low:
            del container[key]
        else:
            container[key] = items[low:high]
    return more


def paged(body: dict[str, Any], container: dict[str, Any], keys: tuple[str, ...], page: int) -> dict[str, Any]:
    """jobs/get and runs/get: one page of the arrays, `next_page_token` at the root while more remain."""
    if cut(container, keys, page):
        body["next_page_token"] = encode_offset(page + 1)
    return body


# --- jobs ------------------------------------------------------------------------------------------------------
def job(record: Job, *, expand_tasks: bool = True) -> dict[str, Any]:
    settings = dict(record.settings)
    if not expand_tasks:
        settings = {k: v for k, v in settings.items() if k not in ("tasks", "job_clusters")}
    return {
        "job_id": record.job_id,
        "creator_user_name": record.creator_user_name,
        "run_as_user_name": run_as_user_name(record),
        "settings": settings,
        "created_time": record.created_time,
    }


def run_as_user_name(record: Job) -> str:
    """The user or service principal of `run_as`; the creator without one (a run_as group shows the creator too)."""
    run_as = record.settings.get("run_as") or {}
    return str(run_as.get("user_name") or run_as.get("service_principal_name") or record.creator_user_name)


# --- states ----------------------------------------------------------------------------------------------------
def run_state(view: View) -> tuple[dict[str, Any], dict[str, Any]]:
    """The deprecated `state` object and the v2 `status` object for a view."""
    life = view.life
    state: dict[str, Any] = {
        "life_cycle_state": life,
        "state_message": view.message,
        "user_cancelled_or_timedout": view.result in ("CANCELED", "TIMEDOUT"),
    }
    status: dict[str, Any] = {"state": STATUS_STATE[life]}
    if life in TERMINAL:
        result = view.result or "FAILED"
        state["result_state"] = result
        if life == "INTERNAL_ERROR":
            code, kind = "INTERNAL_ERROR", "INTERNAL_ERROR"
        else:
            code, kind = TERMINATION.get(result, ("SUCCESS", "SUCCESS"))
        status["termination_details"] = {"code": code, "type": kind, "message": view.message}
    elif life == "QUEUED":
        state["queue_reason"] = view.message
        status["queue_details"] = {"code": "ACTIVE_RUNS_LIMIT_REACHED", "message": view.message}
    return state, status


# --- runs ------------------------------------------------------------------------------------------------------
def run(
    record: Run,
    base_url: str,
    now: float,
    *,
    include_tasks: bool = True,
    include_history: bool = False,
    include_resolved: bool = False,
) -> dict[str, Any]:
    view = parent_view(record)
    state, status = run_state(view)
    body: dict[str, Any] = {
        "run_id": record.run_id,
        "number_in_job": record.run_id,
        "original_attempt_run_id": record.run_id,
        "creator_user_name": record.creator_user_name,
        "run_name": record.run_name,
        "run_type": record.run_type,
        "trigger": record.trigger,
        "state": state,
        "status": status,
        "start_time": record.start_ms,
        "end_time": ms(record.final_at),
        "setup_duration": 0,
        "execution_duration": 0,
        "cleanup_duration": 0,
        "attempt_number": 0,
        "format": "MULTI_TASK",
        "run_page_url": page_url(base_url, record.shown_job_id, record.run_id),
    }
    if record.shown_job_id is not None:
        body["job_id"] = record.shown_job_id
    if record.final_at is not None:
        body["run_duration"] = sum(_round_ms(record, r) for r in record.rounds)
    first = record.rounds[0]
    queued_until = first.started_at if first.started_at is not None else now
    if queued_until > record.created_at:
        body["queue_duration"] = ms(queued_until - record.created_at)
    if record.job_parameters:
        body["job_parameters"] = list(record.job_parameters)
    if record.overriding_parameters:
        body["overriding_parameters"] = record.overriding_parameters
    for key in ("description", "job_clusters", "git_source"):
        if record.extra.get(key):
            body[key] = record.extra[key]
    if include_tasks:
        body["tasks"] = tasks(record, base_url, include_resolved)
    if include_history:
        body["repair_history"] = repair_history(record)
    return body


def _round_ms(record: Run, round_: Round) -> int:
    begin = record.created_at if round_.number == 0 else round_.started_at
    return max(ms(round_.ended_at) - ms(begin), 0) if round_.ended_at is not None else 0


def tasks(record: Run, base_url: str, include_resolved: bool = False) -> list[dict[str, Any]]:
    """One entry per task attempt; attempts of earlier rounds stay listed after a repair (as Databricks does)."""
    out = []
    for key in record.order:
        for round_ in record.rounds:
            slot = round_.slots.get(key)
            if slot is None or slot.hidden:
                continue
            pairs: list[tuple[Attempt | None, View]] = [(a, attempt_view(slot, a)) for a in slot.attempts]
            pairs = pairs or [(None, unstarted_view(record))]
            for attempt, view in pairs:
                entry = _entry(record, slot, attempt, view, base_url)
                if include_resolved:
                    resolve = references.resolver(record, slot, entry["run_id"])
                    entry["resolved_values"] = params.resolved_values(
                        slot.spec, resolve, record.job_parameters, record.overriding_parameters
                    )
                out.append(entry)
    return out


def _entry(record: Run, slot: Slot, attempt: Attempt | None, view: View, base_url: str) -> dict[str, Any]:
    body = dict(slot.spec)
    body.setdefault("run_if", "ALL_SUCCESS")
    run_id = attempt.run_id if attempt else slot.first_id
    state, status = run_state(view)
    body.update(
        {
            "run_id": run_id,
            "state": state,
            "status": status,
            "attempt_number": attempt.number if attempt else 0,
            "original_attempt_run_id": slot.first_id,
            "run_page_url": page_url(base_url, record.shown_job_id, run_id),
            "job_run_id": record.run_id,
        }
    )
    body.update(_times(attempt, view))
    if "condition_task" in slot.spec and attempt is not None and view.result in dag.SUCCEEDED:
        # A finished condition task tells which way it went, its operands' references resolved.
        resolve = references.resolver(record, slot, run_id)
        body["condition_task"] = {**slot.spec["condition_task"], "outcome": dag.condition_outcome(slot.spec, resolve)}
    if attempt and not attempt.never_ran and "existing_cluster_id" in slot.spec:
        body["cluster_instance"] = {"cluster_id": slot.spec["existing_cluster_id"]}
    return body


def _times(attempt: Attempt | None, view: View) -> dict[str, int]:
    if attempt is None:
        return {"start_time": 0, "end_time": 0, "setup_duration": 0, "execution_duration": 0, "cleanup_duration": 0}
    timeline = attempt.timeline
    if attempt.never_ran:
        return {
            "start_time": 0,
            "end_time": ms(timeline.started_at),
            "setup_duration": 0,
            "execution_duration": 0,
            "cleanup_duration": 0,
        }
    start = ms(timeline.started_at)
    end = ms(timeline.ended_at()) if view.final else 0
    times = {
        "start_time": start,
        "end_time": end,
        "setup_duration": _time_in(timeline, "PENDING"),
        "execution_duration": _time_in(timeline, "RUNNING"),
        "cleanup_duration": _time_in(timeline, "TERMINATING"),
    }
    if end:
        times["run_duration"] = max(end - start, 0)
    return times


def _time_in(timeline: Timeline, state: str) -> int:
    """Milliseconds spent in `state` (whole visits only), as differences of the epoch-ms times shown."""
    history = timeline.history
    return sum(ms(until) - ms(at) for (name, at), (_, until) in itertools.pairwise(history) if name == state)


def task_run(record: Run, slot: Slot, attempt: Attempt | None, base_url: str) -> dict[str, Any]:
    """A task run read on its own (runs/get or get-output with a task run id)."""
    view = attempt_view(slot, attempt) if attempt else unstarted_view(record)
    entry = _entry(record, slot, attempt, view, base_url)
    state, status = run_state(view)
    body: dict[str, Any] = {
        "run_id": entry["run_id"],
        "number_in_job": entry["run_id"],
        "original_attempt_run_id": slot.first_id,
        "creator_user_name": record.creator_user_name,
        "run_name": slot.key,
        "run_type": record.run_type,
        "trigger": "RETRY" if attempt and attempt.number else record.trigger,
        "state": state,
        "status": status,
        "attempt_number": entry["attempt_number"],
        "run_page_url": entry["run_page_url"],
        "job_run_id": record.run_id,
        "task_key": slot.key,
        "format": "MULTI_TASK",
        "tasks": [entry],
    }
    body.update(_times(attempt, view))
    if record.shown_job_id is not None:
        body["job_id"] = record.shown_job_id
    return body


def repair_history(record: Run) -> list[dict[str, Any]]:
    items = []
    for round_ in record.rounds:
        if round_ is record.latest or round_.outcome is None:
            state, status = run_state(parent_view(record))
        else:
            state, status = round_.outcome["state"], round_.outcome["status"]
        item: dict[str, Any] = {
            "type": "ORIGINAL" if round_.number == 0 else "REPAIR",
            "start_time": record.start_ms if round_.number == 0 else ms(round_.started_at),
            "end_time": ms(round_.ended_at),
            "state": state,
            "status": status,
            "task_run_ids": round_task_run_ids(round_),
        }
        if round_.repair_id is not None:
            item["id"] = round_.repair_id
        items.append(item)
    return items


def round_task_run_ids(round_: Round) -> list[int]:
    ids: list[int] = []
    for slot in round_.slots.values():
        if slot.hidden:
            continue
        ids.extend([a.run_id for a in slot.attempts] or [slot.first_id])
    return ids


# The workspace (organisation) id in every run_page_url: one stable, made-up 16-digit number, the length real
# workspace ids have (docs/decisions/databricks.md "run_page_url").
WORKSPACE_ID = 1234567890123456


def page_url(base_url: str, job_id: int | None, run_id: int) -> str:
    """A run's page in the workspace UI, in Databricks' form `<host>/?o=<workspace id>#job/<job_id>/run/<run_id>`."""
    if job_id is None:  # only runs stored before one-time runs got a job
        return f"{base_url}/?o={WORKSPACE_ID}#job/runs/{run_id}"
    return f"{base_url}/?o={WORKSPACE_ID}#job/{job_id}/run/{run_id}"
