"""Jobs API v1 operations (specs/collibra-jobs-v1.yaml), over the same jobs as the Core 2.0 endpoints."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from simulator.engine.paging import BadToken, decode_offset, encode_offset
from simulator.vendors.base import Call, Reply
from simulator.vendors.collibra_dgc import api, render
from simulator.vendors.collibra_dgc.api import handlers
from simulator.vendors.collibra_dgc.model import DgcJob, DgcState
from simulator.vendors.collibra_dgc.query import SORT_KEYS, Filter, ordered, v1_state
from simulator.vendors.collibra_dq.errors import invalid

DEFAULT_DELETE_MESSAGE = "Deleted by user"
_V1_KEYS: dict[str, Callable[[DgcJob], Any]] = {**SORT_KEYS, "STATE": v1_state}


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return decode_offset(cursor)
    except BadToken:
        message = f"Invalid value for parameter 'cursor': {cursor!r} is not a cursor this server issued."
        raise invalid(message, "cursor") from None


@handlers.operation("listJobsV1")
async def list_jobs(call: Call) -> Reply:
    state: DgcState = call.state
    api.caller_of(call)
    query = call.query
    user = query.get("user")
    wanted = Filter(
        name=query.get("name"),
        mode=query["nameMatchMode"],
        created_by=str(uuid.UUID(user)) if user else None,
        states=frozenset(query.get("state") or ()),
        results=frozenset(query.get("result") or ()),
        types=frozenset(query.get("type") or ()),
        state_of=v1_state,
    )
    now = call.now
    key = _V1_KEYS[query.get("sortField") or "CREATED_ON"]
    jobs = ordered(wanted.apply(state.visible(now)), key, query["sortOrder"] == "DESC")
    offset, size = _offset(query.get("cursor")), query["pageSize"]
    body: dict[str, Any] = {"results": [render.v1(job, now) for job in jobs[offset : offset + size]]}
    if offset + size < len(jobs):
        body["nextCursor"] = encode_offset(offset + size)
    return Reply(200, body)


@handlers.operation("getJobV1")
async def get_job(call: Call) -> Reply:
    api.caller_of(call)
    job = api.find_job(call, read=True)
    return Reply(200, render.v1(job, call.now))


@handlers.operation("cancelJobV1")
async def delete_job(call: Call) -> Reply:
    caller = api.caller_of(call)
    job = api.find_job(call)
    message = call.query.get("message") or DEFAULT_DELETE_MESSAGE
    body_message = call.body.get("message") if isinstance(call.body, dict) else None
    if message == DEFAULT_DELETE_MESSAGE and isinstance(body_message, str):
        message = body_message  # the deprecated body counts only when the query does not say otherwise
    api.delete(job, caller, call.now, message)
    return Reply(204)
