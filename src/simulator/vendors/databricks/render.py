"""Jobs and runs in Databricks' words (Jobs API 2.1/2.2 field names, epoch-ms times)."""

from __future__ import annotations

from typing import Any

from simulator.engine.lifecycle import Timeline
from simulator.vendors.databricks.lifecycle import STATUS_STATE, TERMINAL, TERMINATION
from simulator.vendors.databricks.model import Job, Run

SETTINGS_DEFAULTS: dict[str, Any] = {
    "name": "Untitled",
    "email_notifications": {},
    "webhook_notifications": {},
    "timeout_seconds": 0,
    "max_concurrent_runs": 1,
    "format": "MULTI_TASK",
}
_TASK_ARRAYS = ("tasks", "job_clusters")


def job(record: Job, *, expand_tasks: bool = True) -> dict[str, Any]:
    settings = record.settings
    if not expand_tasks:
        settings = {k: v for k, v in settings.items() if k not in _TASK_ARRAYS}
    return {
        "job_id": record.job_id,
        "creator_user_name": record.creator_user_name,
        "run_as_user_name": record.creator_user_name,
        "settings": settings,
        "created_time": record.created_time,
    }


def run_state(timeline: Timeline) -> tuple[dict[str, Any], dict[str, Any]]:
    """The deprecated `state` object and the v2 `status` object of a timeline at its last observation."""
    step = timeline.step
    life = step.state
    state: dict[str, Any] = {
        "life_cycle_state": life,
        "state_message": step.message or "",
        "user_cancelled_or_timedout": False,
    }
    status: dict[str, Any] = {"state": STATUS_STATE[life]}
    if life in TERMINAL:
        result = step.result or ("FAILED" if life == "INTERNAL_ERROR" else None)
        if result:
            state["result_state"] = result
            state["user_cancelled_or_timedout"] = result in ("CANCELED", "TIMEDOUT")
        if life == "INTERNAL_ERROR":
            code, kind = "INTERNAL_ERROR", "INTERNAL_ERROR"
        elif life == "SKIPPED" and result is None:
            code, kind = "SKIPPED", "SUCCESS"
        else:
            code, kind = TERMINATION.get(result or "SUCCESS", ("SUCCESS", "SUCCESS"))
        status["termination_details"] = {"code": code, "type": kind, "message": step.message or ""}
    elif life == "QUEUED":
        state["queue_reason"] = step.message or "Queued due to reaching maximum concurrent runs of 1."
        status["queue_details"] = {"code": "ACTIVE_RUNS_LIMIT_REACHED", "message": state["queue_reason"]}
    return state, status


def run(record: Run, base_url: str, *, include_tasks: bool = True, include_history: bool = False) -> dict[str, Any]:
    timeline = record.timeline
    state, status = run_state(timeline)
    start = record.start_ms
    ended = timeline.ended_at()
    end_ms = int(ended * 1000) if ended is not None else 0
    body: dict[str, Any] = {
        "run_id": record.run_id,
        "number_in_job": record.run_id,
        "creator_user_name": record.creator_user_name,
        "run_name": record.run_name,
        "run_type": record.run_type,
        "trigger": record.trigger,
        "state": state,
        "status": status,
        "start_time": start,
        "end_time": end_ms,
        "setup_duration": 0,
        "execution_duration": 0,
        "cleanup_duration": 0,
        "attempt_number": 0,
        "format": "MULTI_TASK",
        "run_page_url": _page_url(base_url, record.job_id, record.run_id),
    }
    if record.job_id is not None:
        body["job_id"] = record.job_id
    if ended is not None:
        body["run_duration"] = max(end_ms - start, 0)
    queued = timeline.time_in(("QUEUED",))
    if queued:
        body["queue_duration"] = int(queued * 1000)
    if record.job_parameters:
        body["job_parameters"] = record.job_parameters
    if record.overriding_parameters:
        body["overriding_parameters"] = record.overriding_parameters
    if record.description:
        body["description"] = record.description
    if include_tasks:
        body["tasks"] = [_task(record, task, state, status, start, end_ms, base_url) for task in record.tasks]
    if include_history:
        body["repair_history"] = repair_history(record)
    return body


def repair_history(record: Run) -> list[dict[str, Any]]:
    if not record.repairs:
        return [_history_item("ORIGINAL", None, record.timeline, [t.run_id for t in record.tasks])]
    assert record.original is not None
    items = [_history_item("ORIGINAL", None, record.original, record.original_task_run_ids)]
    items.extend(_history_item("REPAIR", r.repair_id, r.timeline, r.task_run_ids) for r in record.repairs)
    return items


def _history_item(kind: str, repair_id: int | None, timeline: Timeline, task_run_ids: list[int]) -> dict[str, Any]:
    state, status = run_state(timeline)
    ended = timeline.ended_at()
    item: dict[str, Any] = {
        "type": kind,
        "start_time": int(timeline.started_at * 1000),
        "end_time": int(ended * 1000) if ended is not None else 0,
        "state": state,
        "status": status,
        "task_run_ids": task_run_ids,
    }
    if repair_id is not None:
        item["id"] = repair_id
    return item


def _task(
    record: Run, task: Any, state: dict[str, Any], status: dict[str, Any], start: int, end: int, base_url: str
) -> dict[str, Any]:
    body = dict(task.spec)
    body.update(
        {
            "run_id": task.run_id,
            "state": state,
            "status": status,
            "start_time": start,
            "end_time": end,
            "setup_duration": 0,
            "execution_duration": max(end - start, 0) if end else 0,
            "cleanup_duration": 0,
            "attempt_number": 0,
            "run_page_url": _page_url(base_url, record.job_id, task.run_id),
        }
    )
    return body


def _page_url(base_url: str, job_id: int | None, run_id: int) -> str:
    if job_id is None:
        return f"{base_url}/#job/runs/{run_id}"
    return f"{base_url}/#job/{job_id}/run/{run_id}"
