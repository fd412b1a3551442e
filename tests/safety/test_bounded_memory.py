"""Bounded memory, checked from the outside: the run cap on every API (oldest ended runs go first, active runs never),
Databricks' 60-day and CDQ's 30-day retention on the simulator clock.

One server with `max_runs=50` on a virtual clock; each test works in its own session (`/s/<name>`). The journal ring
buffer and the session cap have their tests in tests/tools/test_journal_sessions.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support import RunningServer, running_server

CAP = 50
CREATED = 130  # more than twice the cap
STUCK = 5  # active runs made first (the oldest), which the cap must never evict

DATABRICKS = "/api/2.1/jobs"
TASK = {"task_key": "t", "notebook_task": {"notebook_path": "/etl"}, "existing_cluster_id": "c-1"}


@pytest.fixture(scope="module")
def capped() -> Iterator[RunningServer]:
    with running_server(max_runs=CAP, clock_mode="virtual", seed=3, load_defaults=False) as running:
        yield running


def session(server: RunningServer, name: str) -> httpx.Client:
    return httpx.Client(base_url=f"{server.url}/s/{name}", timeout=30)


def advance(http: httpx.Client, duration: str) -> None:
    http.post("/_sim/clock/advance", json={"duration": duration}).raise_for_status()


def load(http: httpx.Client, text: str) -> None:
    reply = http.post("/_sim/scenarios", content=text, headers={"Content-Type": "application/yaml"})
    assert reply.status_code < 300, reply.text


def check_evictions(stuck: list[str], made: list[str], exists: Any, listed: list[str]) -> None:
    """The shared verdict: within the cap, every stuck (active) run kept, the oldest ended runs gone, the newest
    kept; `exists(id)` asks the API for one run by id."""
    assert len(listed) <= CAP
    assert len(set(listed)) == len(listed)
    assert set(stuck) <= set(listed)
    assert all(exists(run_id) for run_id in stuck)
    assert not any(exists(run_id) for run_id in made[:20])  # the oldest ended runs went first
    assert all(exists(run_id) for run_id in made[-20:])
    kept = [run_id for run_id in made if run_id in set(listed)]
    assert kept == made[-len(kept) :]  # what is left is the newest, with no gap
    assert len(kept) >= int(CAP * 0.9) - STUCK - 1


# --- Databricks -------------------------------------------------------------------------------------------------
STUCK_DATABRICKS = """
jobsim: 1
name: stuck
api: databricks
plans:
  - match: {name: "stuck-*"}
    steps:
      - {state: PENDING, for: 1s}
      - {state: RUNNING}
