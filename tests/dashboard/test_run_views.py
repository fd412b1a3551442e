"""Each vendor's `run_views`: runs in the vendor's words, a phase for colour, and a history on the simulated clock."""

from __future__ import annotations

import itertools

import httpx
import pytest

from simulator.exchange import PHASES, RunView
from tests.dashboard.helpers import TASK, load_yaml
from tests.support import RunningServer

DB = "/api/2.2/jobs"
ACTIVE = {"queued", "running"}
TIMED_PLAN = """\
jobsim: 1
name: timed
api: databricks
plans:
  - match: {name: timed}
    steps:
      - {state: PENDING, for: 0.4s}
      - {state: RUNNING, for: 0.8s}
      - {state: TERMINATED, result: SUCCESS}
"""


def views(server: RunningServer, session: str, api: str) -> list[RunView]:
    runtime = server.app.runtime
    state = runtime.sessions.get(session)
    return runtime.vendors[api].run_views(state.states[api], state)


def view_of(server: RunningServer, session: str, run_id: int) -> RunView:
    return next(v for v in views(server, session, "databricks") if v.id == str(run_id))


def client(server: RunningServer, session: str) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/s/{session}", timeout=10)


def check(view: RunView) -> None:
    assert view.phase in PHASES and view.id and view.name and view.state
    assert view.history and view.history[-1][0] == view.state
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(view.history))
    assert all(a[0] != b[0] for a, b in itertools.pairwise(view.history))
    assert view.started_at <= view.history[0][1] + 1e-6
    if view.ended_at is not None:
        assert view.phase not in ACTIVE and view.ended_at == pytest.approx(view.history[-1][1])
    if view.phase in ACTIVE:
        assert view.ended_at is None


@pytest.mark.parametrize(
    ("api", "phases"),
    [
        ("databricks", {"success", "failure", "running"}),
        ("collibra-dq", {"success", "failure", "running"}),
        ("collibra-dgc", {"failure", "cancelled", "running", "queued"}),
        ("dqops", {"success"}),
        ("cdq", {"success", "running", "queued"}),
    ],
)
def test_every_vendor_shows_its_sample_runs(virtual_server: RunningServer, api: str, phases: set[str]) -> None:
    found = views(virtual_server, f"rv-{api}", api)
    assert found
    for view in found:
        assert view.api == api
        check(view)
    assert phases <= {v.phase for v in found}


def test_databricks_run_from_pending_to_success(virtual_server: RunningServer) -> None:
    api = client(virtual_server, "rv-success")
    load_yaml(virtual_server.url, "rv-success", TIMED_PLAN)
    job_id = api.post(f"{DB}/create", json={"name": "timed", "tasks": [TASK]}).json()["job_id"]
    run_id = api.post(f"{DB}/run-now", json={"job_id": job_id}).json()["run_id"]
    pending = view_of(virtual_server, "rv-success", run_id)
    assert (pending.state, pending.phase, pending.ended_at) == ("PENDING", "queued", None)
    api.post("/_sim/clock/advance", json={"seconds": 0.5})
    assert view_of(virtual_server, "rv-success", run_id).phase == "running"
    api.post("/_sim/clock/advance", json={"seconds": 5})
    done = view_of(virtual_server, "rv-success", run_id)
    check(done)
    assert (done.state, done.phase) == ("TERMINATED/SUCCESS", "success")
    assert [s for s, _ in done.history] == ["PENDING", "RUNNING", "TERMINATED/SUCCESS"]
    assert [round(at - done.started_at, 3) for _, at in done.history] == [0, 0.4, 1.2]


def test_databricks_queued_run_cancelled_before_it_started(virtual_server: RunningServer) -> None:
    api = client(virtual_server, "rv-queue")
    job_id = api.post(f"{DB}/create", json={"name": "one-at-a-time", "tasks": [TASK]}).json()["job_id"]
    first = api.post(f"{DB}/run-now", json={"job_id": job_id}).json()["run_id"]
    second = api.post(f"{DB}/run-now", json={"job_id": job_id}).json()["run_id"]
    assert view_of(virtual_server, "rv-queue", second).state == "QUEUED"
    api.post("/_sim/clock/advance", json={"seconds": 0.1})
    api.post(f"{DB}/runs/cancel", json={"run_id": second}).raise_for_status()
    api.post("/_sim/clock/advance", json={"seconds": 5})
    cancelled = view_of(virtual_server, "rv-queue", second)
    check(cancelled)
    assert cancelled.phase == "cancelled"
    assert [s for s, _ in cancelled.history] == ["QUEUED", "TERMINATED/CANCELED"]
    assert view_of(virtual_server, "rv-queue", first).phase == "success"


