"""The `jobsim` command as a user runs it: help, serve in a subprocess, your own spec file."""

from __future__ import annotations

import contextlib
import gc
import signal
import subprocess
import sys
import threading
import time

import httpx

from simulator import create_app
from simulator.cli import build_parser, main, settings_from
from simulator.server.serve import JobsimServer
from simulator.testing import free_port
from tests.support import running_server, start_jobsim


def test_help_texts(capsys) -> None:
    for argv in (["--help"], ["serve", "--help"]):
        try:
            main(argv)
        except SystemExit as exit_:
            assert exit_.code == 0
    out = capsys.readouterr().out
    assert "serve" in out and "--scenario" in out and "--virtual-clock" in out and "--auth-token" in out


def test_routes_and_scenarios_commands(capsys) -> None:
    assert main(["routes"]) == 0
    assert "/api/2.2/jobs/runs/get" in capsys.readouterr().out
    assert main(["scenarios"]) == 0
    assert "databricks/task-failure" in capsys.readouterr().out


def test_serve_starts_logs_one_line_and_stops_on_sigterm() -> None:
    process, base = start_jobsim("--seed", "1")
    try:
        assert httpx.get(f"{base}/_sim/health").json()["status"] == "ok"
        listed = httpx.get(f"{base}/api/2.2/jobs/list").json()
        assert {j["settings"]["name"] for j in listed["jobs"]} >= {"nightly-etl", "hourly-report"}
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    startup = [line for line in output.splitlines() if "jobsim on http://127.0.0.1" in line]
    assert len(startup) == 1 and "databricks/default" in startup[0].split("scenarios:")[1]
    assert "GET /_sim/health" not in output  # no per-request log by default


def test_a_bad_scenario_stops_serve_with_file_and_line(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("api: databricks\nplans:\n  - steps: [{state: NOPE}]\n")
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--scenario", str(bad)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert f"{bad}:3:" in result.stderr and "unknown state 'NOPE'" in result.stderr


# A user's own document in the style of the vendor's published one: OpenAPI 3.1, other operationIds (`JobsCreate`),
# `format: int64` ids. Written here so the test needs nothing outside the repository.
USERS_DATABRICKS_DOCUMENT = """
openapi: 3.1.0
info: {title: Jobs API (a user's copy), version: "2.1"}
servers: [{url: /api/2.1}]
paths:
  /jobs/create:
    post:
      operationId: JobsCreate
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        "200":
          description: created
          content:
            application/json:
              schema: {type: object, properties: {job_id: {type: integer, format: int64}}}
  /jobs/get:
    get:
      operationId: JobsGet
      parameters:
        - {name: job_id, in: query, required: true, schema: {type: integer, format: int64}}
      responses:
        "200":
          description: the job
          content:
            application/json:
              schema: {type: object}
"""


def test_a_users_own_databricks_document_can_replace_ours(tmp_path) -> None:
    """A user points jobsim at their own copy of the vendor's document: operations still work by method and path."""
    official = tmp_path / "jobs-2.1.yaml"
    official.write_text(USERS_DATABRICKS_DOCUMENT)
    with running_server(
        spec_overrides={"databricks-jobs": official}, load_defaults=False, response_validation="warn"
    ) as server:
        http = server.client()
        routes = http.get("/_sim/routes").json()["routes"]
        served = {r["operationId"] for r in routes if r["api"] == "databricks"}
        assert "JobsCreate" in served and "jobsCreate" not in served
        job_id = http.post("/api/2.1/jobs/create", json={"name": "official"}).json()["job_id"]
        assert http.get("/api/2.1/jobs/get", params={"job_id": job_id}).json()["settings"]["name"] == "official"
        reply = http.get("/api/2.1/jobs/get", params={"job_id": "x"})
        assert reply.status_code == 400 and reply.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_journal_and_session_flags_reach_the_server() -> None:
    args = build_parser().parse_args(["serve", "--no-journal", "--max-sessions", "2", "--journal-size", "7"])
    settings = settings_from(args)
    assert (settings.journal, settings.journal_size, settings.max_sessions) == (False, 7, 2)
    with (
        running_server(
            **{name: getattr(settings, name) for name in ("journal", "journal_size", "max_sessions")}
        ) as sim,
        sim.client() as http,
    ):
        assert http.get("/api/2.2/jobs/list").status_code == 200
        assert http.get("/_sim/requests").json()["requests"] == []  # nothing recorded
        http.get("/s/second/api/2.2/jobs/list").raise_for_status()
        refused = http.get("/s/third/api/2.2/jobs/list")
        assert refused.status_code == 429, refused.text  # default + second are the two allowed


def test_a_malformed_spec_flag_is_refused(capsys) -> None:
    assert main(["serve", "--spec", "databricks-jobs", "--port", "0"]) == 2
    assert "--spec wants NAME=FILE" in capsys.readouterr().err


def test_what_waits_for_a_listening_server_runs_after_it_answers() -> None:
    """`jobsim serve` sets its garbage collector this way (collector.SETTLE_SECONDS after it listens): off the path
    to the first answer."""
    answered_first: list[bool] = []
    port = free_port()
    server = JobsimServer(create_app(seed=1), "127.0.0.1", port)
    server.after_start = lambda: answered_first.append(bool(answers))
    thread = threading.Thread(target=server.run, daemon=True)
    answers: list[int] = []
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not answers and time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                answers.append(httpx.get(f"http://127.0.0.1:{port}/_sim/health").status_code)
        while not answered_first and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        server.stop()
        thread.join(timeout=10)
    assert answers == [200]
    assert answered_first == [True]


def test_the_jobsim_command_loads_no_simulator_module_before_it_pauses_the_collector() -> None:
    """`python -m simulator` and the `jobsim` script import the package and `simulator.cli`; everything else loads
    inside `main`, with the collector paused (a start-up makes only long-lived objects)."""
    code = "import sys, simulator.cli\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'simulator'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['simulator', 'simulator.cli', 'simulator.server', 'simulator.server.collector']"


_SERVE_AND_COUNT = """
import gc, os, signal, sys, threading, time, httpx
from simulator.cli import main
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
seen = {}
def watch():
    while gc.isenabled():  # until `main` pauses the collector (this thread starts just before it)
        time.sleep(0.001)
    del collections[:]
    while True:
        try:
            httpx.get("http://127.0.0.1:%(port)d/api/2.2/jobs/list", timeout=5)
            break
        except httpx.TransportError:
            time.sleep(0.01)
    seen["before the first answer"] = list(collections)
    deadline = time.monotonic() + 20
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.05)
    seen["collecting once settled"] = gc.isenabled()
    seen["settled with a full collection"] = 2 in collections
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=watch, daemon=True).start()
code = main(["serve", "--port", "%(port)d", "--seed", "1"])
print(code, seen)
"""


def test_serve_collects_nothing_until_it_answers_then_collects_once_settled() -> None:
    port = free_port()
    out = subprocess.run(
        [sys.executable, "-c", _SERVE_AND_COUNT % {"port": port}], capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == (
        "0 {'before the first answer': [], 'collecting once settled': True, 'settled with a full collection': True}"
    ), out.stderr


def test_a_command_run_in_process_leaves_the_collector_as_it_was(capsys) -> None:
    assert gc.isenabled()
    assert main(["routes"]) == 0
    assert gc.isenabled()
    gc.disable()
    try:
        assert main(["scenarios"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert "databricks/task-failure" in capsys.readouterr().out