"""


def databricks_submit(http: httpx.Client, name: str) -> str:
    reply = http.post(f"{DATABRICKS}/runs/submit", json={"run_name": name, "tasks": [TASK]})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["run_id"])


def databricks_exists(http: httpx.Client, run_id: str) -> bool:
    reply = http.get(f"{DATABRICKS}/runs/get", params={"run_id": run_id})
    if reply.status_code == 400:
        assert reply.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": f"Run {run_id} does not exist."}
        return False
    assert reply.status_code == 200, reply.text
    return True


def databricks_listed(http: httpx.Client) -> list[str]:
    ids: list[str] = []
    token = None
    while True:
        params: dict[str, Any] = {"limit": 25} | ({"page_token": token} if token else {})
        page = http.get(f"{DATABRICKS}/runs/list", params=params).json()
        ids += [str(run["run_id"]) for run in page.get("runs", [])]
        token = page.get("next_page_token")
        if not token:
            return ids


def test_databricks_keeps_at_most_max_runs_and_never_evicts_active_runs(capped: RunningServer) -> None:
    with session(capped, "cap-databricks") as http:
        load(http, STUCK_DATABRICKS)
        stuck = [databricks_submit(http, f"stuck-{i}") for i in range(STUCK)]
        made = []
        for i in range(CREATED):
            made.append(databricks_submit(http, f"quick-{i}"))
            advance(http, "5s")  # the default plan ends a run in about 1 s
            listed = databricks_listed(http) if i % 40 == 0 else []
            assert len(listed) <= CAP
        check_evictions(stuck, made, lambda run_id: databricks_exists(http, run_id), databricks_listed(http))
        listed = http.get(f"{DATABRICKS}/runs/list", params={"active_only": True, "limit": 25}).json()["runs"]
        assert {str(run["run_id"]) for run in listed} == set(stuck)


def test_databricks_job_runs_are_capped_per_job_list_too(capped: RunningServer) -> None:
    with session(capped, "cap-databricks-job") as http:
        job_id = http.post(f"{DATABRICKS}/create", json={"name": "nightly", "tasks": [TASK]}).json()["job_id"]
        made = []
        for _ in range(CREATED):
            reply = http.post(f"{DATABRICKS}/run-now", json={"job_id": job_id})
            made.append(str(reply.json()["run_id"]))
            advance(http, "5s")
        by_job = []
        token = None
        while True:
            params: dict[str, Any] = {"job_id": job_id, "limit": 25} | ({"page_token": token} if token else {})
            page = http.get(f"{DATABRICKS}/runs/list", params=params).json()
            by_job += [str(run["run_id"]) for run in page.get("runs", [])]
            token = page.get("next_page_token")
            if not token:
                break
        assert len(by_job) <= CAP and by_job == made[::-1][: len(by_job)]
        assert not databricks_exists(http, made[0])
        assert http.get(f"{DATABRICKS}/get", params={"job_id": job_id}).status_code == 200  # jobs are never evicted


def test_databricks_forgets_runs_60_days_after_they_ended(capped: RunningServer) -> None:
    with session(capped, "retention-databricks") as http:
        load(http, STUCK_DATABRICKS)
        old = databricks_submit(http, "old")
        stuck = databricks_submit(http, "stuck-forever")
        token_run = http.post(
            f"{DATABRICKS}/runs/submit", json={"run_name": "once", "tasks": [TASK], "idempotency_token": "once-1"}
        ).json()["run_id"]
        advance(http, "30d")
        newer = databricks_submit(http, "newer")
        advance(http, "29d")  # `old` ended 59 days ago: still there
        assert databricks_exists(http, old)
        advance(http, "2d")  # 61 days
        assert not databricks_exists(http, old)
        assert str(token_run) not in databricks_listed(http)
        assert databricks_exists(http, newer)  # ended 31 days ago
        assert databricks_exists(http, stuck)  # 61 days old but still running: active runs are never dropped
        listed = databricks_listed(http)
        assert listed == [newer, stuck]
        # The token went with its run: it may be used again.
        again = http.post(
            f"{DATABRICKS}/runs/submit", json={"run_name": "once", "tasks": [TASK], "idempotency_token": "once-1"}
        )
        assert again.status_code == 200 and again.json()["run_id"] != token_run
        http.post(f"{DATABRICKS}/runs/cancel", json={"run_id": int(stuck)}).raise_for_status()
        advance(http, "59d")
        assert databricks_exists(http, stuck)  # ended 59 days ago
        assert not databricks_exists(http, newer)  # ended 90 days ago
        advance(http, "2d")
        assert not databricks_exists(http, stuck)


# --- Collibra Data Quality ---------------------------------------------------------------------------------------
DQ = "/rest/dq/1.0"
DQ_SCENARIO = """
jobsim: 1
name: cap
api: collibra-dq
plans:
  - match: {name: stuck_job}
    steps:
      - {state: WAITING}
data:
  jobs:
    - {name: quick_job, type: PUSHDOWN}
    - {name: stuck_job, type: PUSHDOWN}
"""


def dq_run(http: httpx.Client, job: str) -> str:
    reply = http.post(f"{DQ}/jobs/{job}/run", json={})
    assert reply.status_code == 202, reply.text
    return str(reply.json()["jobRunId"])


def dq_exists(http: httpx.Client, run_id: str) -> bool:
    reply = http.get(f"{DQ}/jobRuns/{run_id}")
    if reply.status_code == 404:
        assert reply.json()["errorCode"] == "jobRunNotFound"
        return False
    assert reply.status_code == 200, reply.text
    return True


def test_collibra_dq_keeps_at_most_max_runs(capped: RunningServer) -> None:
    with session(capped, "cap-dq") as http:
        load(http, DQ_SCENARIO)
        stuck = [dq_run(http, "stuck_job") for _ in range(STUCK)]
        made = []
        for _ in range(CREATED):
            made.append(dq_run(http, "quick_job"))
            advance(http, "5s")
        page = http.get(f"{DQ}/jobRuns", params={"limit": 1000}).json()
        assert page["total"] <= CAP
        check_evictions(stuck, made, lambda run_id: dq_exists(http, run_id), [r["jobRunId"] for r in page["results"]])


HELD_DATABRICKS = """
jobsim: 1
name: held
api: databricks
plans:
  - match: {name: "held"}
    steps:
      - {state: PENDING, for: 1s}
      - {state: RUNNING, for: 1h}
      - {state: TERMINATED, result: SUCCESS}
