"""Replicas sharing sessions through Redis: leases and fencing, a SIGTERM restart that loses nothing, ids never
issued twice after kill -9, routing through HAProxy with deploy/haproxy.cfg, long-polls through the proxy."""

from __future__ import annotations

import base64
import collections
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml

from simulator.store import lease
from tests.scale.support import DEPLOY, PROXIES, Replica, haproxy, redis_server, replicas
from tests.support import LONG_PLAN

pytestmark = pytest.mark.slow  # several replica processes, Redis and proxies per test: CI runs it in the slow step

RUNS = "/api/2.2/jobs/runs"
CHECKS = {"check_search_filters": {"connection": "sample_connection", "full_table_name": "sample_schema.orders"}}
TASKS = [{"task_key": "t", "notebook_task": {"notebook_path": "/x"}}]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def clean_store(store: str) -> str:
    redis.Redis.from_url(store).flushdb()
    return store


def submit(http: httpx.Client, session: str, name: str) -> int:
    reply = http.post(f"/s/{session}{RUNS}/submit", json={"run_name": name, "tasks": TASKS})
    assert reply.status_code == 200, reply.text
    return int(reply.json()["run_id"])


def test_a_session_held_by_one_replica_is_503_with_retry_after_on_another(clean_store: str) -> None:
    with replicas(clean_store, "r-a", "r-b") as (a, b):
        run_id = submit(httpx.Client(base_url=a.url), "ci-1", "held")
        reply = httpx.get(f"{b.url}/s/ci-1{RUNS}/get", params={"run_id": run_id})
        assert reply.status_code == 503
        assert int(reply.headers["Retry-After"]) >= 1
        assert reply.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"  # Databricks' own shape
        assert reply.headers["X-Jobsim-Replica"] == "r-b"
        dqops = httpx.get(f"{b.url}/s/ci-1/api/jobs/jobs")
        assert dqops.status_code == 503 and dqops.json()["status"] == 503  # DQOps (Spring) shape
        served = httpx.get(f"{a.url}/s/ci-1{RUNS}/get", params={"run_id": run_id})
        assert served.status_code == 200 and served.headers["X-Jobsim-Replica"] == "r-a"


def test_a_stale_owner_cannot_save(clean_store: str) -> None:
    """Replica A's lease is taken over (as after a pause longer than the lease); what A writes afterwards is refused
    and A gives the session up, so B's state is the only one."""
    r = redis.Redis.from_url(clean_store)
    with replicas(
        clean_store, "r-a", "r-b", args=("--no-defaults", "--save-interval", "0.2", "--lease-ms", "60000")
    ) as (a, b):
        first = submit(httpx.Client(base_url=a.url), "ci-2", "before")
        time.sleep(0.6)  # saved
        r.delete("jobsim:lease:ci-2")  # A's lease "expired"
        listed = httpx.get(f"{b.url}/s/ci-2{RUNS}/list").json()
        assert [run["run_id"] for run in listed["runs"]] == [first]  # B took it over, with A's saved state
        stale = httpx.post(f"{a.url}/s/ci-2{RUNS}/submit", json={"run_name": "stale", "tasks": TASKS})
        # A has not yet noticed: it answers from memory; its id was reserved... but its save is fenced off.
        deadline = time.monotonic() + 5
        while httpx.get(f"{a.url}/s/ci-2{RUNS}/list").status_code != 503:
            assert time.monotonic() < deadline, "A kept serving a session it no longer holds"
            time.sleep(0.1)
        names = [run["run_name"] for run in httpx.get(f"{b.url}/s/ci-2{RUNS}/list").json()["runs"]]
        assert names == ["before"]
        holder = r.get("jobsim:lease:ci-2").decode()
        assert holder.startswith("r-b|")
        if stale.status_code == 200:  # the id A handed out is never issued by B
            fresh = submit(httpx.Client(base_url=b.url), "ci-2", "after")
            assert fresh != stale.json()["run_id"]
    assert "lost the lease of session ci-2" in a.log[-1]


