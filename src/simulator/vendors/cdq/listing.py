"""`listJobs` and `listJobTypes`: filters, sort order and cursor pages."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

from simulator.exchange import Call
from simulator.vendors.cdq import render
from simulator.vendors.cdq.cursor import BadCursor, job_cursor, read_job_cursor, read_type_cursor, type_cursor
from simulator.vendors.cdq.errors import bad_request
from simulator.vendors.cdq.flow import observe
from simulator.vendors.cdq.model import Caller, CdqJob, CdqState, SortKey

Filter = Callable[[CdqJob], bool]
T = TypeVar("T")
_LAST = "\U0010ffff"


def job_filter(query: dict[str, Any], who: Caller) -> Filter:
    """Every given filter must hold; values within one array filter are alternatives (tags: see `_tags`)."""
    features = set(query.get("featuresOn", []))
    checks: list[Filter] = []
    if "IGNORE_ORGANIZATION_RESTRICTIONS" not in features:
        checks.append(lambda job: job.organization_id == who.organization_id)
    for name, attribute in (("user", "user"), ("organizationId", "organization_id")):
        if name in query:
            wanted = query[name]
            checks.append(partial(_has, attribute, wanted))
    if "storageId" in query:
        storage = query["storageId"]
        checks.append(lambda job: job.fields.get("storageId") == storage)
    if query.get("jobType"):
        types = set(query["jobType"])
        checks.append(lambda job: job.type in types)
    if query.get("dependentJobId"):
        parent = query["dependentJobId"]
        checks.append(lambda job: parent in job.dependencies)
    if query.get("tag"):
        checks.append(_tags(query["tag"], query.get("tagsConjunction", False) or "TAGS_CONJUNCTION" in features))
    if query.get("jobStatus"):
        statuses = set(query["jobStatus"])
        checks.append(lambda job: job.timeline.state in statuses)
    return lambda job: all(check(job) for check in checks)


def _tags(tags: list[str], conjunction: bool) -> Filter:
    wanted = set(tags)
    if conjunction:
        return lambda job: wanted <= set(job.fields.get("tags", ()))
    return lambda job: not wanted.isdisjoint(job.fields.get("tags", ()))


def ordered(state: CdqState, descending: bool, after: SortKey | None) -> Iterator[CdqJob]:
    """Jobs in sort order, strictly after the cursor position when there is one."""
    order = state.order
    if descending:
        end = len(order) if after is None else bisect.bisect_left(order, (*after, ""))
        positions: range = range(end - 1, -1, -1)
    else:
        start = 0 if after is None else bisect.bisect_right(order, (*after, _LAST))
        positions = range(start, len(order))
    for index in positions:
        found = state.jobs.get(order[index][2])
        if found is not None:
            yield found


def _named(value: Any) -> bool:
    """A filter names something: a non-blank string, or a list with a non-blank item (`jobType= ` is one blank)."""
    return any(value) if isinstance(value, list) else bool(value)


def list_jobs(call: Call, who: Caller) -> dict[str, Any]:
    state: CdqState = call.state
    query = call.query
    if query.get("dependentJobId"):
        for needed in ("storageId", "jobType"):
            if not _named(query.get(needed)):
                raise bad_request(
                    f"Required parameter '{needed}' is missing: dependentJobId requires storageId and jobType.",
                    needed,
                )
    after = _cursor(call, read_job_cursor)
    now = call.now
    matches = job_filter(query, who)
    descending = str(query.get("sort", "createdAt")).startswith("-")
    limit = int(query["limit"])
    shown: list[CdqJob] = []
    more = False
    for job in ordered(state, descending, after):
        observe(state, job, now)
        if matches(job):
            if len(shown) == limit:
                more = True
                break
            shown.append(job)
    body: dict[str, Any] = {"jobs": [render.job(job, now) for job in shown]}
    if more:
        body["nextStartAfter"] = job_cursor(shown[-1].key)
    if "NUMBER_OF_TOTAL" in query.get("featuresOn", []):
        body["total"] = _count(state, matches, now)
    return body


def _count(state: CdqState, matches: Filter, now: float) -> int:
    total = 0
    for job in ordered(state, False, None):
        observe(state, job, now)
        total += matches(job)
    return total


def _cursor(call: Call, read: Callable[[str], T]) -> T | None:
    text = call.query.get("startAfter")
    if text is None:
        return None
    try:
        return read(text)
    except BadCursor:
        raise bad_request(
            f"Invalid value for parameter 'startAfter': {text!r} was not issued by this server.", "startAfter"
        ) from None


def list_job_types(call: Call) -> dict[str, Any]:
    state: CdqState = call.state
    query = call.query
    after = _cursor(call, read_type_cursor)
    features = set(query.get("featureOn", []))
    names = sorted(name for name, t in state.job_types.items() if features <= set(t.features))
    start = 0 if after is None else bisect.bisect_right(names, after)
    limit = int(query["limit"])
    page = names[start : start + limit]
    body: dict[str, Any] = {"jobs": [render.job_type(state.job_types[name]) for name in page]}
    if start + limit < len(names):
        body["nextStartAfter"] = type_cursor(page[-1])
    return body


def _has(attribute: str, wanted: Any, job: CdqJob) -> bool:
    return bool(getattr(job, attribute) == wanted)
