"""The `data` section of DGC scenarios: the jobs (there is no create endpoint) and the users."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from simulator.engine.lifecycle import Timeline
from simulator.engine.scenario import DURATION_SCHEMA, Scenario, parse_duration
from simulator.engine.session import Session
from simulator.vendors.collibra.auth import ADMIN, user_ref, users_schema
from simulator.vendors.collibra.dgc.lifecycle import DEFAULT_PLAN, JOB, resolve
from simulator.vendors.collibra.dgc.model import DgcJob, DgcState

API = "collibra-dgc"
_UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

DATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "jobs": {
            "type": "array",
            "description": "Jobs of the platform's background work, created when the scenario loads (or later).",
            "items": {
                "type": "object",
                "required": ["name", "type"],
                "additionalProperties": False,
                "not": {"required": ["ago", "appears_after"]},
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "type": {"type": "string", "minLength": 1, "description": "Job type, e.g. IMPORT, SYNC."},
                    "id": {"type": "string", "pattern": _UUID},
                    "user": {"type": "string", "description": "Owner (userId): a user name or id (default Admin)."},
                    "createdBy": {"type": "string", "description": "Creator: a user name or id (default: user)."},
                    "ago": {**DURATION_SCHEMA, "description": "Created this long before the scenario loads."},
                    "appears_after": {**DURATION_SCHEMA, "description": "Created (and listed) only this long after."},
                    "plan": {"type": "string", "description": "Plan the job follows (by name)."},
                    "cancelable": {"type": "boolean", "default": True},
                    "visible": {"type": "boolean", "default": True, "description": "false: visibility 0."},
                    "system": {"type": "boolean", "default": False},
                    "selfManaged": {"type": "boolean", "default": False},
                    "message": {"type": "string"},
                },
            },
        },
        "users": users_schema(admin={"type": "boolean", "description": "May cancel any job (default: name Admin)."}),
    },
}


def load_sample_data(state: DgcState, session: Session, scenario: Scenario) -> None:
    state.users.load(scenario.data.get("users", ()))
    now = session.now()
    timed = [
        (now - parse_duration(entry.get("ago", 0)) + parse_duration(entry.get("appears_after", 0)), index, entry)
        for index, entry in enumerate(scenario.data.get("jobs", ()))
    ]
    for created, _, entry in sorted(timed, key=lambda item: item[:2]):
        add_job(state, session, entry, created)


def add_job(state: DgcState, session: Session, entry: Mapping[str, Any], created: float) -> DgcJob:
    job_id = str(uuid.UUID(entry["id"])) if "id" in entry else session.ids.uuid()
    owner = user_ref(entry.get("user", ADMIN))
    attrs = {"name": entry["name"], "id": job_id, "type": entry["type"], "user": entry.get("user", ADMIN)}
    name = entry.get("plan")
    plan = session.plans.named(API, name) if name else None
    plan = plan or session.plans.find(API, "job", attrs)
    job = DgcJob(
        job_id=job_id,
        name=entry["name"],
        type=entry["type"],
        user_id=owner,
        created_by=user_ref(entry["createdBy"]) if "createdBy" in entry else owner,
        created_at=created,
        timeline=Timeline(JOB, resolve(plan.steps if plan else DEFAULT_PLAN), created),
        visibility=1 if entry.get("visible", True) else 0,
        system=bool(entry.get("system", False)),
        cancelable=bool(entry.get("cancelable", True)),
        self_managed=bool(entry.get("selfManaged", False)),
        message=entry.get("message"),
    )
    state.jobs.pop(job_id)
    state.jobs.add(job_id, job)
    return job