def _mixed_session(http: httpx.Client, session: str) -> None:
    """Ten runs: four long ones (PENDING/RUNNING for hours), three cancelled, three finished; a fault rule fired."""
    yaml = {"Content-Type": "application/yaml"}
    assert http.post(f"/s/{session}/_sim/scenarios", content=LONG_PLAN, headers=yaml).status_code == 200
    for i in range(4):
        submit(http, session, f"long-{i}")
    for i in range(3):
        run_id = submit(http, session, f"long-cancel-{i}")
        assert http.post(f"/s/{session}{RUNS}/cancel", json={"run_id": run_id}).status_code == 200
    for i in range(3):
        submit(http, session, f"quick-{i}")
    rule = {"api": "databricks", "operation": "jobsRunsList", "error": {"status": 429}, "when": {"nth": 2}}
    assert http.post(f"/s/{session}/_sim/faults", json=rule).status_code == 200
    for _ in range(3):
        http.get(f"/s/{session}{RUNS}/list")


def _observe(http: httpx.Client, session: str) -> dict[str, Any]:
    journal = http.get(f"/s/{session}/_sim/requests").json()["requests"]
    faults = [(f["seen"], f["fired"]) for f in http.get(f"/s/{session}/_sim/faults").json()["faults"]]
    runs = {}
    for page in (0, 25):
        found = http.get(f"/s/{session}/api/2.1/jobs/runs/list", params={"offset": page, "limit": 25})
        for run in found.json().get("runs", []):
            runs[run["run_id"]] = (
                run["run_name"],
                run["state"].get("life_cycle_state"),
                run["state"].get("result_state"),
            )
    return {"journal": journal, "faults": faults, "runs": runs}


