"""Snapshots: GET /_sim/state then PUT it back gives identical answers, now and after time moves on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import RunningServer, free_port

API = "/api/2.2/jobs"


def world(http: httpx.Client) -> dict:
    runs = http.get(f"{API}/runs/list", params={"expand_tasks": "true", "limit": 25}).json().get("runs", [])
    return {
        "jobs": http.get(f"{API}/list", params={"expand_tasks": "true", "limit": 100}).json(),
        "runs": runs,
        "each": [
            http.get(f"{API}/runs/get", params={"run_id": r["run_id"], "include_history": "true"}).json() for r in runs
        ],
        "clock": http.get("/_sim/clock").json(),
    }


def test_round_trip_gives_identical_responses(virtual_server: RunningServer) -> None:
    # Sessions named by header, so both answer with the same base URL (run_page_url includes it).
    source = httpx.Client(base_url=virtual_server.url, headers={"X-Jobsim-Session": "snap-source"})
    source.post("/_sim/scenarios", json={"name": "databricks/stuck-until-cancelled"})
    for name in ("a", "b"):
        job_id = source.post(
            f"{API}/create", json={"name": name, "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/x"}}]}
        ).json()["job_id"]
        source.post(f"{API}/run-now", json={"job_id": job_id})
    source.post("/_sim/clock/advance", json={"seconds": 5})
    first_run = source.get(f"{API}/runs/list").json()["runs"][-1]["run_id"]
    source.post(f"{API}/runs/cancel", json={"run_id": first_run})
    source.post("/_sim/faults", json={"operation": "jobsList", "latency": 0.01, "when": {"after": 100}})
    snapshot = source.get("/_sim/state").json()
    assert snapshot["format"] == "jobsim-state" and snapshot["version"] == 1

    target = httpx.Client(base_url=virtual_server.url, headers={"X-Jobsim-Session": "snap-target"})
    assert target.put("/_sim/state", json=snapshot).json() == {"session": "snap-target"}
    assert world(target) == world(source)
    assert target.get("/_sim/faults").json() == source.get("/_sim/faults").json()
    for client in (source, target):
        client.post("/_sim/clock/advance", json={"duration": "1h"})
    after = world(target)
    assert after == world(source)
    assert {r["state"]["life_cycle_state"] for r in after["runs"]} == {"TERMINATED", "RUNNING"}
    # both go on handing out the same ids
    ids = [c.post(f"{API}/create", json={"name": "next"}).json()["job_id"] for c in (source, target)]
    assert ids[0] == ids[1]


def test_a_broken_snapshot_is_refused(virtual_server: RunningServer) -> None:
    http = virtual_server.client()
    snapshot = http.get("/_sim/state").json()
    wrong_version = {**snapshot, "version": 99}
    reply = http.put("/_sim/state", json=wrong_version)
    assert reply.status_code == 400 and "version" in reply.json()["message"]
    evil = {**snapshot, "ids": {"$class": "os:system", "fields": {}}}
    reply = http.put("/_sim/state", json=evil)
    assert reply.status_code == 400 and "only jobsim's own classes" in reply.json()["message"]
    assert http.put("/_sim/state", json={"format": "jobsim-state"}).status_code == 400


def _serve(port: int, state: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "serve",
            "--port",
            str(port),
            "--state",
            str(state),
            "--save-on-exit",
            "--no-defaults",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sim/health", timeout=1)
            return process
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"jobsim did not start: {process.communicate()[0]}")
            time.sleep(0.1)


def test_save_on_exit_and_resume(tmp_path: Path) -> None:
    state = tmp_path / "demo.json"
    port = free_port()
    first = _serve(port, state)
    job_id = httpx.post(f"http://127.0.0.1:{port}{API}/create", json={"name": "kept"}).json()["job_id"]
    first.send_signal(signal.SIGTERM)
    first.communicate(timeout=10)
    assert first.returncode == 0 and state.is_file()
    second = _serve(port, state)
    try:
        job = httpx.get(f"http://127.0.0.1:{port}{API}/get", params={"job_id": job_id}).json()
        assert job["settings"]["name"] == "kept"
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=10)


def test_save_on_exit_keeps_every_session(tmp_path: Path) -> None:
    state = tmp_path / "many.json"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = _serve(port, state)
    made = {}
    for session in ("default", "ci-1", "ci-2"):
        prefix = "" if session == "default" else f"/s/{session}"
        made[session] = httpx.post(f"{base}{prefix}{API}/create", json={"name": f"job-{session}"}).json()["job_id"]
    reply = httpx.put(f"{base}/_sim/clock", json={"mode": "virtual"}, headers={"X-Jobsim-Session": "ci-2"})
    assert reply.status_code == 200
    first.send_signal(signal.SIGTERM)
    first.communicate(timeout=10)
    assert first.returncode == 0
    second = _serve(port, state)
    try:
        for session, job_id in made.items():
            prefix = "" if session == "default" else f"/s/{session}"
            job = httpx.get(f"{base}{prefix}{API}/get", params={"job_id": job_id}).json()
            assert job["settings"]["name"] == f"job-{session}"
        listed = httpx.get(f"{base}/s/ci-1{API}/list").json()["jobs"]
        assert [j["settings"]["name"] for j in listed] == ["job-ci-1"]
        assert httpx.get(f"{base}/s/ci-2/_sim/clock").json()["mode"] == "virtual"
        assert httpx.get(f"{base}/s/ci-1/_sim/clock").json()["mode"] == "real"
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=10)


def test_a_single_session_snapshot_file_loads_into_the_default_session(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    state = tmp_path / "one.json"
    first = _serve(port, tmp_path / "ignored.json")
    try:
        httpx.post(f"{base}{API}/create", json={"name": "from-get-state"})
        state.write_bytes(httpx.get(f"{base}/_sim/state").content)
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=10)
    second = _serve(port, state)
    try:
        names = [j["settings"]["name"] for j in httpx.get(f"{base}{API}/list").json()["jobs"]]
        assert names == ["from-get-state"]
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=10)
