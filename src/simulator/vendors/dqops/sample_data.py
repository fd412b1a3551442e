"""The `data` section of DQOps scenarios: jobs already in the history, the cron scheduler and its schedules."""

from __future__ import annotations

import re
from typing import Any

from simulator.engine.scenario import DURATION_SCHEMA, Scenario, parse_duration
from simulator.engine.session import Session
from simulator.vendors.dqops import queue
from simulator.vendors.dqops.kinds import BY_TYPE, CRON_TYPES
from simulator.vendors.dqops.model import CronEntry, DqopsState

_CRON = re.compile(r"^\*(?:/([1-9][0-9]*))? \* \* \* \*$")
_STARTABLE = sorted(set(BY_TYPE) - set(CRON_TYPES))

DATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "scheduler_running": {
            "type": "boolean",
            "description": "Whether the cron scheduler runs (as after startCronScheduler). Default: true.",
        },
        "cron": {
            "type": "array",
            "description": "Schedules the cron scheduler fires while it runs; replaces earlier scenarios' list.",
            "items": {
                "type": "object",
                "required": ["every"],
                "additionalProperties": False,
                "properties": {
                    "every": {
                        "description": "A duration (60s, 5m) or a minute cron expression ('* * * * *', '*/5 * * * *'); "
                        "fires at whole multiples of it on the simulator clock.",
                        "oneOf": [
                            {"type": "number", "minimum": 1},
                            {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(s|m|h|d)$"},
                            {"type": "string", "pattern": _CRON.pattern},
                        ],
                    },
                    "job_type": {"enum": list(CRON_TYPES)},
                    "cron_expression": {"type": "string", "description": "Echoed in the job's parameters."},
                },
            },
        },
        "jobs": {
            "type": "array",
            "description": "Jobs started `ago` before the scenario was loaded, following `plan` (or the matching one).",
            "items": {
                "type": "object",
                "required": ["job_type", "ago"],
                "additionalProperties": False,
                "properties": {
                    "job_type": {"enum": _STARTABLE},
                    "ago": DURATION_SCHEMA,
                    "business_key": {"type": "string", "minLength": 1},
                    "parameters": {"type": "object", "description": "The request body the job was started with."},
                    "plan": {"type": "string"},
                },
            },
        },
    },
}


def cron_entry(raw: dict[str, Any]) -> CronEntry:
    every = raw["every"]
    expression = raw.get("cron_expression")
    found = _CRON.match(every) if isinstance(every, str) else None
    if found:
        interval = 60.0 * int(found.group(1) or 1)
        expression = expression or every
    else:
        interval = parse_duration(every)
        if expression is None and interval % 60 == 0:
            expression = f"*/{int(interval // 60)} * * * *"
    return CronEntry(BY_TYPE[raw.get("job_type", "run_scheduled_checks_cron")], max(interval, 1.0), expression)


def load_sample_data(state: DqopsState, session: Session, scenario: Scenario) -> None:
    data = scenario.data
    now = session.now()
    queue.sync(state, now)
    if "cron" in data:
        state.cron = [cron_entry(raw) for raw in data["cron"]]
        state.cron_checked_at = now
    if "scheduler_running" in data:
        queue.set_scheduler(state, bool(data["scheduler_running"]), now)
    for entry in sorted(data.get("jobs", []), key=lambda e: -parse_duration(e["ago"])):
        queue.start_job(
            state,
            BY_TYPE[entry["job_type"]],
            dict(entry.get("parameters", {})),
            now - parse_duration(entry["ago"]),
            business_key=entry.get("business_key"),
            plan_name=entry.get("plan"),
        )
    queue.sync(state, now)
