"""A job in the Core 2.0 shape (epoch-ms times) and in the Jobs API v1 shape (RFC 3339 times)."""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime
from typing import Any

from simulator.vendors.collibra.dgc.model import DgcJob
from simulator.vendors.collibra.dgc.query import v1_state

DEPRECATED = "@1748736000"  # RFC 9745 date: 2025-06-01T00:00:00Z, a year before the removal (docs/decisions)
SUNSET = "Mon, 01 Jun 2026 00:00:00 GMT"
SUCCESSOR = "/rest/jobs/v1/jobs"


def deprecation(link: str = SUCCESSOR) -> dict[str, str]:
    """Deprecation hints of a /rest/2.0 jobs reply: deprecated, removed in 2026.06, and the v1 resource to use."""
    return {"Deprecation": DEPRECATED, "Sunset": SUNSET, "Link": f'<{link}>; rel="successor-version"'}


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


@functools.lru_cache(maxsize=8192)  # a job shows the same few moments on every read; strftime is slow
def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def core(job: DgcJob, now: float) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": job.job_id,
        "resourceType": "Job",
        "createdBy": job.created_by,
        "createdOn": _ms(job.created_at),
        "lastModifiedBy": job.modified_by or job.created_by,
        "lastModifiedOn": _ms(job.last_modified_on),
        "system": job.system,
        "name": job.name,
        "type": job.type,
        "userId": job.user_id,
        "visibility": job.visibility,
        "progressPercentage": job.progress(now),
        "cancelable": job.cancelable,
        "state": job.state,
        "result": job.result,
    }
    _times(body, job, _ms)
    return body


def v1(job: DgcJob, now: float) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": job.job_id,
        "createdBy": job.created_by,
        "createdOn": _iso(job.created_at),
        "lastModifiedBy": job.modified_by or job.created_by,
        "lastModifiedOn": _iso(job.last_modified_on),
        "user": job.user_id,
        "selfManaged": job.self_managed,
        "name": job.name,
        "type": job.type,
        "progressPercentage": math.floor(job.progress(now)),
        "state": v1_state(job),
        "result": job.result,
    }
    _times(body, job, _iso)
    return body


def _times(body: dict[str, Any], job: DgcJob, fmt: Any) -> None:
    start, end = job.start_date, job.end_date
    if start is not None:
        body["startDate"] = fmt(start)
    if end is not None:
        body["endDate"] = fmt(end)
    text = job.text()
    if text:
        body["message"] = text
