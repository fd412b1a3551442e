"""DQOps payloads, key casing per model as the dqops client reads them; absent values are left out, never null."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from simulator.vendors.dqops.model import Change, DqopsState, Job
from simulator.vendors.dqops.results import result_of

FOLDERS = (
    "sources",
    "sensors",
    "rules",
    "checks",
    "settings",
    "credentials",
    "dictionaries",
    "patterns",
    "data_sensor_readouts",
    "data_check_results",
    "data_statistics",
    "data_errors",
    "data_incidents",
)
DEFAULT_ERROR = "Simulated job failure"


def ms(at: float) -> int:
    """Epoch milliseconds (statusChangedAt)."""
    return round(at * 1000)


@functools.lru_cache(maxsize=8192)  # a job shows the same few moments on every read; strftime is slow
def iso(at: float) -> str:
    """ISO-8601 UTC with milliseconds (createdAt): 2026-11-25T10:00:00.000Z."""
    millis = ms(at)
    return datetime.fromtimestamp(millis // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def job_id(job: Job) -> dict[str, Any]:
    out: dict[str, Any] = {"jobId": job.job_id}
    if job.business_key:
        out["jobBusinessKey"] = job.business_key
    out["createdAt"] = iso(job.created_at)
    return out


def history_entry(job: Job, status: str, at: float) -> dict[str, Any]:
    """DqoJobHistoryEntryModel of `job` as it was when it entered `status` at `at`."""
    member = dict(job.parameters)
    if status == "finished" and job.kind.stored_result_key:
        result = result_of(job)
        if result is not None:
            member[job.kind.stored_result_key] = result
    out: dict[str, Any] = {
        "jobId": job_id(job),
        "jobType": job.kind.job_type,
        "parameters": {job.kind.member: member},
        "status": status,
    }
    if status == "failed":
        out["errorMessage"] = job.timeline.step.message or DEFAULT_ERROR
    out["statusChangedAt"] = ms(at)
    return out


def current_entry(job: Job) -> dict[str, Any]:
    return history_entry(job, job.timeline.state, job.timeline.entered_at)


def change(item: Change) -> dict[str, Any]:
    out: dict[str, Any] = {"status": item.status, "jobId": job_id(item.job), "changeSequence": item.sequence}
    if item.updated_model is not None:
        out["updatedModel"] = item.updated_model
    out["statusChangedAt"] = ms(item.at)
    return out


def envelope(job: Job, *, with_result: bool = True) -> dict[str, Any]:
    """RunChecksQueueJobResult and its siblings: jobId, result (finished jobs only), status."""
    out: dict[str, Any] = {"jobId": job_id(job)}
    if with_result:
        result = result_of(job)
        if result is not None:
            out["result"] = result
    out["status"] = job.timeline.state
    return out


def folders(state: DqopsState) -> dict[str, str]:
    busy = any(
        job.kind.job_type == "synchronize_multiple_folders" and job.timeline.state == "running"
        for job in state.active.values()
    )
    value = "synchronizing" if busy else "unchanged"
    return dict.fromkeys(FOLDERS, value)
