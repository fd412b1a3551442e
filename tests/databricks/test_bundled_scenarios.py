"""The bundled Databricks scenarios do what scenarios/README.md says a client sees."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from simulator.cli import main
from tests.databricks.helpers import API, create, get_run, last, life, run_now, task, tasks_by_key
from tests.support import RunningServer

SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios" / "databricks").glob("*.yaml"))


def test_every_bundled_scenario_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert len(SCENARIOS) >= 10
    assert main(["check", *map(str, SCENARIOS)]) == 0
    readme = (SCENARIOS[0].parents[1] / "README.md").read_text()
    for path in SCENARIOS:
        assert f"| `{path.stem}` |" in readme, f"{path.stem} is not described in scenarios/README.md"


@pytest.fixture
def sim(virtual_server: RunningServer) -> httpx.Client:
    virtual_server.reset()
    return virtual_server.client()


def load(http: httpx.Client, name: str) -> None:
    assert http.post("/_sim/scenarios", json={"name": f"databricks/{name}"}).status_code == 200


def job_named(http: httpx.Client, name: str) -> int:
    return int(http.get(f"{API}/list", params={"name": name}).json()["jobs"][0]["job_id"])


def test_downstream_skipped_then_repaired(sim: httpx.Client, virtual_server: RunningServer) -> None:
    load(sim, "downstream-skipped")
    run_id = run_now(sim, job_named(sim, "three-step-etl"))
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert life(run) == ("TERMINATED", "FAILED")
    assert life(last(run, "transform")) == ("TERMINATED", "FAILED")
    assert life(last(run, "load")) == ("SKIPPED", "UPSTREAM_FAILED")
    assert life(last(run, "report")) == ("TERMINATED", "SUCCESS")
    sim.post(f"{API}/runs/repair", json={"run_id": run_id, "rerun_all_failed_tasks": True})
    virtual_server.advance(60)
    run = get_run(sim, run_id, include_history="true")
    assert life(run) == ("TERMINATED", "SUCCESS") and len(run["repair_history"]) == 2
    other = run_now(sim, create(sim, "any-job", [task("step_fails"), task("next", "step_fails")]))
    virtual_server.advance(60)
    assert life(last(get_run(sim, other), "next")) == ("SKIPPED", "UPSTREAM_FAILED")


def test_retry_then_success(sim: httpx.Client, virtual_server: RunningServer) -> None:
    load(sim, "retry-then-success")
    run_id = run_now(sim, job_named(sim, "flaky-ingest"))
    virtual_server.advance(1.5)
    assert life(last(get_run(sim, run_id), "ingest")) == ("WAITING_FOR_RETRY", None)
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert [a["attempt_number"] for a in tasks_by_key(run)["ingest"]] == [0, 1]
    assert life(run) == ("TERMINATED", "SUCCESS")


def test_job_timeout(sim: httpx.Client, virtual_server: RunningServer) -> None:
    load(sim, "job-timeout")
    run_id = run_now(sim, job_named(sim, "slow-report"))
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert life(run) == ("TERMINATED", "TIMEDOUT") and run["end_time"] - run["start_time"] == 3000
    assert life(last(run, "publish")) == ("SKIPPED", "UPSTREAM_CANCELED")


def test_queue_then_run(sim: httpx.Client, virtual_server: RunningServer) -> None:
    load(sim, "queue-then-run")
    job_id = job_named(sim, "nightly-batch")
    first, second = run_now(sim, job_id), run_now(sim, job_id)
    assert life(get_run(sim, second)) == ("QUEUED", None)
    virtual_server.advance(60)
    run = get_run(sim, second)
    assert life(run) == ("TERMINATED", "SUCCESS") and run["queue_duration"] == 5000
    assert last(run, "batch")["start_time"] == get_run(sim, first)["end_time"]


def test_skipped_for_concurrency(sim: httpx.Client) -> None:
    load(sim, "skipped-for-concurrency")
    job_id = job_named(sim, "exclusive-sync")
    run_now(sim, job_id)
    assert life(get_run(sim, run_now(sim, job_id))) == ("SKIPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED")


def test_default_sample_runs(sim: httpx.Client) -> None:
    nightly = sim.get(f"{API}/runs/list", params={"job_id": job_named(sim, "nightly-etl")}).json()["runs"]
    failed = get_run(sim, nightly[0]["run_id"])
    assert life(failed) == ("TERMINATED", "FAILED")
    assert life(last(failed, "transform")) == ("SKIPPED", "UPSTREAM_FAILED")
    assert failed["state"]["state_message"] == (
        "Task ingest failed with message: Workload failed, see run output for details. "
        "This caused all downstream tasks to get skipped."
    )
    hourly = job_named(sim, "hourly-report")
    assert life(get_run(sim, run_now(sim, hourly))) == ("PENDING", None)  # room beside the running sample run
