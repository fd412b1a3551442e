"""Jobs API v1 operations (specs/collibra-jobs-v1.yaml), over the same jobs as the Core 2.0 endpoints."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from simulator.engine.paging import BadToken
from simulator.exchange import Call, HandlerTable, Reply
from simulator.vendors.collibra.dgc import common, cursor, render
from simulator.vendors.collibra.dgc.model import DgcJob, DgcState
from simulator.vendors.collibra.dgc.query import SORT_KEYS, Filter, ordered, position, precedes, v1_state
from simulator.vendors.collibra.errors import invalid

handlers = HandlerTable()
DEFAULT_DELETE_MESSAGE = "Deleted by user"
_V1_KEYS: dict[str, Callable[[DgcJob], Any]] = {**SORT_KEYS, "STATE": v1_state}
_NOT_THE_QUERY = frozenset({"cursor", "pageSize"})  # a page size may change from page to page


def _start(call: Call, jobs: list[DgcJob], key: Callable[[DgcJob], Any], descending: bool, digest: str) -> int:
    """Index of the first job at or after the cursor's position (0 without a cursor)."""
    token = call.query.get("cursor")
    if not token:
        return 0
    try:
        after = cursor.read(token, call.session.id, digest)
    except cursor.OtherQuery:
        raise invalid(
            f"Invalid value for parameter 'cursor': {token!r} for these filters and sort order "
            "is not a cursor this server issued.",
            "cursor",
        ) from None
    except BadToken:
        raise invalid(
            f"Invalid value for parameter 'cursor': {token!r} is not a cursor this server issued.", "cursor"
        ) from None
    return next((i for i, job in enumerate(jobs) if not precedes(position(job, key), after, descending)), len(jobs))


@handlers.operation("listJobsV1")
async def list_jobs(call: Call) -> Reply:
    state: DgcState = call.state
    common.caller_of(call)
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
    descending = query["sortOrder"] == "DESC"
    jobs = ordered(wanted.apply(state.visible(now)), key, descending)
    digest = cursor.query_digest(query, _NOT_THE_QUERY)
    start, size = _start(call, jobs, key, descending, digest), query["pageSize"]
    body: dict[str, Any] = {"results": [render.v1(job, now) for job in jobs[start : start + size]]}
    if start + size < len(jobs):
        body["nextCursor"] = cursor.issue(call.session.id, digest, position(jobs[start + size], key))
    return Reply(200, body)


@handlers.operation("getJobV1")
async def get_job(call: Call) -> Reply:
    common.caller_of(call)
    job = common.find_job(call, read=True)
    return Reply(200, render.v1(job, call.now))


@handlers.operation("cancelJobV1")
async def delete_job(call: Call) -> Reply:
    caller = common.caller_of(call)
    job = common.find_job(call)
    message = call.query.get("message") or DEFAULT_DELETE_MESSAGE
    body_message = call.body.get("message") if isinstance(call.body, dict) else None
    if message == DEFAULT_DELETE_MESSAGE and isinstance(body_message, str):
        message = body_message  # the deprecated body counts only when the query does not say otherwise
    common.delete(job, caller, call.now, message)
    return Reply(204)
