"""The /_sim/ control API over HTTP: clock, scenarios, routes, specs, reset."""

from __future__ import annotations

import httpx
import pytest
import yaml
from openapi_spec_validator import validate

from tests.support import LONG_PLAN, RunningServer

DB = "/api/2.2/jobs"


@pytest.fixture
def sim(virtual_server: RunningServer) -> httpx.Client:
    virtual_server.reset()
    return virtual_server.client()


def test_health_lists_the_apis(sim: httpx.Client) -> None:
    body = sim.get("/_sim/health").json()
    assert body["status"] == "ok" and "databricks" in body["apis"] and body["session"] == "default"


def test_virtual_clock_moves_only_when_advanced(sim: httpx.Client) -> None:
    before = sim.get("/_sim/clock").json()
    assert before["mode"] == "virtual"
    assert sim.get("/_sim/clock").json()["now"] == before["now"]
    after = sim.post("/_sim/clock/advance", json={"duration": "1h"}).json()
    assert after["now"] == pytest.approx(before["now"] + 3600)
    assert after["now_iso"].endswith("Z")


def test_advance_takes_durations_with_several_units(sim: httpx.Client) -> None:
    before = sim.get("/_sim/clock").json()["now"]
    assert sim.post("/_sim/clock/advance", json={"duration": "1h30m15s"}).json()["now"] == pytest.approx(before + 5415)
    refused = sim.post("/_sim/clock/advance", json={"duration": "1h 30m"})
    assert refused.status_code == 400 and "duration" in refused.text


def test_a_two_hour_run_finishes_after_one_advance(sim: httpx.Client) -> None:
    assert sim.post("/_sim/scenarios", content=LONG_PLAN, headers={"Content-Type": "application/yaml"}).is_success
    job_id = sim.post(f"{DB}/create", json={"name": "long-etl"}).json()["job_id"]
    run_id = sim.post(f"{DB}/run-now", json={"job_id": job_id}).json()["run_id"]
    run = sim.get(f"{DB}/runs/get", params={"run_id": run_id}).json()
    assert run["state"]["life_cycle_state"] == "PENDING"
    sim.post("/_sim/clock/advance", json={"seconds": 600})
    assert sim.get(f"{DB}/runs/get", params={"run_id": run_id}).json()["state"]["life_cycle_state"] == "RUNNING"
    sim.post("/_sim/clock/advance", json={"seconds": 7200})
    run = sim.get(f"{DB}/runs/get", params={"run_id": run_id}).json()
    assert run["state"] == {
        "life_cycle_state": "TERMINATED",
        "result_state": "SUCCESS",
        "state_message": "",
        "user_cancelled_or_timedout": False,
    }
    assert run["end_time"] - run["start_time"] == (300 + 7200) * 1000
    other = sim.post(f"{DB}/create", json={"name": "short"}).json()["job_id"]
    short = sim.post(f"{DB}/run-now", json={"job_id": other}).json()["run_id"]
    sim.post("/_sim/clock/advance", json={"seconds": 2})
    assert sim.get(f"{DB}/runs/get", params={"run_id": short}).json()["state"]["result_state"] == "SUCCESS"


def test_switching_to_real_time_and_back(sim: httpx.Client) -> None:
    assert sim.put("/_sim/clock", json={"mode": "real", "speed": 60}).json()["speed"] == 60
    assert sim.put("/_sim/clock", json={"mode": "virtual"}).json()["mode"] == "virtual"
    reply = sim.put("/_sim/clock", json={"speed": 0})
    assert reply.status_code == 400 and "speed" in reply.json()["message"]


def test_clock_advance_validation(sim: httpx.Client) -> None:
    assert sim.post("/_sim/clock/advance", json={"seconds": -5}).status_code == 400
    assert sim.post("/_sim/clock/advance", json={}).status_code == 400
    assert sim.post("/_sim/clock/advance", json={"duration": "soon"}).status_code == 400


def test_bad_scenario_over_http_names_the_line(sim: httpx.Client) -> None:
    reply = sim.post(
        "/_sim/scenarios", content=LONG_PLAN.replace("for: 2h", "for: 2 hours"), headers={"Content-Type": "text/yaml"}
    )
    assert reply.status_code == 400
    body = reply.json()
    assert body["error"] == "invalid_scenario" and body["line"] == 8 and "for" in body["message"]


def test_load_a_bundled_scenario_by_name(sim: httpx.Client) -> None:
    loaded = sim.post("/_sim/scenarios", json={"name": "databricks/task-failure"}).json()
    assert loaded["api"] == "databricks" and loaded["name"] == "task-failure"
    listing = sim.get("/_sim/scenarios").json()
    assert "task-failure" in [s["name"] for s in listing["loaded"]]
    assert "databricks/timeout" in [s["ref"] for s in listing["available"]]
    assert sim.post("/_sim/scenarios", json={"name": "/etc/passwd"}).status_code == 400


def test_reset_drops_created_jobs(sim: httpx.Client) -> None:
    job_id = sim.post(f"{DB}/create", json={"name": "temporary"}).json()["job_id"]
    assert sim.post("/_sim/reset").json() == {"session": "default"}
    assert sim.get(f"{DB}/get", params={"job_id": job_id}).status_code == 400


def test_routes_list_every_operation(sim: httpx.Client) -> None:
    routes = sim.get("/_sim/routes").json()["routes"]
    ops = {(r["method"], r["path"]) for r in routes}
    assert ("GET", "/api/2.2/jobs/runs/get") in ops and ("POST", "/api/2.1/jobs/run-now") in ops
    assert ("POST", "/_sim/clock/advance") in ops


def test_specs_are_served_as_yaml_and_json(sim: httpx.Client) -> None:
    listing = sim.get("/_sim/specs").json()["specs"]
    assert {"databricks", "jobsim"} <= {s["api"] for s in listing}
    as_yaml = sim.get("/_sim/specs/databricks-jobs.yaml")
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    validate(yaml.safe_load(as_yaml.text))
    as_json = sim.get("/_sim/specs/databricks.json")
    assert as_json.json()["paths"]["/jobs/runs/get"]["get"]["operationId"] == "jobsGetRun"
    assert sim.get("/_sim/specs/nothing.yaml").status_code == 404
