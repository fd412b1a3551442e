"""Core 2.0 job operations (specs/collibra-dgc.yaml), all deprecated: every reply carries deprecation hints."""

from __future__ import annotations

import uuid

from simulator.vendors.base import Call, Reply
from simulator.vendors.collibra_dgc import api, render
from simulator.vendors.collibra_dgc.api import handlers
from simulator.vendors.collibra_dgc.model import DgcState
from simulator.vendors.collibra_dgc.query import SORT_KEYS, Filter, ordered

DEFAULT_LIMIT = 1000
SUNSET = "Mon, 01 Jun 2026 00:00:00 GMT"
SUCCESSOR = "/rest/jobs/v1/jobs"


def deprecation(successor: str = SUCCESSOR) -> dict[str, str]:
    """Deprecation hints of a /rest/2.0 jobs reply: deprecated, removed in 2026.06, and the v1 resource to use."""
    return {"Deprecation": "true", "Sunset": SUNSET, "Link": f'<{successor}>; rel="successor-version"'}


@handlers.operation("findJobs")
async def find_jobs(call: Call) -> Reply:
    state: DgcState = call.state
    api.caller_of(call)
    query = call.query
    created_by = query.get("createdBy")
    wanted = Filter(
        name=query.get("name"),
        mode=query["nameMatchMode"],
        created_by=str(uuid.UUID(created_by)) if created_by else None,
        states=frozenset(query.get("states") or ()),
        results=frozenset(query.get("results") or ()),
        types=frozenset(query.get("types") or ()),
        visible=query.get("visible"),
    )
    now = call.now
    jobs = ordered(wanted.apply(state.visible(now)), SORT_KEYS[query["sortField"]], query["sortOrder"] == "DESC")
    offset, limit, count = query["offset"], query["limit"], query["countLimit"]
    shown = jobs[offset : offset + (limit or DEFAULT_LIMIT)]
    total = len(jobs) if count < 0 else min(len(jobs), count)
    body = {"total": total, "offset": offset, "limit": limit, "results": [render.core(job, now) for job in shown]}
    return Reply(200, body, deprecation())


@handlers.operation("getJob")
async def get_job(call: Call) -> Reply:
    api.caller_of(call)
    job = api.find_job(call, read=True)
    return Reply(200, render.core(job, call.now), deprecation(f"{SUCCESSOR}/{job.job_id}"))


@handlers.operation("cancelJob")
async def cancel_job(call: Call) -> Reply:
    caller = api.caller_of(call)
    job = api.find_job(call)
    message = call.body.get("message") if isinstance(call.body, dict) else None
    api.cancel(job, caller, call.now, message if isinstance(message, str) else None)
    return Reply(202, headers=deprecation(f"{SUCCESSOR}/{job.job_id}"))
