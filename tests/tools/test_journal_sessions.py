"""The request journal and verification, isolated sessions, metrics — over HTTP."""

from __future__ import annotations

import threading

import httpx
import pytest
from databricks.sdk import WorkspaceClient

from simulator.client import Jobsim
from tests.support import RunningServer, running_server

API = "/api/2.2/jobs"


def test_journal_records_requests_without_secrets(sim: Jobsim) -> None:
    http = httpx.Client(base_url=sim.base_url, headers={"Authorization": "Bearer dapi-secret-123"})
    job_id = http.post(f"{API}/create", json={"name": "journaled"}).json()["job_id"]
    http.get(f"{API}/get", params={"job_id": job_id})
    http.get(f"{API}/get", params={"job_id": "nope"})
    entries = sim.requests()
    assert [(e["method"], e["operation"], e["status"]) for e in entries] == [
        ("POST", "jobsCreate", 200),
        ("GET", "jobsGet", 200),
        ("GET", "jobsGet", 400),
    ]
    assert entries[0]["body"] == {"name": "journaled"}
    assert entries[0]["headers"]["authorization"] == "***"
    assert "dapi-secret-123" not in str(entries)
    assert entries[1]["query"] == f"job_id={job_id}" and entries[1]["api"] == "databricks"
    assert all(e["session"] == sim.session for e in entries)
    assert [e["status"] for e in sim.requests(status=400)] == [400]
    assert sim.clear_requests() == 3 and sim.requests() == []


def test_verify_passes_and_fails_with_a_readable_diff(sim: Jobsim) -> None:
    w = WorkspaceClient(host=sim.base_url, token="t")
    job = w.jobs.create(name="verified")
    w.jobs.run_now(job.job_id)
    sim.assert_requests({"operation": "jobsRunNow", "body": {"job_id": job.job_id}}, exactly=1)
    sim.assert_requests({"method": "GET", "path": "/.well-known/*"}, at_most=1)
    verdict = sim.verify({"operation": "jobsRunNow", "body": {"job_id": job.job_id + 1}}, exactly=1)
    assert verdict["pass"] is False and verdict["matched"] == 0
    nearest = verdict["nearest"][0]
    assert nearest["request"] == "POST /api/2.2/jobs/run-now"
    assert nearest["differences"] == {
        "body": {"expected": {"job_id": job.job_id + 1}, "actual": {"job_id": job.job_id}}
    }
    with pytest.raises(AssertionError, match="expected at least 2 request"):
        sim.assert_requests({"operation": "jobsRunNow"}, at_least=2)


def test_the_journal_can_be_turned_off() -> None:
    with running_server(journal=False, load_defaults=False) as quiet:
        httpx.get(f"{quiet.url}{API}/list")
        listing = httpx.get(f"{quiet.url}/_sim/requests").json()
        assert listing == {"enabled": False, "requests": []}


def test_the_journal_is_a_ring_buffer() -> None:
    with running_server(journal_size=5, load_defaults=False) as small:
        for _ in range(12):
            httpx.get(f"{small.url}{API}/list")
        seqs = [e["seq"] for e in httpx.get(f"{small.url}/_sim/requests").json()["requests"]]
        assert seqs == [8, 9, 10, 11, 12]


def test_sessions_by_path_prefix_and_header_never_see_each_other(server: RunningServer) -> None:
    errors: list[str] = []

    def hammer(session: str, by_header: bool) -> None:
        base = server.url if by_header else f"{server.url}/s/{session}"
        headers = {"X-Jobsim-Session": session} if by_header else {}
        with httpx.Client(base_url=base, headers=headers) as http:
            mine = set()
            for i in range(25):
                job_id = http.post(f"{API}/create", json={"name": f"{session}-{i}"}).json()["job_id"]
                mine.add(http.post(f"{API}/run-now", json={"job_id": job_id}).json()["run_id"])
            listed = set()
            token = None
            while True:
                page = http.get(f"{API}/runs/list", params={"limit": 25} | ({"page_token": token} if token else {}))
                listed |= {r["run_id"] for r in page.json().get("runs", [])}
                token = page.json().get("next_page_token")
                if not token:
                    break
            names = {j["settings"]["name"] for j in http.get(f"{API}/list", params={"limit": 100}).json()["jobs"]}
            foreign = {n for n in names if not n.startswith(session) and n not in ("nightly-etl", "hourly-report")}
            if not mine <= listed or foreign:
                errors.append(f"{session}: missing {mine - listed}, foreign jobs {foreign}")

    threads = [threading.Thread(target=hammer, args=(f"iso-{i}", i % 2 == 0)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sessions = httpx.get(f"{server.url}/_sim/sessions").json()["sessions"]
    assert {f"iso-{i}" for i in range(6)} <= set(sessions)
    assert httpx.delete(f"{server.url}/_sim/sessions/iso-0").json() == {"removed": 1}
    assert "iso-0" not in httpx.get(f"{server.url}/_sim/sessions").json()["sessions"]
    assert httpx.delete(f"{server.url}/_sim/sessions/iso-0").status_code == 404


def test_each_session_has_its_own_clock(server: RunningServer) -> None:
    with Jobsim(server.url, session="clock-a") as a, Jobsim(server.url, session="clock-b") as b:
        a.freeze()
        before = a.clock()["now"]
        a.advance("2h")
        assert a.clock()["now"] == pytest.approx(before + 7200)
        assert b.clock()["mode"] == "real" and b.clock()["now"] < before + 3600
        a.drop()
        b.drop()


def test_a_bad_session_id_is_refused(server: RunningServer) -> None:
    reply = httpx.get(f"{server.url}{API}/list", headers={"X-Jobsim-Session": "../../etc"})
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_session"


def test_session_cap() -> None:
    with running_server(max_sessions=2, load_defaults=False) as capped:
        assert httpx.get(f"{capped.url}/s/one{API}/list").status_code == 200
        reply = httpx.get(f"{capped.url}/s/two{API}/list")
        assert reply.status_code == 429 and reply.json()["error"] == "too_many_sessions"


def test_metrics_in_prometheus_format(sim: Jobsim) -> None:
    http = httpx.Client(base_url=sim.base_url)
    http.get(f"{API}/get", params={"job_id": "bad"})
    sim.add_fault(operation="jobsList", error={"status": 503}, when={"first": 1}, name="flaky-list")
    http.get(f"{API}/list")
    text = http.get("/_sim/metrics").text
    assert "# TYPE jobsim_requests_total counter" in text
    assert 'jobsim_requests_total{api="databricks",operation="jobsGet",status="400"}' in text
    assert 'jobsim_faults_fired_total{api="databricks",rule="flaky-list"} 1' in text
    assert 'jobsim_request_validation_failures_total{api="databricks",operation="jobsGet"}' in text
    assert f'jobsim_runs{{session="{sim.session}",api="databricks",state="TERMINATED"}}' in text
    assert "jobsim_response_contract_violations_total 0" in text
