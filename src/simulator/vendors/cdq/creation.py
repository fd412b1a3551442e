"""Making a job: its id, its plan (the first scenario plan that matches, or a named one), its type's defaults."""

from __future__ import annotations

from typing import Any

from simulator.engine.lifecycle import Timeline
from simulator.engine.session import Session
from simulator.vendors.cdq.flow import split_plan
from simulator.vendors.cdq.lifecycle import DEFAULT_PLAN, JOB
from simulator.vendors.cdq.model import CdqJob, CdqState, JobType

API = "cdq"
ENV_LIMIT_BYTES = 512 * 1024


def default_domain(type_name: str) -> str:
    """DATA_CURATION_JOB -> data-curation."""
    base = type_name.removesuffix("_JOB") or type_name
    return base.lower().replace("_", "-")


def job_type_of(state: CdqState, type_name: str) -> JobType:
    return state.job_types.get(type_name) or JobType(type_name)


def environment_bytes(fields: dict[str, Any]) -> int:
    return sum(
        len(str(variable.get("name", "")).encode()) + len(str(variable.get("value", "")).encode())
        for variable in fields.get("environmentVariables", [])
    )


def new_job(
    state: CdqState,
    session: Session,
    created_at: float,
    fields: dict[str, Any],
    *,
    user: str,
    organization_id: str,
    extras: dict[str, Any] | None = None,
    job_id: str | None = None,
    plan_name: str | None = None,
) -> CdqJob:
    """Store a job created at `created_at` (in the past for sample data) following its plan from then on."""
    job_type = job_type_of(state, str(fields["type"]))
    fields = dict(fields)
    if job_type.docker_image_url and "dockerImageUrl" not in fields:
        fields["dockerImageUrl"] = job_type.docker_image_url
    extras = {"domain": job_type.domain or default_domain(job_type.type), **(extras or {})}
    job_id = job_id or session.ids.uuid()
    attrs = {
        "id": job_id,
        "name": fields.get("name"),
        "type": job_type.type,
        "tags": fields.get("tags"),
        "storageId": fields.get("storageId"),
        "organizationId": organization_id,
        "user": user,
        "inputUri": fields.get("inputUri"),
    }
    plan = session.plans.named(API, plan_name) if plan_name else session.plans.find(API, "job", attrs)
    steps = plan.steps if plan else DEFAULT_PLAN
    start, rest = split_plan(steps, gated=bool(fields.get("jobDependencies")))
    job = CdqJob(
        id=job_id,
        seq=session.ids.next_int("cdq.job"),
        created_at=created_at,
        fields=fields,
        user=user,
        organization_id=organization_id,
        timeline=Timeline(JOB, start, created_at),
        plan=steps,
        rest=rest,
        updated_at=created_at,
        extras=extras,
    )
    state.add(job)
    return job
