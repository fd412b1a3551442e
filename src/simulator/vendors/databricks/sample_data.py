"""The `data` section of Databricks scenarios: jobs to pre-create and runs they already had."""

from __future__ import annotations

from typing import Any

from simulator.engine.scenario import DURATION_SCHEMA, Scenario, parse_duration
from simulator.engine.session import Session
from simulator.vendors.databricks.execution import Executor
from simulator.vendors.databricks.handlers import new_job, start_run
from simulator.vendors.databricks.model import DatabricksState

DATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "jobs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["settings"],
                "additionalProperties": False,
                "properties": {
                    "settings": {
                        "type": "object",
                        "description": "JobSettings, as jobs/create takes them (not limited to 100 tasks, as in 2.2).",
                    },
                    "runs": {
                        "type": "array",
                        "description": "Runs the job already had: started `ago` before start-up, following `plan`.",
                        "items": {
                            "type": "object",
                            "required": ["ago"],
                            "additionalProperties": False,
                            "properties": {
                                "ago": DURATION_SCHEMA,
                                "plan": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def load_sample_data(state: DatabricksState, session: Session, scenario: Scenario) -> None:
    now = session.now()
    executor = Executor(state, session)
    for entry in scenario.data.get("jobs", []):
        job = new_job(state, session, now, dict(entry["settings"]))
        for past in sorted(entry.get("runs", []), key=lambda r: -parse_duration(r["ago"])):
            start_run(
                executor,
                now - parse_duration(past["ago"]),
                job=job,
                run_type="JOB_RUN",
                run_name=job.name,
                tasks=job.settings.get("tasks", []),
                body={},
                plan_name=past.get("plan"),
            )
