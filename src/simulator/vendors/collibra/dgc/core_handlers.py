"""Core 2.0 job operations (specs/collibra-dgc.yaml), all deprecated: every reply carries deprecation hints."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from simulator.exchange import ApiError, Call, HandlerTable, Reply
from simulator.vendors.collibra.dgc import common, render
from simulator.vendors.collibra.dgc.model import DgcJob, DgcState
from simulator.vendors.collibra.dgc.query import SORT_KEYS, Filter, ordered
from simulator.vendors.collibra.dgc.render import SUCCESSOR, deprecation

handlers = HandlerTable()
DEFAULT_LIMIT = 1000


def successor(call: Call, job_id: str | None = None) -> dict[str, str]:
    """The hints of a reply to `call`: the Link names the v1 job (or the collection) under the request's session
    prefix, as the Location of a Data Quality run does."""
    prefix = urlsplit(call.base_url).path.rstrip("/")
    return deprecation(f"{prefix}{SUCCESSOR}/{job_id}" if job_id else f"{prefix}{SUCCESSOR}")


@contextmanager
def hinted(call: Call, job_id: str | None = None) -> Iterator[None]:
    """An error raised inside carries the hints of `successor`; `render_error` keeps them over its own."""
    try:
        yield
    except ApiError as error:
        error.headers = {**(error.headers or {}), **successor(call, job_id)}
        raise


def found(call: Call, *, read: bool = False) -> DgcJob:
    with hinted(call):
        return common.find_job(call, read=read)


@handlers.operation("findJobs")
async def find_jobs(call: Call) -> Reply:
    state: DgcState = call.state
    common.caller_of(call)
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
    return Reply(200, body, successor(call))


@handlers.operation("getJob")
async def get_job(call: Call) -> Reply:
    common.caller_of(call)
    job = found(call, read=True)
    return Reply(200, render.core(job, call.now), successor(call, job.job_id))


@handlers.operation("cancelJob")
async def cancel_job(call: Call) -> Reply:
    caller = common.caller_of(call)
    job = found(call)
    message = call.body.get("message") if isinstance(call.body, dict) else None
    with hinted(call, job.job_id):
        common.cancel(job, caller, call.now, message if isinstance(message, str) else None)
    return Reply(202, headers=successor(call, job.job_id))
