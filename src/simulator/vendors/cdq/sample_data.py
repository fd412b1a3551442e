"""The `data` section of CDQ scenarios: the default caller, API keys, job types and sample jobs."""

from __future__ import annotations

import hashlib
from typing import Any

from simulator.engine.scenario import DURATION_SCHEMA, Scenario, parse_duration
from simulator.engine.session import Session
from simulator.vendors.cdq.creation import new_job
from simulator.vendors.cdq.flow import observe
from simulator.vendors.cdq.model import Caller, CdqState, JobType

_TEXT = {"type": "string", "minLength": 1}
_OBJECTS = {"type": "array", "items": {"type": "object"}}
_CALLER: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["organizationId"],
    "properties": {"user": _TEXT, "organizationId": _TEXT, "workspaceId": _TEXT},
}
_API_KEY = {**_CALLER, "required": ["key", "organizationId"], "properties": {**_CALLER["properties"], "key": _TEXT}}
_JOB_TYPE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type"],
    "properties": {
        "type": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
        "features": {"type": "array", "items": {"enum": ["CANCELLABLE"]}, "uniqueItems": True},
        "description": _TEXT,
        "domain": _TEXT,
        "dockerImageUrl": _TEXT,
    },
}
_JOB = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"},
        "ago": {**DURATION_SCHEMA, "description": "How long before loading the job was created."},
        "plan": {"type": "string", "description": "A plan of this scenario (usually named_only) the job follows."},
        "type": _TEXT,
        "name": {"type": "string", "maxLength": 50},
        "description": {"type": "string", "maxLength": 200},
        "mainLabel": _TEXT,
        "user": _TEXT,
        "organizationId": _TEXT,
        "workspaceId": _TEXT,
        "storageId": _TEXT,
        "domain": _TEXT,
        "dockerImageUrl": _TEXT,
        "inputUri": _TEXT,
        "reportUri": _TEXT,
        "resultData": {"type": "string"},
        "tags": {"type": "array", "items": _TEXT},
        "commands": {"type": "array", "items": {"type": "string"}},
        "labels": _OBJECTS,
        "environmentVariables": _OBJECTS,
        "jobDependencies": {"type": "array", "items": {"type": "object", "required": ["jobId"]}},
        "volumes": _OBJECTS,
        "attachments": _OBJECTS,
        "resourceRequest": {"type": "object"},
    },
}
DATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "caller": _CALLER,
        "apiKeys": {"type": "array", "items": _API_KEY},
        "jobTypes": {"type": "array", "items": _JOB_TYPE},
        "jobs": {"type": "array", "items": _JOB},
    },
}

_CONTROL = ("id", "ago", "plan", "user", "organizationId")
_EXTRAS = ("mainLabel", "workspaceId", "domain", "reportUri", "resultData", "attachments")


def key_user(key: str) -> str:
    """The `user` of jobs started with an API key that names no user: an id derived from the key, not the key."""
    return "apikey-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _extras(raw: dict[str, Any], default: Caller) -> dict[str, Any]:
    """Sample-data-only fields; a job of the default caller's organization gets its workspace."""
    extras = {k: raw[k] for k in _EXTRAS if k in raw}
    if default.workspace_id and raw.get("organizationId", default.organization_id) == default.organization_id:
        extras.setdefault("workspaceId", default.workspace_id)
    return extras


def load_sample_data(state: CdqState, session: Session, scenario: Scenario) -> None:
    data = scenario.data
    if "caller" in data:
        raw = data["caller"]
        state.default_caller = Caller(
            raw.get("user", state.default_caller.user), raw["organizationId"], raw.get("workspaceId")
        )
    for raw in data.get("apiKeys", []):
        state.api_keys[raw["key"]] = Caller(
            raw.get("user") or key_user(raw["key"]), raw["organizationId"], raw.get("workspaceId")
        )
    for raw in data.get("jobTypes", []):
        state.job_types[raw["type"]] = JobType(
            raw["type"],
            tuple(raw.get("features", ())),
            raw.get("description"),
            raw.get("domain"),
            raw.get("dockerImageUrl"),
        )
    now = session.now()
    for raw in data.get("jobs", []):
        if raw.get("id") in state.jobs:
            continue  # the scenario was loaded before: keep the job it made
        fields = {k: v for k, v in raw.items() if k not in _CONTROL and k not in _EXTRAS}
        job = new_job(
            state,
            session,
            now - parse_duration(raw.get("ago", 0)),
            fields,
            user=raw.get("user", state.default_caller.user),
            organization_id=raw.get("organizationId", state.default_caller.organization_id),
            extras=_extras(raw, state.default_caller),
            job_id=raw.get("id"),
            plan_name=raw.get("plan"),
        )
        observe(state, job, now)
