"""Small builders for Databricks tests over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from simulator.vendors.databricks.lifecycle import DEFAULT_PLAN

API = "/api/2.2/jobs"


def task(key: str, *after: str, **fields: Any) -> dict[str, Any]:
    """A notebook task on an existing cluster, depending on the tasks named in `after`."""
    body: dict[str, Any] = {
        "task_key": key,
        "notebook_task": {"notebook_path": f"/Repos/tests/{key}"},
        "existing_cluster_id": "0101-000000-test",
    }
    if after:
        body["depends_on"] = [{"task_key": name} for name in after]
    body.update(fields)
    return body


def create(http: httpx.Client, name: str, tasks: list[dict[str, Any]], **settings: Any) -> int:
    reply = http.post(f"{API}/create", json={"name": name, "tasks": tasks, **settings})
    assert reply.status_code == 200, reply.text
    return int(reply.json()["job_id"])


def run_now(http: httpx.Client, job_id: int, **body: Any) -> int:
    reply = http.post(f"{API}/run-now", json={"job_id": job_id, **body})
    assert reply.status_code == 200, reply.text
    return int(reply.json()["run_id"])


def get_run(http: httpx.Client, run_id: int, **query: Any) -> dict[str, Any]:
    reply = http.get(f"{API}/runs/get", params={"run_id": run_id, **query})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def tasks_by_key(run: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Task run entries of a run by task key, attempts in order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in run.get("tasks", []):
        out.setdefault(entry["task_key"], []).append(entry)
    return out


def last(run: dict[str, Any], key: str) -> dict[str, Any]:
    return tasks_by_key(run)[key][-1]


def life(entry: dict[str, Any]) -> tuple[str, str | None]:
    """(life_cycle_state, result_state) of a run or task run entry."""
    return entry["state"]["life_cycle_state"], entry["state"].get("result_state")


def error_of(reply: httpx.Response, field: str, code: str = "INVALID_PARAMETER_VALUE") -> str:
    """The message of a 400 with error_code `code` that names `field`."""
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["error_code"] == code, body
    assert field in body["message"], body
    return str(body["message"])


def plan(*plans: str, name: str = "test-plans") -> str:
    """A scenario holding the given plan entries (YAML list items)."""
    return f"jobsim: 1\nname: {name}\napi: databricks\nplans:\n" + "\n".join(plans)


FAILS = """\
  - kind: task
    match: {match}
    steps:
      - {{state: PENDING, for: 1s}}
      - {{state: RUNNING, for: 2s}}
      - {{state: TERMINATED, result: FAILED, message: "{message}"}}"""

HOLDS = """\
  - kind: task
    match: {match}
    steps:
      - {{state: PENDING, for: 1s}}
      - {{state: RUNNING, message: "holding"}}"""


def fails(match: str, message: str = "boom") -> str:
    return FAILS.format(match=match, message=message)


def holds(match: str) -> str:
    return HOLDS.format(match=match)


# The default plan's timing, in ms (tests follow it rather than repeating its numbers).
PENDING_MS = int(DEFAULT_PLAN[0].seconds * 1000)
RUNNING_MS = int(DEFAULT_PLAN[1].seconds * 1000)
TASK_MS = PENDING_MS + RUNNING_MS
