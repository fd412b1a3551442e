"""CDQ Jobs Management v2 operations (operationIds of specs/cdq-jobs.yaml)."""

from __future__ import annotations

from simulator.engine.lifecycle import Timeline
from simulator.exchange import ApiError, Call, ErrorKind, HandlerTable, Reply
from simulator.vendors.cdq import render
from simulator.vendors.cdq.auth import caller
from simulator.vendors.cdq.creation import ENV_LIMIT_BYTES, environment_bytes, new_job
from simulator.vendors.cdq.errors import bad_request, not_found
from simulator.vendors.cdq.flow import observe
from simulator.vendors.cdq.listing import list_job_types, list_jobs
from simulator.vendors.cdq.model import Caller, CdqJob, CdqState, Tombstone

handlers = HandlerTable()


def find_job(call: Call, who: Caller, *, read: bool = False) -> CdqJob:
    """The job named by the path, observed now; 404 when it does not exist or belongs to another organization."""
    job_id = str(call.path["jobId"])
    job = call.state.jobs.get(job_id)
    if job is None or job.organization_id != who.organization_id:
        raise not_found(job_id)
    observe(call.state, job, call.now, read=read)
    return job


def body_was_sent(call: Call) -> bool:
    if call.headers.get("transfer-encoding"):
        return True
    return call.headers.get("content-length", "0").strip() not in ("", "0")


@handlers.operation("listJobs")
async def list_jobs_handler(call: Call) -> Reply:
    return Reply(200, list_jobs(call, caller(call)))


@handlers.operation("listJobTypes")
async def list_job_types_handler(call: Call) -> Reply:
    caller(call)
    return Reply(200, list_job_types(call))


@handlers.operation("createJob")
async def create_job(call: Call) -> Reply:
    state: CdqState = call.state
    who = caller(call)
    body = call.body
    if state.job_types and body["type"] not in state.job_types:
        known = ", ".join(sorted(state.job_types))
        raise bad_request(f"Invalid value for field 'type': unknown job type {body['type']!r}; known: {known}.", "type")
    size = environment_bytes(body)
    if size > ENV_LIMIT_BYTES:
        raise bad_request(
            f"Invalid value for field 'environmentVariables': {size} bytes, at most 512 kB are allowed.",
            "environmentVariables",
        )
    organization = body.get("organizationId", who.organization_id)
    if organization != who.organization_id:
        raise ApiError(
            403,
            f"Field 'organizationId': the caller may not create jobs in organization {organization!r}.",
            field="organizationId",
            kind=ErrorKind.FORBIDDEN,
        )
    for index, dependency in enumerate(body.get("jobDependencies", [])):
        other = state.jobs.get(dependency["jobId"])
        if other is None or other.organization_id != organization:
            field = f"jobDependencies[{index}].jobId"
            raise bad_request(f"Invalid value for field '{field}': job {dependency['jobId']!r} not found.", field)
    extras = {"workspaceId": who.workspace_id} if who.workspace_id else {}
    job = new_job(state, call.session, call.now, body, user=who.user, organization_id=organization, extras=extras)
    observe(state, job, call.now)
    return Reply(201, render.job(job, call.now))


@handlers.operation("getJob")
async def get_job(call: Call) -> Reply:
    job = find_job(call, caller(call), read=True)
    return Reply(200, render.job(job, call.now))


@handlers.operation("updateJob")
async def update_job(call: Call) -> Reply:
    who = caller(call)
    if not body_was_sent(call):
        raise ApiError(400, "Required request body is missing.", field="(body)", kind=ErrorKind.MISSING_PARAMETER)
    job = find_job(call, who)
    changed = {name: call.body[name] for name in ("name", "description") if name in call.body}
    if changed:
        job.fields.update(changed)
        job.updated_at = call.now
    return Reply(200, render.job(job, call.now))


@handlers.operation("deleteJob")
async def delete_job(call: Call) -> Reply:
    job = find_job(call, caller(call))
    timeline: Timeline = job.timeline
    call.state.remove(job, Tombstone(timeline.state, timeline.ended_at(), call.now))
    return Reply(204)
