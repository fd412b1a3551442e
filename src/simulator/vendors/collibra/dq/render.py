"""Runs in the Data Quality API's words (JobRun)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simulator.vendors.collibra.dq.model import DqRun

DEFAULT_EXCEPTION = "Job failed"


def instant(seconds: float) -> str:
    """An RFC 3339 UTC time with milliseconds and a trailing Z."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job_run(run: DqRun) -> dict[str, Any]:
    step = run.timeline.step
    body: dict[str, Any] = {
        "jobRunId": run.run_id,
        "jobName": run.job_name,
        "runDate": run.run_date.wire(),
        "status": step.state,
        "activity": str(step.attrs.get("activity", "")),
        "startedBy": run.started_by,
        "updatedAt": instant(run.timeline.entered_at),
        "startTime": instant(run.timeline.started_at),
    }
    if step.state == "FAILED":
        body["exception"] = step.message or DEFAULT_EXCEPTION
    return body