"""


def test_databricks_running_and_queued_runs_over_the_cap_stay_until_they_end(capped: RunningServer) -> None:
    with session(capped, "cap-databricks-queue") as http:
        load(http, HELD_DATABRICKS)
        settings = {"name": "held", "max_concurrent_runs": 5, "tasks": [TASK]}
        job_id = http.post("/api/2.2/jobs/create", json=settings).json()["job_id"]
        held = [
            str(http.post(f"{DATABRICKS}/run-now", json={"job_id": job_id}).json()["run_id"]) for _ in range(CAP + 30)
        ]
        advance(http, "30m")  # five running, the rest queued: every one is kept though the store is over its cap
        assert all(databricks_exists(http, run_id) for run_id in held)
        states = [http.get(f"{DATABRICKS}/runs/get", params={"run_id": r}).json()["state"] for r in held]
        assert [s["life_cycle_state"] for s in states] == ["RUNNING"] * 5 + ["QUEUED"] * (CAP + 25)
        advance(http, "20h")  # one hour each, five at a time: all of them ended
        assert databricks_exists(http, held[-1])  # reading a run of the job brings its queue up to date
        made = [databricks_submit(http, f"quick-{i}") for i in range(10)]
        listed = databricks_listed(http)
        assert len(listed) <= CAP
        assert set(made) <= set(listed)
        assert not any(databricks_exists(http, run_id) for run_id in held[:20])  # the oldest ended runs went first


def test_databricks_evicts_job_runs_that_ended_unread_once_their_time_came(capped: RunningServer) -> None:
    with session(capped, "cap-databricks-unread") as http:
        load(http, HELD_DATABRICKS)
        settings = {"name": "held", "max_concurrent_runs": CAP + 30, "tasks": [TASK]}
        job_id = http.post("/api/2.2/jobs/create", json=settings).json()["job_id"]
        # One more than the limit: the job's runs are then tracked by when each can next change (one waits queued).
        held = [
            str(http.post(f"{DATABRICKS}/run-now", json={"job_id": job_id}).json()["run_id"]) for _ in range(CAP + 31)
        ]
        made = [databricks_submit(http, f"quick-{i}") for i in range(10)]
        assert all(databricks_exists(http, run_id) for run_id in held[:10])  # running for an hour: kept over the cap
        advance(http, "2h")  # the running ones ended, unread
        made += [databricks_submit(http, f"quick-late-{i}") for i in range(10)]
        listed = databricks_listed(http)
        assert len(listed) <= CAP and set(made[-10:]) <= set(listed)
        assert not any(databricks_exists(http, run_id) for run_id in held[:20])


def test_a_backrun_of_active_runs_may_exceed_the_cap_but_is_never_cut(capped: RunningServer) -> None:
    with session(capped, "cap-dq-backrun") as http:
        load(http, DQ_SCENARIO)
        first = dq_run(http, "quick_job")
        advance(http, "5s")
        reply = http.post(f"{DQ}/jobs/stuck_job/run", json={"backrun": {"timeBin": "DAY", "binValue": CAP + 10}})
        assert reply.status_code == 202
        page = http.get(f"{DQ}/jobRuns", params={"limit": 1000}).json()
        assert page["total"] == CAP + 11  # every run of the backrun is active: none may go
        assert not dq_exists(http, first)  # the one ended run did


# --- Collibra DGC (no create endpoint: jobs come from scenario data) ---------------------------------------------
DGC = "/rest/2.0/jobs"


def dgc_scenario(stuck: list[str], made: list[str]) -> str:
    lines = [
        "jobsim: 1",
        "name: cap",
        "api: collibra-dgc",
        "plans:",
        "  - name: hold",
        "    named_only: true",
        "    steps:",
        "      - {state: RUNNING}",
        "data:",
        "  jobs:",
    ]
    lines += [
        f"    - {{name: stuck-{i}, type: IMPORT, id: {job_id}, ago: 2h, plan: hold}}" for i, job_id in enumerate(stuck)
    ]
    lines += [f"    - {{name: quick-{i}, type: IMPORT, id: {job_id}, ago: 1h}}" for i, job_id in enumerate(made)]
    return "\n".join(lines) + "\n"


def dgc_exists(http: httpx.Client, job_id: str) -> bool:
    reply = http.get(f"{DGC}/{job_id}")
    if reply.status_code == 404:
        assert reply.json()["errorCode"] == "jobNotFound"
        return False
    assert reply.status_code == 200, reply.text
    return True


def test_collibra_dgc_keeps_at_most_max_runs(capped: RunningServer) -> None:
    with session(capped, "cap-dgc") as http:
        stuck = [str(uuid.uuid4()) for _ in range(STUCK)]
        made = [str(uuid.uuid4()) for _ in range(CREATED)]
        load(http, dgc_scenario(stuck, made))
        page = http.get(DGC, params={"limit": 1000, "sortField": "CREATED_ON", "sortOrder": "ASC"}).json()
        assert page["total"] <= CAP
        check_evictions(stuck, made, lambda job_id: dgc_exists(http, job_id), [j["id"] for j in page["results"]])


# --- DQOps -------------------------------------------------------------------------------------------------------
DQOPS = "/api/jobs"
STUCK_DQOPS = """
jobsim: 1
name: stuck
api: dqops
plans:
  - match: {business_key: "stuck-*"}
    steps:
      - {state: queued, for: 1s}
      - {state: running}
