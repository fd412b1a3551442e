"""runs/get-output and runs/export, for job runs and task runs."""

from __future__ import annotations

import httpx
import pytest

from tests.databricks.helpers import API, create, error_of, get_run, last, plan, run_now, task
from tests.support import RunningServer

OUTPUTS = plan(
    """\
  - kind: task
    match: {task_key: report}
    steps:
      - {state: PENDING, for: 1s}
      - {state: RUNNING, for: 1s}
      - {state: TERMINATED, result: SUCCESS, attrs: {output: '{"rows": 42}'}}""",
    """\
  - kind: task
    match: {task_key: [broken, script]}
    steps:
      - {state: PENDING, for: 1s}
      - {state: RUNNING, for: 1s}
      - state: TERMINATED
        result: FAILED
        message: "ZeroDivisionError: division by zero"
        attrs: {error_trace: "Traceback (most recent call last):\\nZeroDivisionError: division by zero"}""",
)


@pytest.fixture
def sim(virtual_server: RunningServer) -> httpx.Client:
    virtual_server.reset()
    virtual_server.load(OUTPUTS)
    return virtual_server.client()


def output(http: httpx.Client, run_id: int) -> dict:
    reply = http.get(f"{API}/runs/get-output", params={"run_id": run_id})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_output_of_each_task_run(sim: httpx.Client, virtual_server: RunningServer) -> None:
    script = {"task_key": "script", "spark_python_task": {"python_file": "/x.py"}, "existing_cluster_id": "c"}
    tasks = [task("report"), task("broken"), script, task("after", "broken")]
    run_id = run_now(sim, create(sim, "outputs", tasks))
    report_id = last(get_run(sim, run_id), "report")["run_id"]
    running = output(sim, report_id)
    assert set(running) == {"metadata"} and running["metadata"]["state"]["life_cycle_state"] == "PENDING"
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    report = output(sim, report_id)
    assert report["notebook_output"] == {"result": '{"rows": 42}', "truncated": False}
    assert report["metadata"]["run_id"] == report_id and report["metadata"]["job_run_id"] == run_id
    assert report["metadata"]["state"]["result_state"] == "SUCCESS"
    broken = output(sim, last(run, "broken")["run_id"])
    assert broken["error"] == "ZeroDivisionError: division by zero"
    assert broken["error_trace"].startswith("Traceback")
    assert "notebook_output" not in broken and "logs" not in broken
    logged = output(sim, last(run, "script")["run_id"])
    assert logged["logs_truncated"] is False and "script" in logged["logs"]
    skipped = output(sim, last(run, "after")["run_id"])
    assert skipped["error"] == "An upstream task failed."


def test_output_of_a_multi_task_job_run_is_refused(sim: httpx.Client) -> None:
    run_id = run_now(sim, create(sim, "two-tasks", [task("a"), task("b")]))
    message = error_of(sim.get(f"{API}/runs/get-output", params={"run_id": run_id}), f"Run {run_id} has 2 tasks")
    assert message.startswith("Retrieving the output of runs with multiple tasks is not supported.")
    error_of(sim.get(f"{API}/runs/get-output", params={"run_id": 999_999}), "Run 999999 does not exist.")


def test_output_of_a_single_task_job_run(sim: httpx.Client, virtual_server: RunningServer) -> None:
    run_id = run_now(sim, create(sim, "single", [task("report")]))
    virtual_server.advance(60)
    body = output(sim, run_id)
    assert body["metadata"]["run_id"] == run_id
    assert body["notebook_output"]["result"] == '{"rows": 42}'


def test_export_views(sim: httpx.Client, virtual_server: RunningServer) -> None:
    script = {"task_key": "script", "spark_python_task": {"python_file": "/x.py"}, "existing_cluster_id": "c"}
    run_id = run_now(sim, create(sim, "export", [task("report"), script]))
    virtual_server.advance(60)
    code = sim.get(f"{API}/runs/export", params={"run_id": run_id}).json()["views"]
    assert [(v["type"], v["name"]) for v in code] == [("NOTEBOOK", "report")]
    assert code[0]["content"].startswith("<!DOCTYPE html>") and "/Repos/tests/report" in code[0]["content"]
    every = sim.get(f"{API}/runs/export", params={"run_id": run_id, "views_to_export": "ALL"}).json()["views"]
    assert [v["type"] for v in every] == ["NOTEBOOK", "DASHBOARD"]
    boards = sim.get(f"{API}/runs/export", params={"run_id": run_id, "views_to_export": "DASHBOARDS"}).json()
    assert [v["type"] for v in boards["views"]] == ["DASHBOARD"]
    report_id = last(get_run(sim, run_id), "report")["run_id"]
    by_task = sim.get(f"{API}/runs/export", params={"run_id": report_id}).json()["views"]
    assert by_task == code
    bad = sim.get(f"{API}/runs/export", params={"run_id": run_id, "views_to_export": "PDF"})
    error_of(bad, "views_to_export")