@pytest.mark.slow
def test_sigterm_restart_keeps_64_sessions_of_10_runs(clean_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    sessions = [f"pipeline-{i}" for i in range(64)]
    with replicas(clean_store, "r-a", args=("--no-defaults",)) as (a,):
        http = httpx.Client(base_url=a.url, timeout=30)
        for session in sessions:
            _mixed_session(http, session)
        time.sleep(3)  # the quick runs end (default timing: 1-2 s)
        before = {s: _observe(http, s) for s in sessions}
        journals = {s: http.get(f"/s/{s}/_sim/requests").json()["requests"] for s in sessions}
        clock_before, wall_before = http.get("/s/pipeline-0/_sim/clock").json()["now"], time.time()
        a.stop()
        a.start()
        http = httpx.Client(base_url=a.url, timeout=30)
        clock_after, wall_after = http.get("/s/pipeline-0/_sim/clock").json()["now"], time.time()
        assert journals == {s: http.get(f"/s/{s}/_sim/requests").json()["requests"] for s in sessions}
        after = {s: _observe(http, s) for s in sessions}
    found = sum(len(v["runs"]) for v in after.values())
    assert found == 640 == sum(len(v["runs"]) for v in before.values())
    assert {s: v["runs"] for s, v in after.items()} == {s: v["runs"] for s, v in before.items()}
    assert {s: v["faults"] for s, v in after.items()} == {s: v["faults"] for s, v in before.items()}
    states = collections.Counter((state, result) for v in after.values() for _, state, result in v["runs"].values())
    assert len(states) >= 3, states  # mixed: pending, cancelled, succeeded
    drift = abs((clock_after - clock_before) - (wall_after - wall_before))
    with capsys.disabled():
        print(f"\nSIGTERM restart: {found}/640 runs back, states {dict(states)}, clock drift {drift * 1000:.0f} ms")
    assert drift < 0.5, drift


def test_ids_handed_out_before_a_kill_are_never_issued_again(clean_store: str) -> None:
    with replicas(clean_store, "r-a", args=("--no-defaults",)) as (a,):
        http = httpx.Client(base_url=a.url)
        first = [submit(http, "ci-kill", f"r{i}") for i in range(5)]
        a.kill()  # before any save
        a.start()
        deadline = time.monotonic() + 15  # the restarted replica takes its own leases back (another would wait)
        while httpx.get(f"{a.url}/s/ci-kill/_sim/clock").status_code == 503:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        http = httpx.Client(base_url=a.url)
        second = [submit(http, "ci-kill", f"again{i}") for i in range(5)]
    assert not set(first) & set(second), (first, second)


def test_a_replica_restarted_after_kill_9_takes_its_sessions_back_at_once(clean_store: str) -> None:
    """The same replica name (a StatefulSet pod) restarted after kill -9 serves its sessions without waiting out the
    dead process's leases, under a new fencing token: a save still carrying the dead process's lease is refused."""
    r = redis.Redis.from_url(clean_store)
    with replicas(clean_store, "r-a", args=("--no-defaults", "--save-interval", "0.2", "--lease-ms", "60000")) as (a,):
        first = submit(httpx.Client(base_url=a.url), "ci-back", "before")
        time.sleep(0.6)  # saved
        old_holder = r.get("jobsim:lease:ci-back").decode()
        a.kill()
        a.start()
        reply = httpx.get(f"{a.url}/s/ci-back{RUNS}/list")  # not 503 for the 60 s lease of the dead process
        assert reply.status_code == 200, reply.text
        assert [run["run_id"] for run in reply.json()["runs"]] == [first]
        new_holder = r.get("jobsim:lease:ci-back").decode()
        assert new_holder.startswith("r-a|") and int(new_holder.split("|")[1]) > int(old_holder.split("|")[1])
        zombie = r.register_script(lease.SAVE)
        keys = lease.session_keys("ci-back")
        args = [old_holder, "ci-back", b'{"zombie": true}', "0", 0, 0, 0, 100, 0, 60000, "0"]
        assert zombie(keys=keys, args=args) == 0
        assert b"zombie" not in r.get("jobsim:s:ci-back:head")


@pytest.mark.parametrize("proxy_kind", ["haproxy", "nginx"])
def test_routing_through_the_proxy_is_sticky_and_balanced(clean_store: str, tmp_path: Path, proxy_kind: str) -> None:
    basic_form = proxy_kind == "haproxy"  # nginx cannot decode HTTP Basic (deploy/nginx.conf)
    with replicas(clean_store, "jobsim-0", "jobsim-1") as pair, PROXIES[proxy_kind](pair, tmp_path) as proxy:
        http = httpx.Client(base_url=proxy, timeout=30)
        owners: dict[str, str] = {}
        for i in range(200):
            session = f"route-{i}"
            seen = set()
            for _ in range(2):
                by_path = http.get(f"/s/{session}/_sim/clock")
                by_header = http.get("/_sim/clock", headers={"X-Jobsim-Session": session})
                assert by_path.status_code == by_header.status_code == 200, (by_path.text, by_header.text)
                seen |= {by_path.headers["X-Jobsim-Replica"], by_header.headers["X-Jobsim-Replica"]}
            assert len(seen) == 1, (session, seen)
            owners[session] = seen.pop()
        share = collections.Counter(owners.values())
        assert set(share) == {"jobsim-0", "jobsim-1"}
        assert all(60 <= n <= 140 for n in share.values()), share
        for i in range(200):
            session = f"route-{i}"
            basic = base64.b64encode(f"jobsim-session-{session}:pw".encode()).decode()
            credentials = [
                {"Authorization": f"Bearer jobsim-session-{session}"},
                {"X-API-KEY": f"jobsim-session-{session}"},
            ]
            if basic_form:
                credentials.append({"Authorization": f"Basic {basic}"})
            for credential in credentials:
                reply = http.get(f"{RUNS}/list", headers=credential)
                assert reply.status_code == 200, reply.text
                assert reply.headers["X-Jobsim-Session"] == session
                assert reply.headers["X-Jobsim-Replica"] == owners[session], (session, credential)
        stream_owner = owners["route-7"]
        with http.stream("GET", "/_sim/events", params={"session": "route-7"}) as events:
            assert events.status_code == 200 and events.headers["X-Jobsim-Replica"] == stream_owner


class _Poll(threading.Thread):
    def __init__(self, url: str, session: str, since: int) -> None:
        super().__init__(daemon=True)
        self.url, self.session, self.since = url, session, since
        self.status = 0
        self.ended_at = 0.0

    def run(self) -> None:
        reply = httpx.get(f"{self.url}/s/{self.session}/api/jobs/jobchangessince/{self.since}", timeout=90)
        self.ended_at = time.monotonic()
        self.status = reply.status_code


@pytest.mark.slow
def test_dqops_long_poll_through_the_proxy(
    clean_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (
        replicas(clean_store, "jobsim-0", "jobsim-1", args=("--virtual-clock",)) as pair,
        haproxy(pair, tmp_path) as proxy,
    ):
        http = httpx.Client(base_url=proxy, timeout=30)
        session = "poll-1"
        http.post(f"/s/{session}/api/jobs/runchecks", params={"wait": "false"}, json=CHECKS).raise_for_status()
        last = http.get(f"/s/{session}/api/jobs/jobs").json()["lastSequenceNumber"]
        poll = _Poll(proxy, session, last)
        poll.start()
        time.sleep(0.5)
        assert poll.is_alive(), "the long-poll answered before the clock moved"
        advanced = time.monotonic()
        assert http.post(f"/s/{session}/_sim/clock/advance", json={"seconds": 600}).status_code == 200
        poll.join(10)
        assert not poll.is_alive() and poll.status == 200
        latency_ms = (poll.ended_at - advanced) * 1000
        with capsys.disabled():
            print(f"\nDQOps long-poll through HAProxy woke {latency_ms:.1f} ms after the clock advance")
        owner = next(r for r in pair if r.name == http.get(f"/s/{session}/_sim/clock").headers["X-Jobsim-Replica"])
        last = http.get(f"/s/{session}/api/jobs/jobs").json()["lastSequenceNumber"]
        poll = _Poll(proxy, session, last)
        poll.start()
        time.sleep(0.5)
        assert poll.is_alive()
        stopped = time.monotonic()
        owner.stop()
        poll.join(10)
        assert not poll.is_alive() and poll.status == 200
        with capsys.disabled():
            print(f"long-poll answered {(poll.ended_at - stopped) * 1000:.0f} ms after SIGTERM of its replica")
        assert isinstance(owner, Replica)


def test_the_kubernetes_proxy_configuration_is_valid_haproxy(tmp_path: Path) -> None:
    """The ConfigMap's haproxy.cfg parses, and picks the session key with the same rules as deploy/haproxy.cfg."""
    docs = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "jobsim.yaml").read_text()))
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == ["ConfigMap", "Deployment", "Deployment", "Service", "Service", "Service", "StatefulSet"]
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]["haproxy.cfg"]
    (tmp_path / "k8s.cfg").write_text(config)
    checked = subprocess.run(
        ["/usr/sbin/haproxy", "-c", "-f", str(tmp_path / "k8s.cfg")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    def rules(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip().startswith(("http-request", "acl"))]

    assert rules(config) == rules((DEPLOY / "haproxy.cfg").read_text())


def test_sessions_health_and_metrics_answer_for_the_whole_deployment(clean_store: str) -> None:
    with replicas(clean_store, "r-a", "r-b", args=("--no-defaults", "--save-interval", "0.2")) as (a, b):
        submit(httpx.Client(base_url=a.url), "on-a", "one")
        submit(httpx.Client(base_url=b.url), "on-b", "two")
        deadline = time.monotonic() + 10
        while True:
            metrics = httpx.get(f"{a.url}/_sim/metrics").text
            if 'session="on-b"' in metrics:
                break
            assert time.monotonic() < deadline, metrics[-2000:]
            time.sleep(0.2)
        assert 'jobsim_runs{session="on-a",api="databricks"' in metrics
        assert 'jobsim_requests_total{api="databricks",operation="jobsSubmit",status="200"} 2' in metrics
        for replica in (a, b):
            listed = httpx.get(f"{replica.url}/_sim/sessions").json()["sessions"]
            assert {"on-a", "on-b"} <= set(listed)
            health = httpx.get(f"{replica.url}/_sim/health").json()
            assert health["replica"] == replica.name and health["replicas"] == ["r-a", "r-b"]
            assert health["store"] == "redis" and health["sessions"] >= 2
