"""Data Quality runs over HTTP: trigger, poll through every status, fail, cancel, on the virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from tests.collibra.helpers import DQ, error_of, scenario
from tests.support import RunningServer

ORDER = ["WAITING", "DISPATCHED", "SETUP", "RUNNING", "SENDING", "FINISHED"]


@pytest.fixture
def http(dq_server: RunningServer) -> Iterator[httpx.Client]:
    dq_server.reset()
    with dq_server.client() as client:
        yield client


def trigger(http: httpx.Client, job: str = "customer_orders_dq", **body: object) -> str:
    reply = http.post(f"{DQ}/jobs/{job}/run", json=body or None)
    assert reply.status_code == 202, reply.text
    return str(reply.json()["jobRunId"])


def get(http: httpx.Client, run_id: str) -> dict:
    reply = http.get(f"{DQ}/jobRuns/{run_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()


def stamp(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_trigger_answers_202_with_location_of_the_run(http: httpx.Client, dq_server: RunningServer) -> None:
    reply = http.post(f"{DQ}/jobs/customer_orders_dq/run")
    assert reply.status_code == 202
    run_id = reply.json()["jobRunId"]
    assert reply.headers["location"] == f"{dq_server.url}{DQ}/jobRuns/{run_id}"
    run = http.get(reply.headers["location"]).json()
    assert run["jobRunId"] == run_id
    assert run["jobName"] == "customer_orders_dq"
    assert (run["status"], run["activity"]) == ("WAITING", "")
    assert run["startTime"] == run["updatedAt"]
    assert "exception" not in run


def test_poll_through_every_status_to_finished(http: httpx.Client, dq_server: RunningServer) -> None:
    run_id = trigger(http)
    seen: list[tuple[str, str]] = []
    updates: list[float] = []
    for _ in range(60):
        run = get(http, run_id)
        if not seen or seen[-1] != (run["status"], run["activity"]):
            seen.append((run["status"], run["activity"]))
            updates.append(stamp(run["updatedAt"]))
        if run["status"] == "FINISHED":
            break
        dq_server.advance(0.05)
    assert seen == [
        ("WAITING", ""),
        ("DISPATCHED", ""),
        ("SETUP", "INIT"),
        ("RUNNING", "SCHEMA"),
        ("RUNNING", "LOAD"),
        ("RUNNING", "PROFILE"),
        ("RUNNING", "RULES"),
        ("RUNNING", "RESULTS"),
        ("SENDING", "ALERTS"),
        ("FINISHED", ""),
    ]
    assert updates == sorted(updates)
    assert updates[-1] - updates[0] == pytest.approx(1.5, abs=0.01)
    assert "exception" not in run
    assert stamp(run["startTime"]) == pytest.approx(updates[0], abs=0.001)


def test_a_run_stays_active_at_least_0_3_seconds(http: httpx.Client, dq_server: RunningServer) -> None:
    run_id = trigger(http)
    dq_server.advance(0.3)
    assert get(http, run_id)["status"] in ORDER[:-1]


def test_failed_run_carries_the_exception(http: httpx.Client, dq_server: RunningServer) -> None:
    dq_server.load(scenario("collibra-dq/run-failure"))
    run_id = trigger(http)
    dq_server.advance(0.5)
    assert get(http, run_id)["status"] == "RUNNING"
    dq_server.advance(1.0)
    run = get(http, run_id)
    assert run["status"] == "FAILED"
    assert run["activity"] == "RULES"
    assert run["exception"].startswith("java.sql.SQLException: ORA-00942")
    found = http.get(f"{DQ}/jobRuns", params={"status": "FAILED", "jobName": "customer_orders_dq"}).json()
    assert run_id in {r["jobRunId"] for r in found["results"]}


def test_cancel_from_waiting(http: httpx.Client, dq_server: RunningServer) -> None:
    run_id = trigger(http)
    reply = http.post(f"{DQ}/jobRuns/{run_id}/cancel")
    assert reply.status_code == 200
    assert reply.content == b""
    run = get(http, run_id)
    assert (run["status"], run["activity"]) == ("CANCELLED", "")
    dq_server.advance(5)
    later = get(http, run_id)
    assert later["status"] == "CANCELLED"
    assert later["updatedAt"] == run["updatedAt"]


def test_cancel_from_running_keeps_the_activity(http: httpx.Client, dq_server: RunningServer) -> None:
    run_id = trigger(http)
    dq_server.advance(0.5)
    before = get(http, run_id)
    assert (before["status"], before["activity"]) == ("RUNNING", "SCHEMA")
    dq_server.advance(0.1)
    assert http.post(f"{DQ}/jobRuns/{run_id}/cancel").status_code == 200
    run = get(http, run_id)
    assert (run["status"], run["activity"]) == ("CANCELLED", "LOAD")
    assert stamp(run["updatedAt"]) == pytest.approx(stamp(before["updatedAt"]) + 0.2, abs=0.002)
    dq_server.advance(3)
    assert get(http, run_id)["status"] == "CANCELLED"


def test_stuck_run_waits_for_the_cancel(http: httpx.Client, dq_server: RunningServer) -> None:
    dq_server.load(scenario("collibra-dq/stuck-until-cancelled"))
    run_id = trigger(http)
    dq_server.advance(3600)
    assert (get(http, run_id)["status"], get(http, run_id)["activity"]) == ("RUNNING", "LOAD")
    assert http.post(f"{DQ}/jobRuns/{run_id}/cancel").status_code == 200
    assert get(http, run_id)["status"] == "CANCELLED"


def test_cancel_is_idempotent_but_refused_once_ended(http: httpx.Client, dq_server: RunningServer) -> None:
    cancelled = trigger(http)
    assert http.post(f"{DQ}/jobRuns/{cancelled}/cancel").status_code == 200
    assert http.post(f"{DQ}/jobRuns/{cancelled}/cancel").status_code == 200
    finished = trigger(http)
    dq_server.advance(2)
    message = error_of(http.post(f"{DQ}/jobRuns/{finished}/cancel"), 400, "jobRunNotCancellable")
    assert finished in message and "FINISHED" in message
    assert get(http, finished)["status"] == "FINISHED"


def test_unknown_status_scenario(http: httpx.Client, dq_server: RunningServer) -> None:
    dq_server.load(scenario("collibra-dq/unknown-status"))
    run_id = trigger(http)
    dq_server.advance(60)
    run = get(http, run_id)
    assert (run["status"], run["activity"]) == ("UNKNOWN", "INIT")
    assert http.post(f"{DQ}/jobRuns/{run_id}/cancel").status_code == 200
    assert get(http, run_id)["status"] == "CANCELLED"


def test_default_scenario_lists_finished_failed_and_running_runs(http: httpx.Client) -> None:
    page = http.get(f"{DQ}/jobRuns").json()
    statuses = sorted(run["status"] for run in page["results"])
    assert statuses == ["FAILED", "FINISHED", "FINISHED", "RUNNING"]
    assert page["total"] == 4
    running = next(run for run in page["results"] if run["status"] == "RUNNING")
    assert (running["jobName"], running["activity"]) == ("hr_employees_profile", "PROFILE")
    dated = next(run for run in page["results"] if run["jobName"] == "sales.daily-checks")
    assert dated["runDate"] == {"kind": "DATE", "value": "2024-06-30"}


def test_unknown_job_and_run_are_404(http: httpx.Client) -> None:
    assert "no_such_job" in error_of(http.post(f"{DQ}/jobs/no_such_job/run"), 404, "jobNotFound")
    missing = "3f1c2a9e-0000-4000-8000-000000000000"
    assert missing in error_of(http.get(f"{DQ}/jobRuns/{missing}"), 404, "jobRunNotFound")
    error_of(http.post(f"{DQ}/jobRuns/{missing}/cancel"), 404, "jobRunNotFound")
