"""The `data` section of Data Quality scenarios: the job catalogue, runs they already had, and users."""

from __future__ import annotations

import uuid
from typing import Any

from simulator.engine.credentials import users_schema
from simulator.engine.scenario import DURATION_SCHEMA, Scenario, parse_duration
from simulator.engine.session import Session
from simulator.vendors.collibra.auth import ADMIN, user_ref
from simulator.vendors.collibra.dq.model import DqJob, DqState
from simulator.vendors.collibra.dq.permissions import KNOWN
from simulator.vendors.collibra.dq.rundates import from_text, now_as
from simulator.vendors.collibra.dq.runs import start_run

_UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_JOB_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[a-zA-Z0-9_.-]+$"}

DATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "jobs": {
            "type": "array",
            "description": "The job catalogue: runJob answers 404 for any other name.",
            "items": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": _JOB_NAME,
                    "type": {"enum": ["PUSHDOWN", "PULLUP"], "description": "JobType (default PUSHDOWN)."},
                    "dateFormat": {"enum": ["DATE", "TIMESTAMP"], "description": "Run date kind (default TIMESTAMP)."},
                    "plan": {"type": "string", "description": "Plan every run of this job follows (by name)."},
                },
            },
        },
        "runs": {
            "type": "array",
            "description": "Runs that already exist: triggered `ago` before the scenario is loaded.",
            "items": {
                "type": "object",
                "required": ["job", "ago"],
                "additionalProperties": False,
                "properties": {
                    "job": _JOB_NAME,
                    "ago": DURATION_SCHEMA,
                    "plan": {"type": "string"},
                    "id": {"type": "string", "pattern": _UUID},
                    "runDate": {
                        "type": "string",
                        "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$",
                        "description": "yyyy-MM-dd (DATE) or RFC 3339 (TIMESTAMP).",
                    },
                    "startedBy": {"type": "string", "description": "User name or id (default Admin)."},
                },
            },
        },
        "users": users_schema(
            permissions={"type": "array", "items": {"enum": list(KNOWN)}, "uniqueItems": True},
            jobs={
                "type": "array",
                "items": {"type": "string"},
                "description": "Job name patterns JOB_RUN / JOB_VIEW apply to (default every job).",
            },
        ),
    },
}


def load_sample_data(state: DqState, session: Session, scenario: Scenario) -> None:
    data = scenario.data
    state.users.load(data.get("users", ()))
    for entry in data.get("jobs", ()):
        job = DqJob(
            name=entry["name"],
            job_type=entry.get("type", "PUSHDOWN"),
            date_format=entry.get("dateFormat", "TIMESTAMP"),
            plan=entry.get("plan"),
        )
        state.jobs[job.name] = job
    now = session.now()
    for entry in sorted(data.get("runs", ()), key=lambda r: -parse_duration(r["ago"])):
        job = state.jobs.get(entry["job"]) or state.jobs.setdefault(entry["job"], DqJob(entry["job"]))
        started = now - parse_duration(entry["ago"])
        run_date = from_text(entry["runDate"]) if "runDate" in entry else now_as(job.date_format, started)
        run_id = str(uuid.UUID(entry["id"])) if "id" in entry else None
        if run_id is not None:
            state.runs.pop(run_id)
        run = start_run(
            state,
            session,
            started,
            job,
            run_date,
            None,
            user_ref(entry.get("startedBy", ADMIN)),
            plan=entry.get("plan"),
            run_id=run_id,
        )
        run.timeline.observe(now)
