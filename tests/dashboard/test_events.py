"""`GET /_sim/ui` and `GET /_sim/events` over HTTP: the page and its files, the stream's events, its bounds and ends."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files

import httpx
import orjson
import pytest
import yaml
from openapi_spec_validator import validate

from simulator import create_app
from simulator.control import dashboard
from simulator.exchange import PHASES
from simulator.server import wire
from tests.dashboard.helpers import TASK, EventReader, load_yaml, many_runs
from tests.support import RunningServer, running_server

DB = "/api/2.2/jobs"


def test_the_page_and_its_files_are_served(live_server: RunningServer) -> None:
    page = httpx.get(f"{live_server.url}/_sim/ui")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert 'href="ui/dashboard.css"' in page.text and 'src="ui/dashboard.js"' in page.text
    css = httpx.get(f"{live_server.url}/_sim/ui/dashboard.css")
    js = httpx.get(f"{live_server.url}/_sim/ui/dashboard.js")
    assert css.headers["content-type"].startswith("text/css") and js.headers["content-type"].startswith(
        "application/javascript"
    )
    for text in (page.text, css.text, js.text):  # works offline: nothing from a CDN, no external fonts
        assert not re.search(r"https?://|//fonts\.|@import", text)
    assert httpx.get(f"{live_server.url}/s/someone/_sim/ui").status_code == 200


@pytest.mark.parametrize(
    ("asset", "status"), [("missing.js", 404), ("dashboard.py", 400), ("..%2F..%2Fapi.py", 404), ("index.html", 400)]
)
def test_only_the_dashboard_files_are_served(live_server: RunningServer, asset: str, status: int) -> None:
    assert httpx.get(f"{live_server.url}/_sim/ui/{asset}").status_code == status


def test_the_files_ship_in_the_package_and_the_spec_documents_the_paths(live_server: RunningServer) -> None:
    ui = files("simulator.control") / "ui"
    assert all((ui / name).is_file() for name in ("index.html", "dashboard.css", "dashboard.js"))
    spec = yaml.safe_load(httpx.get(f"{live_server.url}/_sim/specs/jobsim-control.yaml").text)
    validate(spec)
    events = spec["paths"]["/events"]["get"]
    assert "text/event-stream" in events["responses"]["200"]["content"]
    for kind in ("snapshot", "runs", "requests", "clock", "sessions", "faults", "scenarios", "end"):
        assert f"`{kind}`" in events["description"]
    routes = httpx.get(f"{live_server.url}/_sim/routes").json()["routes"]
    served = {(r["method"], r["path"]): r["simulated"] for r in routes}
    assert served[("GET", "/_sim/ui")] and served[("GET", "/_sim/ui/{asset}")] and served[("GET", "/_sim/events")]


def test_without_a_streaming_dispatcher_the_reply_is_one_snapshot_and_a_retry() -> None:
    app = create_app(seed=1, clock_mode="virtual")
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/_sim/events",
        "query_string": b"session=plain",
        "headers": [],
        "scheme": "http",
        "server": ("127.0.0.1", 80),
    }
    with ThreadPoolExecutor(1) as thread:  # a thread of its own: Playwright may hold this thread's event loop
        reply = thread.submit(asyncio.run, app.dispatcher.handle(scope, None)).result()
    payload, headers = wire.encode(reply)
    assert (b"content-type", b"text/event-stream") in headers
    text = payload.decode()
    assert text.startswith("retry: 1000\n\n")
    first = re.search(r"event: snapshot\ndata: (.*)\n\n", text)
    assert first is not None
    snapshot = orjson.loads(first.group(1))
    assert snapshot["session"] == "plain" and snapshot["clock"]["mode"] == "virtual"
    assert snapshot["runs_total"] == len(snapshot["runs"]) > 0  # the default scenarios' sample runs


def test_the_stream_starts_with_a_snapshot_then_sends_what_changes(live_server: RunningServer) -> None:
    session = "ev-follow"
    with EventReader(f"{live_server.url}/_sim/events", params={"session": session}) as events:
        assert events.status == 200 and events.headers is not None
        assert events.headers["content-type"].startswith("text/event-stream")
        snapshot = events.next("snapshot")
        assert snapshot["session"] == session and snapshot["phases"] == list(PHASES)
        assert set(snapshot["apis"]) == set(live_server.app.runtime.vendors)
        assert snapshot["runs_total"] == len(snapshot["runs"]) > 0
        assert {r["phase"] for r in snapshot["runs"]} <= set(PHASES)

        api = httpx.Client(base_url=f"{live_server.url}/s/{session}")
        job_id = api.post(f"{DB}/create", json={"name": "followed", "tasks": [TASK]}).json()["job_id"]
        run_id = api.post(f"{DB}/run-now", json={"job_id": job_id}).json()["run_id"]
        key = f"databricks:{run_id}"
        seen = events.next("runs", where=lambda d: any(r["key"] == key for r in d["runs"]))
        assert next(r for r in seen["runs"] if r["key"] == key)["phase"] in ("queued", "running", "success")
        recorded = events.next("requests", where=lambda d: any(e["operation"] == "jobsRunNow" for e in d["requests"]))
        entry = next(e for e in recorded["requests"] if e["operation"] == "jobsRunNow")
        assert entry["status"] == 200 and entry["body"] == {"job_id": job_id} and entry["api"] == "databricks"
        done = events.next("runs", where=lambda d: any(r["key"] == key and r["phase"] == "success" for r in d["runs"]))
        run = next(r for r in done["runs"] if r["key"] == key)
        assert run["state"] == "TERMINATED/SUCCESS" and run["name"] == "followed"
        assert [(s, p) for s, _, p in run["history"]] == [
            ("PENDING", "queued"),
            ("RUNNING", "running"),
            ("TERMINATED/SUCCESS", "success"),
        ]
        assert run["ended_at"] == pytest.approx(run["history"][-1][1])
        events.next("clock")  # the real clock moves


def test_the_session_comes_from_the_query_the_prefix_or_the_header(live_server: RunningServer) -> None:
    with EventReader(f"{live_server.url}/s/ev-prefix/_sim/events") as events:
        assert events.next("snapshot")["session"] == "ev-prefix"
    with EventReader(f"{live_server.url}/_sim/events", headers={"X-Jobsim-Session": "ev-header"}) as events:
        assert events.next("snapshot")["session"] == "ev-header"
    bad = httpx.get(f"{live_server.url}/_sim/events", params={"session": "no/slash"})
    assert bad.status_code == 400


def test_clock_moves_reach_the_stream_at_once(live_server: RunningServer) -> None:
    session = "ev-clock"
    control = httpx.Client(base_url=f"{live_server.url}/s/{session}/_sim")
    control.put("/clock", json={"mode": "virtual"}).raise_for_status()
    with EventReader(f"{live_server.url}/_sim/events", params={"session": session}) as events:
        before = events.next("snapshot")["clock"]
        assert before["mode"] == "virtual"
        started = time.monotonic()
        control.post("/clock/advance", json={"duration": "1h"}).raise_for_status()
        after = events.next("clock", timeout=2)
        assert after["now"] == pytest.approx(before["now"] + 3600) and time.monotonic() - started < 1.0
        control.post("/faults", json={"operation": "jobsList", "error": {"status": 503}}).raise_for_status()
        assert events.next("faults")["faults"][0]["rule"]["error"] == {"status": 503}
        control.post("/scenarios", json={"name": "databricks/task-failure"}).raise_for_status()
        loaded = events.next("scenarios")["loaded"]
        assert "task-failure" in {s["name"] for s in loaded}
        control.post("/reset").raise_for_status()
        assert events.next("snapshot")["faults"] == []  # a reset session is sent from scratch


def test_the_stream_ends_when_its_session_is_dropped(live_server: RunningServer) -> None:
    with EventReader(f"{live_server.url}/_sim/events", params={"session": "ev-drop"}) as events:
        events.next("snapshot")
        httpx.delete(f"{live_server.url}/_sim/sessions/ev-drop").raise_for_status()
        assert events.next("end") == {"reason": "session dropped", "session": "ev-drop"}
        assert events.ended.wait(5)


def test_the_stream_lets_go_when_the_client_goes_away(live_server: RunningServer) -> None:
    clock = live_server.app.runtime.sessions.get("ev-gone").clock
    before = len(clock._listeners)
    events = EventReader(f"{live_server.url}/_sim/events", params={"session": "ev-gone"})
    events.next("snapshot")
    _wait_for(lambda: len(clock._listeners) == before + 1, "the stream to follow the clock")
    events.close()
    _wait_for(lambda: len(clock._listeners) == before, "the stream to end after the client left")


def test_the_stream_ends_when_the_server_stops() -> None:
    server = running_server(seed=2)
    running = server.__enter__()
    events = EventReader(f"{running.url}/_sim/events")
    events.next("snapshot")
    started = time.monotonic()
    server.__exit__(None, None, None)
    assert events.next("end")["reason"] == "server stopping"
    assert events.ended.wait(5) and time.monotonic() - started < 5
    events.close()


def test_five_thousand_runs_come_in_bounded_events_and_the_server_stays_responsive(
    live_server: RunningServer,
) -> None:
    session = "ev-many"
    load_yaml(live_server.url, session, many_runs(5000))
    with EventReader(f"{live_server.url}/_sim/events", params={"session": session}) as events:
        snapshot = events.next("snapshot", timeout=20)
        total = snapshot["runs_total"]
        assert total >= 5000 and len(snapshot["runs"]) == dashboard.RUNS_PER_EVENT
        received = len(snapshot["runs"])
        while received < total:
            batch = events.next("runs", timeout=20)
            assert len(batch["runs"]) <= dashboard.RUNS_PER_EVENT
            received += len(batch["runs"])
        latencies = []
        for _ in range(10):
            started = time.perf_counter()
            httpx.get(f"{live_server.url}/_sim/health").raise_for_status()
            latencies.append(time.perf_counter() - started)
            time.sleep(0.05)
        assert max(latencies) < 0.5, latencies
        api = httpx.Client(base_url=f"{live_server.url}/s/{session}")
        job_id = api.post(f"{DB}/create", json={"name": "one-more", "tasks": [TASK]}).json()["job_id"]
        run_id = api.post(f"{DB}/run-now", json={"job_id": job_id}).json()["run_id"]
        change = events.next("runs", where=lambda d: any(r["id"] == str(run_id) for r in d["runs"]))
        assert len(change["runs"]) < 50  # only what changed, not the 5,000


def test_large_request_bodies_are_sent_as_a_preview(live_server: RunningServer) -> None:
    session = "ev-big-body"
    with EventReader(f"{live_server.url}/_sim/events", params={"session": session}) as events:
        events.next("snapshot")
        body = {"name": "big", "description": "x" * 40_000, "tasks": [TASK]}
        httpx.post(f"{live_server.url}/s/{session}{DB}/create", json=body)  # refused or not, it is journaled
        entry = events.next("requests")["requests"][0]
        assert entry["body"]["bytes"] > dashboard.BODY_LIMIT
        assert len(entry["body"]["jobsim_preview"]) == dashboard.BODY_LIMIT


def _wait_for(condition, what: str, timeout: float = 5) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
