"""Jobs and job types in CDQ's words: camelCase fields, RFC 3339 UTC times, numbers as JSON numbers."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from simulator.vendors.cdq.lifecycle import EXECUTING, TERMINAL
from simulator.vendors.cdq.model import CdqJob, JobType
from simulator.vendors.cdq.progress import counters, running_since

EXPIRES_AFTER = 30 * 86400.0  # a job and its data are kept 30 days after creation

# Request fields the job echoes, in the order the vendor's Job lists them.
_ECHOED = (
    "storageId",
    "dockerImageUrl",
    "commands",
    "environmentVariables",
    "inputUri",
    "jobDependencies",
    "labels",
    "tags",
    "resourceRequest",
    "volumes",
)


@functools.lru_cache(maxsize=8192)  # a job shows the same few moments on every read; strftime is slow
def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def job(record: CdqJob, now: float) -> dict[str, Any]:
    """The Job at its last observation (call flow.observe first)."""
    timeline = record.timeline
    step = timeline.step
    status = timeline.state
    fields = record.fields
    extras = record.extras
    body: dict[str, Any] = {"id": record.id, "type": record.type}
    for name in ("name", "description"):
        if name in fields:
            body[name] = fields[name]
    if "mainLabel" in extras:
        body["mainLabel"] = extras["mainLabel"]
    body["jobStatus"] = status
    previous = _previous_status(record)
    if previous:
        body["lastJobStatus"] = previous
    if step.message:
        body["message"] = step.message
    found = counters(record, now)
    body["progress"] = found.progress if found else 0
    if found:
        body.update(totalItems=found.total, processedItems=found.processed, failedItems=found.failed)
    body["createdAt"] = iso(record.created_at)
    body["modifiedAt"] = iso(max(timeline.entered_at, record.updated_at))
    started = running_since(record)
    if started is not None:
        body["startedAt"] = iso(started)
    ended = timeline.ended_at()
    if ended is not None:
        body["finishedAt"] = iso(ended)
    body["expiresAt"] = iso(record.created_at + EXPIRES_AFTER)
    body["user"] = record.user
    body["organizationId"] = record.organization_id
    for name in ("workspaceId", "domain"):
        if extras.get(name):
            body[name] = extras[name]
    for name in _ECHOED:
        if name in fields:
            body[name] = fields[name]
    final = step.attrs if status in TERMINAL else {}
    for name in ("reportUri", "resultData"):
        value = extras.get(name) or final.get(name)
        if value:
            body[name] = str(value).replace("{id}", record.id)
    attachments = extras.get("attachments") or final.get("attachments")
    if attachments:
        body["attachments"] = list(attachments)
    if found:
        rate = found.processed / found.running_seconds if found.running_seconds else 0.0
        body["metrics"] = [
            {"name": "runningSeconds", "value": round(found.running_seconds, 3)},
            {"name": "itemsPerSecond", "value": round(rate, 3)},
        ]
    if status in EXECUTING and fields.get("storageId"):
        body["locks"] = [{"name": f"storage-{fields['storageId']}"}]
    return body


def _previous_status(record: CdqJob) -> str | None:
    current = record.timeline.state
    for state, _ in reversed(record.timeline.history):
        if state != current:
            return state
    return None


def job_type(record: JobType) -> dict[str, Any]:
    body: dict[str, Any] = {"type": record.type, "features": list(record.features)}
    if record.description:
        body["description"] = record.description
    return body