def test_databricks_cancel_mid_run_passes_terminating(virtual_server: RunningServer) -> None:
    api = client(virtual_server, "rv-cancel")
    api.post("/_sim/scenarios", json={"name": "databricks/stuck-until-cancelled"}).raise_for_status()
    run_id = api.post(f"{DB}/runs/submit", json={"run_name": "stuck", "tasks": [TASK]}).json()["run_id"]
    api.post("/_sim/clock/advance", json={"seconds": 60})
    assert view_of(virtual_server, "rv-cancel", run_id).state == "RUNNING"
    api.post(f"{DB}/runs/cancel", json={"run_id": run_id}).raise_for_status()
    api.post("/_sim/clock/advance", json={"seconds": 1})
    view = view_of(virtual_server, "rv-cancel", run_id)
    check(view)
    assert [s for s, _ in view.history] == ["PENDING", "RUNNING", "TERMINATING", "TERMINATED/CANCELED"]
    assert view.phase == "cancelled"


@pytest.mark.parametrize(
    ("scenario", "state", "phase"),
    [
        ("databricks/task-failure", "TERMINATED/FAILED", "failure"),
        ("databricks/internal-error", "INTERNAL_ERROR/FAILED", "failure"),
        ("databricks/timeout", "TERMINATED/TIMEDOUT", "failure"),
    ],
)
def test_databricks_failures(virtual_server: RunningServer, scenario: str, state: str, phase: str) -> None:
    session = f"rv-{scenario.replace('/', '-')}"
    api = client(virtual_server, session)
    api.post("/_sim/scenarios", json={"name": scenario}).raise_for_status()
    run_id = api.post(f"{DB}/runs/submit", json={"run_name": "failing", "tasks": [TASK]}).json()["run_id"]
    api.post("/_sim/clock/advance", json={"seconds": 10})
    view = view_of(virtual_server, session, run_id)
    check(view)
    assert (view.state, view.phase) == (state, phase)
    assert view.detail


def test_databricks_skipped_for_concurrency(virtual_server: RunningServer) -> None:
    api = client(virtual_server, "rv-skip")
    api.post("/_sim/scenarios", json={"name": "databricks/skipped-for-concurrency"}).raise_for_status()
    job_id = api.get(f"{DB}/list", params={"name": "exclusive-sync"}).json()["jobs"][0]["job_id"]
    api.post(f"{DB}/run-now", json={"job_id": job_id}).raise_for_status()
    skipped = api.post(f"{DB}/run-now", json={"job_id": job_id}).json()["run_id"]
    view = view_of(virtual_server, "rv-skip", skipped)
    check(view)
    assert view.history == (("SKIPPED/MAXIMUM_CONCURRENT_RUNS_REACHED", view.started_at),)


def test_databricks_repair_adds_a_round(virtual_server: RunningServer) -> None:
    api = client(virtual_server, "rv-repair")
    api.post("/_sim/scenarios", json={"name": "databricks/downstream-skipped"}).raise_for_status()
    job_id = api.get(f"{DB}/list", params={"name": "three-step-etl"}).json()["jobs"][0]["job_id"]
    run_id = api.post(f"{DB}/run-now", json={"job_id": job_id}).json()["run_id"]
    api.post("/_sim/clock/advance", json={"seconds": 60})
    assert view_of(virtual_server, "rv-repair", run_id).state == "TERMINATED/FAILED"
    api.post(f"{DB}/runs/repair", json={"run_id": run_id, "rerun_all_failed_tasks": True}).raise_for_status()
    api.post("/_sim/clock/advance", json={"seconds": 60})
    view = view_of(virtual_server, "rv-repair", run_id)
    check(view)
    assert [s for s, _ in view.history] == [
        "PENDING",
        "RUNNING",
        "TERMINATED/FAILED",
        "PENDING",
        "RUNNING",
        "TERMINATED/SUCCESS",
    ]
    assert view.phase == "success"


def test_every_vendor_declares_a_phase_for_each_of_its_states(live_server: RunningServer) -> None:
    """The dashboard colours a state by its vendor's declared mapping: every state a lifecycle knows has a phase
    (UNKNOWN, where a vendor has it, is "other"), and every run view's phase is its vendor's phase of its state."""
    runtime = live_server.app.runtime
    session = runtime.sessions.get("phases")
    for name, vendor in runtime.vendors.items():
        assert set(vendor.phases.values()) <= set(PHASES), name
        states = {state for lifecycle in vendor.lifecycles.values() for state in lifecycle.states}
        unmapped = sorted(state for state in states if vendor.phase_of(state) == "other" and state != "UNKNOWN")
        # A Databricks or DGC run that ended shows STATE/RESULT; its bare terminal state has no colour of its own.
        if name in ("databricks", "collibra-dgc"):
            unmapped = [state for state in unmapped if not any(key.startswith(f"{state}/") for key in vendor.phases)]
        assert unmapped == [], name
        for view in vendor.run_views(session.states[name], session):
            assert view.phase == vendor.phase_of(view.state)


def test_metrics_count_the_runs_of_every_api(live_server: RunningServer) -> None:
    """Every API's default scenario holds runs (or jobs): the `jobsim_runs` gauge counts them for each API."""
    with client(live_server, "counted") as http:
        text = http.get("/_sim/metrics").text
    counted = {
        line.split('api="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith('jobsim_runs{session="counted"')
    }
    assert counted == set(live_server.app.runtime.vendors)
    assert {"databricks", "collibra-dq", "collibra-dgc", "dqops", "cdq"} <= counted
