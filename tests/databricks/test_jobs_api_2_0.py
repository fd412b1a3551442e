"""Jobs API 2.0 at /api/2.0/jobs: the legacy databricks-cli at its default version, and 2.0's shapes over HTTP.

The CLI keeps only the host name of DATABRICKS_HOST (it would call port 80), so the test hands it the simulator as
its HTTP proxy: requests then sends absolute-form targets (`GET http://127.0.0.1/api/2.0/jobs/list`), which the
server answers like any other request.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databricks.helpers import error_of, holds, plan, task
from tests.support import RunningServer

V20 = "/api/2.0/jobs"
V21 = "/api/2.1/jobs"
FLAT = {"notebook_task": {"notebook_path": "/Users/me/etl"}, "existing_cluster_id": "0101-abc", "max_retries": 1}


def cli(server: RunningServer, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    port = server.url.rsplit(":", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_") and "proxy" not in k.lower()}
    env.update(
        HOME=str(home),
        DATABRICKS_HOST="http://127.0.0.1",
        DATABRICKS_TOKEN="dapi-legacy-cli",
        HTTP_PROXY=f"http://127.0.0.1:{port}",
    )
    command = shutil.which("databricks")
    assert command is not None
    return subprocess.run([command, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def cli_json(server: RunningServer, home: Path, *args: str) -> dict[str, Any]:
    done = cli(server, home, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def test_legacy_cli_at_its_default_version(server: RunningServer, tmp_path: Path) -> None:
    server.load(plan(holds("{name: cli-2.0-etl}"), name="cli-2-0-holds"))  # runs until cancelled
    settings = {"name": "cli-2.0-etl", **FLAT}
    job_id = cli_json(server, tmp_path, "jobs", "create", "--json", json.dumps(settings))["job_id"]
    listed = cli(server, tmp_path, "jobs", "list")
    assert listed.returncode == 0 and f"{job_id}  cli-2.0-etl" in listed.stdout
    assert "Jobs API 2.0" in listed.stderr  # the CLI's own warning: it really used its default version
    job = cli_json(server, tmp_path, "jobs", "get", "--job-id", str(job_id))
    assert job["settings"]["notebook_task"] == FLAT["notebook_task"]
    assert job["settings"]["format"] == "SINGLE_TASK" and "tasks" not in job["settings"]
    run_id = cli_json(server, tmp_path, "jobs", "run-now", "--job-id", str(job_id))["run_id"]
    run = cli_json(server, tmp_path, "runs", "get", "--run-id", str(run_id))
    assert run["job_id"] == job_id and run["task"] == {"notebook_task": FLAT["notebook_task"]}
    assert run["cluster_spec"] == {"existing_cluster_id": "0101-abc"} and "tasks" not in run
    assert run["state"]["life_cycle_state"] in {"QUEUED", "PENDING", "RUNNING"}
    assert cli_json(server, tmp_path, "runs", "cancel", "--run-id", str(run_id)) == {}
    deadline = time.monotonic() + 10
    while (state := cli_json(server, tmp_path, "runs", "get", "--run-id", str(run_id))["state"]).get(
        "result_state"
    ) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state["life_cycle_state"] == "TERMINATED" and state["result_state"] == "CANCELED"
    runs = cli(server, tmp_path, "runs", "list", "--job-id", str(job_id))
    assert runs.returncode == 0 and f"{run_id}  cli-2.0-etl" in runs.stdout and "CANCELED" in runs.stdout
    deleted = cli(server, tmp_path, "jobs", "delete", "--job-id", str(job_id))  # prints nothing on success
    assert deleted.returncode == 0 and deleted.stdout == ""
    gone = cli(server, tmp_path, "jobs", "get", "--job-id", str(job_id))
    assert gone.returncode == 1 and f"Job {job_id} does not exist." in gone.stdout


@pytest.fixture
def http(server: RunningServer) -> httpx.Client:
    return server.client()


def test_a_single_task_job_is_a_one_task_job_in_2_1(http: httpx.Client) -> None:
    job_id = http.post(f"{V20}/create", json={"name": "nightly etl/v2", **FLAT}).json()["job_id"]
    settings = http.get(f"{V21}/get", params={"job_id": job_id}).json()["settings"]
    assert [t["task_key"] for t in settings["tasks"]] == ["nightly_etl_v2"]  # the name, made a valid key
    only = settings["tasks"][0]
    assert only["notebook_task"] == FLAT["notebook_task"] and only["max_retries"] == 1
    assert "notebook_task" not in settings
    # a 2.0 update changes the task's fields and keeps its key, whatever the new name
    update = {"job_id": job_id, "new_settings": {"name": "renamed", "notebook_task": {"notebook_path": "/other"}}}
    assert http.post(f"{V20}/update", json=update).json() == {}
    settings = http.get(f"{V21}/get", params={"job_id": job_id}).json()["settings"]
    assert settings["name"] == "renamed" and settings["tasks"][0]["task_key"] == "nightly_etl_v2"
    assert settings["tasks"][0]["notebook_task"] == {"notebook_path": "/other"}
    flat = http.get(f"{V20}/get", params={"job_id": job_id}).json()["settings"]
    assert flat["notebook_task"] == {"notebook_path": "/other"} and flat["existing_cluster_id"] == "0101-abc"
    # a 2.0 reset to a multi-task shape makes it a multi-task job for 2.0 too
    tasks = [task("a"), task("b", "a")]
    reset = {"job_id": job_id, "new_settings": {"name": "two", "tasks": tasks}}
    assert http.post(f"{V20}/reset", json=reset).json() == {}
    shown = http.get(f"{V20}/get", params={"job_id": job_id}).json()["settings"]
    assert shown["format"] == "MULTI_TASK" and [t["task_key"] for t in shown["tasks"]] == ["a", "b"]


def test_2_0_settings_are_2_1_objects(http: httpx.Client) -> None:
    """One job read through either version: what 2.0 takes, 2.1 can show, so 2.0 refuses what 2.1 refuses."""
    git = {"git_url": "https://github.com/acme/etl", "git_provider": "gitHub", "git_branch": "main"}
    schedule = {"quartz_cron_expression": "0 0 3 * * ?", "timezone_id": "UTC"}
    kept = {"git_source": git, "schedule": schedule, "queue": {"enabled": True}}
    job_id = http.post(f"{V20}/create", json={"name": "v20-git", **FLAT, **kept}).json()["job_id"]
    for version in (V20, V21):
        settings = http.get(f"{version}/get", params={"job_id": job_id}).json()["settings"]
        assert {key: settings[key] for key in kept} == kept
    assert any(j["job_id"] == job_id for j in http.get(f"{V21}/list", params={"limit": 100}).json()["jobs"])
    bad = {"git_source": {"git_provider": "gitHub"}, "schedule": {"timezone_id": "UTC"}, "queue": {"enabled": "x"}}
    for key, value in bad.items():
        answer = http.post(f"{V20}/create", json={"name": "v20-bad", **FLAT, key: value})
        assert answer.status_code == 400 and answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
        assert key in answer.json()["message"]
        update = {"job_id": job_id, "new_settings": {key: value}}
        assert http.post(f"{V20}/update", json=update).status_code == 400
    submit = {"run_name": "v20-bad", "existing_cluster_id": "0101-abc", "notebook_task": {"base_parameters": {}}}
    error_of(http.post(f"{V20}/runs/submit", json=submit), "notebook_task.notebook_path")
    http.post(f"{V20}/delete", json={"job_id": job_id})


def test_a_multi_task_job_reads_in_the_multi_task_shape(http: httpx.Client) -> None:
    body = {"name": "made-in-2.1", "tasks": [task("a"), task("b", "a")]}
    job_id = http.post(f"{V21}/create", json=body).json()["job_id"]
    job = http.get(f"{V20}/get", params={"job_id": job_id}).json()
    assert job["settings"]["format"] == "MULTI_TASK" and len(job["settings"]["tasks"]) == 2
    run_id = http.post(f"{V20}/run-now", json={"job_id": str(job_id)}).json()["run_id"]
    run = http.get(f"{V20}/runs/get", params={"run_id": run_id}).json()
    assert run["format"] == "MULTI_TASK" and [t["task_key"] for t in run["tasks"]] == ["a", "b"]
    assert "task" not in run and "status" not in run
    error_of(http.get(f"{V20}/runs/get-output", params={"run_id": run_id}), "multiple tasks")
    http.post(f"{V20}/runs/cancel", json={"run_id": run_id})


def test_a_one_time_run_in_the_flat_shape(http: httpx.Client) -> None:
    body = {"run_name": "adhoc", "new_cluster": {"num_workers": 1}, "notebook_task": {"notebook_path": "/n/x"}}
    run_id = http.post(f"{V20}/runs/submit", json=body).json()["run_id"]
    deadline = time.monotonic() + 10
    while "result_state" not in (run := http.get(f"{V20}/runs/get", params={"run_id": run_id}).json())["state"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert run["run_type"] == "SUBMIT_RUN" and run["format"] == "SINGLE_TASK"
    assert run["task"] == {"notebook_task": {"notebook_path": "/n/x"}}
    assert run["cluster_spec"] == {"new_cluster": {"num_workers": 1}}
    same = http.get(f"{V21}/runs/get", params={"run_id": run_id}).json()
    assert [t["task_key"] for t in same["tasks"]] == ["adhoc"] and same["state"] == run["state"]
    output = http.get(f"{V20}/runs/get-output", params={"run_id": run_id}).json()
    assert output["metadata"]["run_id"] == run_id and output["metadata"]["task"] == run["task"]
    assert output["notebook_output"]["truncated"] is False
    views = http.get(f"{V20}/runs/export", params={"run_id": run_id}).json()["views"]
    assert [v["type"] for v in views] == ["NOTEBOOK"] and views[0]["name"] == "x"
    assert http.post(f"{V20}/runs/delete", json={"run_id": run_id}).json() == {}
    error_of(http.get(f"{V20}/runs/get", params={"run_id": run_id}), f"Run {run_id} does not exist.")


def test_lists_page_by_offset_and_has_more(http: httpx.Client) -> None:
    names = [f"v20-page-{i}" for i in range(5)]
    ids = [http.post(f"{V20}/create", json={"name": n, **FLAT}).json()["job_id"] for n in names]
    first = http.get(f"{V20}/list", params={"limit": 2}).json()
    assert first["has_more"] is True and len(first["jobs"]) == 2
    assert "next_page_token" not in first and "prev_page_token" not in first
    assert [j["job_id"] for j in first["jobs"]] == ids[::-1][:2]  # newest first
    assert first["jobs"][0]["settings"]["notebook_task"] == FLAT["notebook_task"]  # single-task jobs show their task
    second = http.get(f"{V20}/list", params={"limit": 2, "offset": 2}).json()
    assert [j["job_id"] for j in second["jobs"]] == ids[::-1][2:4]
    for job_id in ids[:3]:
        http.post(f"{V20}/run-now", json={"job_id": job_id})
    runs = http.get(f"{V20}/runs/list", params={"limit": 2}).json()
    assert runs["has_more"] is True and len(runs["runs"]) == 2 and "next_page_token" not in runs
    assert all(r["format"] == "SINGLE_TASK" and "task" in r for r in runs["runs"])
    assert http.post(f"{V20}/runs/cancel-all", json={"job_id": ids[0]}).json() == {}
    for job_id in ids:
        assert http.post(f"{V20}/delete", json={"job_id": job_id}).json() == {}


def test_what_2_0_does_not_have_is_databricks_404(http: httpx.Client) -> None:
    answer = http.post(f"{V20}/runs/repair", json={"run_id": 1})  # repair came with Jobs API 2.1
    assert answer.status_code == 404
    assert answer.json() == {
        "error_code": "ENDPOINT_NOT_FOUND",
        "message": "No API found for 'POST /api/2.0/jobs/runs/repair'",
    }
