"""Fault injection seen by real clients: databricks-sdk retrying a 429, httpx seeing a reset, broken bodies."""

from __future__ import annotations

import time

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import InternalError, TemporarilyUnavailable

from simulator.client import Jobsim, JobsimError
from tests.support import RunningServer, running_server

API = "/api/2.2/jobs"


def sdk(sim: Jobsim, **config) -> WorkspaceClient:
    return WorkspaceClient(config=Config(host=sim.base_url, token="dapi-test", **config))


def test_sdk_retries_a_429_with_retry_after_and_then_succeeds(sim: Jobsim) -> None:
    sim.add_fault(operation="jobsCreate", error={"status": 429, "retry_after": 1}, when={"first": 1})
    started = time.monotonic()
    created = sdk(sim).jobs.create(name="after-429")
    assert created.job_id > 0
    assert time.monotonic() - started >= 1.0  # it honoured Retry-After
    sent = sim.requests(operation="jobsCreate")
    assert [r["status"] for r in sent] == [429, 200]
    assert sent[0]["fault"] is not None
    assert sim.faults()[0]["fired"] == 1


def test_429_body_is_databricks_shaped(sim: Jobsim) -> None:
    sim.add_fault(api="databricks", operation="jobsList", error={"status": 429, "retry_after": 7})
    reply = httpx.get(f"{sim.base_url}{API}/list")
    assert reply.status_code == 429 and reply.headers["retry-after"] == "7"
    assert reply.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"


def test_503_then_success_and_a_plain_500_is_not_retried(sim: Jobsim) -> None:
    sim.add_fault(operation="jobsList", error={"status": 503}, when={"first": 2})
    names = {job.settings.name for job in sdk(sim, retry_timeout_seconds=30).jobs.list()}
    assert "nightly-etl" in names
    assert [r["status"] for r in sim.requests(operation="jobsList")] == [503, 503, 200]
    sim.add_fault(operation="jobsGet", error={"status": 500, "message": "boom"})
    with pytest.raises(InternalError, match="boom"):
        sdk(sim).jobs.get(1)
    sim.clear_faults()
    sim.add_fault(operation="jobsGet", error={"status": 503}, when={"always": True})
    with pytest.raises((TemporarilyUnavailable, TimeoutError)):
        sdk(sim, retry_timeout_seconds=2).jobs.get(1)


def test_dropped_connection_is_a_reset_not_a_response(sim: Jobsim) -> None:
    sim.add_fault(operation="jobsList", drop=True, when={"nth": 1})
    with pytest.raises(httpx.TransportError) as caught:
        httpx.get(f"{sim.base_url}{API}/list")
    assert not isinstance(caught.value, httpx.HTTPStatusError)
    assert httpx.get(f"{sim.base_url}{API}/list").status_code == 200  # nth=1: only the first call


def test_latency_fixed(sim: Jobsim) -> None:
    sim.add_fault(operation="jobsList", latency=0.4)
    started = time.monotonic()
    assert httpx.get(f"{sim.base_url}{API}/list").status_code == 200
    assert time.monotonic() - started >= 0.4


def test_truncated_and_garbage_bodies(sim: Jobsim) -> None:
    sim.add_fault(operation="jobsList", malformed="truncate", when={"nth": 1})
    sim.add_fault(operation="jobsList", malformed="garbage", when={"nth": 2})
    for _ in range(2):
        reply = httpx.get(f"{sim.base_url}{API}/list")
        assert reply.status_code == 200
        with pytest.raises(ValueError):
            reply.json()


def test_fault_tied_to_a_run_state_fails_the_third_poll_of_a_running_run(sim: Jobsim) -> None:
    sim.load_scenario(name="databricks/stuck-until-cancelled")
    sim.add_fault(
        operation="jobsGetRun",
        response={"state": {"life_cycle_state": "RUNNING"}},
        when={"nth": 3},
        error={"status": 500, "message": "poll failed"},
    )
    http = httpx.Client(base_url=sim.base_url)
    job_id = http.post(f"{API}/create", json={"name": "poll"}).json()["job_id"]
    run_id = http.post(f"{API}/run-now", json={"job_id": job_id}).json()["run_id"]
    time.sleep(0.5)  # past PENDING (0.4 s)
    statuses = [http.get(f"{API}/runs/get", params={"run_id": run_id}).status_code for _ in range(4)]
    assert statuses == [200, 200, 500, 200]


def test_probability_is_seeded_so_a_run_repeats() -> None:
    def pattern(server: RunningServer, session: str) -> list[int]:
        with Jobsim(server.url, session=session) as client:
            client.add_fault(operation="jobsList", error={"status": 503}, when={"probability": 0.5})
            statuses = [httpx.get(f"{client.base_url}{API}/list").status_code for _ in range(20)]
            client.drop()
            return statuses

    with running_server(seed=11, load_defaults=False) as seeded:
        first = pattern(seeded, "prob-a")
        assert 503 in first and 200 in first
        assert pattern(seeded, "prob-b") == first
    with running_server(seed=11, load_defaults=False) as again:
        assert pattern(again, "prob-a") == first


def test_bad_rules_are_refused(sim: Jobsim) -> None:
    with pytest.raises(JobsimError, match="needs an effect"):
        sim.add_fault(operation="jobsList")
    with pytest.raises(JobsimError, match="when"):
        sim.add_fault(operation="jobsList", latency=1, when={"nth": 0})


def test_faults_in_a_scenario_file(sim: Jobsim) -> None:
    sim.load_scenario("""
jobsim: 1
name: rate-limited
api: databricks
faults:
  - {operation: jobsList, error: {status: 429, retry_after: 1}, when: {first: 1}}
""")
    assert httpx.get(f"{sim.base_url}{API}/list").status_code == 429
    assert httpx.get(f"{sim.base_url}{API}/list").status_code == 200