"""


def dqops_start(http: httpx.Client, key: str | None = None) -> str:
    params: dict[str, Any] = {"wait": False} | ({"jobBusinessKey": key} if key else {})
    reply = http.post(f"{DQOPS}/runchecks", params=params, json={})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["jobId"]["jobId"])


def dqops_exists(http: httpx.Client, job_id: str) -> bool:
    reply = http.get(f"{DQOPS}/jobs/{job_id}")
    if reply.status_code == 404:
        assert reply.content == b""  # DQOps answers an unknown job with an empty 404
        return False
    assert reply.status_code == 200, reply.text
    return True


def test_dqops_keeps_at_most_max_runs_and_bounds_the_change_feed(capped: RunningServer) -> None:
    with session(capped, "cap-dqops") as http:
        load(http, STUCK_DQOPS)
        first_sequence = http.get(f"{DQOPS}/jobs").json()["lastSequenceNumber"]
        stuck = [dqops_start(http, f"stuck-{i}") for i in range(STUCK)]
        made = []
        for _ in range(CREATED):
            made.append(dqops_start(http))
            advance(http, "2s")  # the default plan ends a job in 1.5 s; changes are kept 300 s
        jobs = http.get(f"{DQOPS}/jobs").json()["jobs"]
        listed = [str(job["jobId"]["jobId"]) for job in jobs]
        check_evictions(stuck, made, lambda job_id: dqops_exists(http, job_id), listed)
        changes = http.get(f"{DQOPS}/jobchangessince/{first_sequence}").json()["jobChanges"]
        assert 0 < len(changes) <= CAP


# --- CDQ ----------------------------------------------------------------------------------------------------------
CDQ = "/v2/jobs"
STUCK_CDQ = """
jobsim: 1
name: stuck
api: cdq
plans:
  - match: {name: "stuck-*"}
    steps:
      - {state: CREATED}
"""


def cdq_create(http: httpx.Client, name: str, **fields: Any) -> str:
    reply = http.post(CDQ, json={"type": "DATA_CURATION_JOB", "name": name, **fields})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def cdq_exists(http: httpx.Client, job_id: str) -> bool:
    reply = http.get(f"{CDQ}/{job_id}")
    if reply.status_code == 404:
        assert reply.json()["status"] == 404
        return False
    assert reply.status_code == 200, reply.text
    return True


def cdq_listed(http: httpx.Client) -> tuple[list[str], int]:
    ids: list[str] = []
    total = 0
    after = None
    while True:
        params: dict[str, Any] = {"limit": 100, "sort": "createdAt", "featuresOn": "NUMBER_OF_TOTAL"}
        page = http.get(CDQ, params=params | ({"startAfter": after} if after else {})).json()
        ids += [job["id"] for job in page["jobs"]]
        total = page["total"]
        after = page.get("nextStartAfter")
        if not after:
            return ids, total


def test_cdq_keeps_at_most_max_runs(capped: RunningServer) -> None:
    with session(capped, "cap-cdq") as http:
        load(http, STUCK_CDQ)
        stuck = [cdq_create(http, f"stuck-{i}") for i in range(STUCK)]
        made = []
        for i in range(CREATED):
            made.append(cdq_create(http, f"quick-{i}"))
            advance(http, "5s")
        listed, total = cdq_listed(http)
        assert total == len(listed)
        check_evictions(stuck, made, lambda job_id: cdq_exists(http, job_id), listed)


def test_cdq_a_job_waiting_on_an_evicted_job_still_learns_it_finished(capped: RunningServer) -> None:
    with session(capped, "cap-cdq-dependency") as http:
        upstream = cdq_create(http, "upstream")
        waiting = cdq_create(http, "downstream", jobDependencies=[{"jobId": upstream}])  # WAITING on upstream
        for i in range(CREATED):
            cdq_create(http, f"filler-{i}")
            advance(http, "5s")
        assert not cdq_exists(http, upstream)
        reply = http.get(f"{CDQ}/{waiting}")
        if reply.status_code == 200:  # it may have been evicted itself once it ended: both are fine
            assert reply.json()["jobStatus"] == "FINISHED"


def test_cdq_forgets_ended_jobs_at_their_expiry(capped: RunningServer) -> None:
    with session(capped, "retention-cdq") as http:
        load(http, STUCK_CDQ)
        old = cdq_create(http, "old")
        stuck = cdq_create(http, "stuck-forever")
        expires = http.get(f"{CDQ}/{old}").json()["expiresAt"]
        advance(http, "15d")
        newer = cdq_create(http, "newer")
        advance(http, "14d")
        assert cdq_exists(http, old)
        advance(http, "2d")  # past `old`'s expiresAt (createdAt + 30 days)
        assert not cdq_exists(http, old), expires
        assert cdq_exists(http, newer)
        assert cdq_exists(http, stuck)  # expired but still running: active jobs are never dropped
        assert cdq_listed(http) == ([stuck, newer], 2)


# --- the cap's cost and its switch ----------------------------------------------------------------------------------
def test_trimming_cost_stays_flat_even_with_more_active_items_than_the_cap() -> None:
    from simulator.engine.store import Store

    store: Store[int, bool] = Store()
    checks = [0]

    def evictable(active: bool) -> bool:
        checks[0] += 1
        return not active

    per_block = []
    for block in range(4):
        before = checks[0]
        for i in range(block * 10_000, (block + 1) * 10_000):
            store.add(i, i < 2_000)  # the first 2,000 stay active for good: twice the cap
            store.trim(1_000, evictable)
            assert len(store) <= 2_000 + 100  # over the cap only by the active items, plus the slack
        per_block.append((checks[0] - before) / 10_000)
    # A store full of active items is scanned once per `limit * slack` additions, not once per addition (which
    # would be 2,000 checks each): about (active + slack) / (limit * slack) checks per addition, however many came.
    assert per_block[3] < 25
    assert per_block[3] <= per_block[1] * 1.1


def test_serve_takes_max_runs() -> None:
    from simulator.cli import build_parser

    assert build_parser().parse_args(["serve", "--max-runs", "50"]).max_runs == 50
    assert build_parser().parse_args(["serve"]).max_runs == 10_000
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--max-runs", "0"])


def test_a_snapshot_from_before_the_retention_fields_still_loads(capped: RunningServer) -> None:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("swept_at", "_trim_at")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    with session(capped, "snapshot-old") as http:
        run_id = databricks_submit(http, "kept")
        snapshot = strip(http.get("/_sim/state").json())
    with session(capped, "snapshot-restored") as http:
        assert http.put("/_sim/state", json=snapshot).status_code == 200
        assert databricks_listed(http) == [run_id]
        for i in range(CAP + 5):
            databricks_submit(http, f"more-{i}")
            advance(http, "5s")
        assert len(databricks_listed(http)) <= CAP
