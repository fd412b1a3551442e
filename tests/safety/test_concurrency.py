"""200 concurrent clients across all five APIs: no run lost or duplicated, ids unique, sequences growing, every
run terminal in a state its lifecycle allows — checked afterwards from the outside (lists, change feed, journal)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.support import RunningServer, running_server

pytestmark = pytest.mark.slow  # a load test: 200 concurrent clients: CI runs it in the slow step

CLIENTS = 200
DB = "/api/2.2/jobs"


async def databricks(http: httpx.AsyncClient, made: dict[str, list[Any]], index: int) -> None:
    job = (
        await http.post(
            f"{DB}/create",
            json={
                "name": f"load-{index}",
                "max_concurrent_runs": 100,
                "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/x"}}],
            },
        )
    ).json()
    runs = [(await http.post(f"{DB}/run-now", json={"job_id": job["job_id"]})).json()["run_id"] for _ in range(2)]
    runs.append(
        (await http.post(f"{DB}/runs/submit", json={"run_name": f"adhoc-{index}", "tasks": []})).json()["run_id"]
    )
    await http.post(f"{DB}/runs/cancel", json={"run_id": runs[0]})
    for run_id in runs:
        assert (await http.get(f"{DB}/runs/get", params={"run_id": run_id})).status_code == 200
    made["databricks"].extend(runs)


async def collibra_dq(http: httpx.AsyncClient, made: dict[str, list[Any]], index: int) -> None:
    ids = []
    for _ in range(2):
        reply = await http.post("/rest/dq/1.0/jobs/customer_orders_dq/run")
        assert reply.status_code == 202, reply.text
        ids.append(reply.json()["jobRunId"])
    cancel = await http.post(f"/rest/dq/1.0/jobRuns/{ids[0]}/cancel")
    # at speed 20 the run may have finished already: Collibra refuses to cancel a finished run
    assert cancel.status_code == 200 or cancel.json()["errorCode"] == "jobRunNotCancellable", cancel.text
    for run_id in ids:
        assert (await http.get(f"/rest/dq/1.0/jobRuns/{run_id}")).status_code == 200
    made["collibra-dq"].extend(ids)


async def dqops(http: httpx.AsyncClient, made: dict[str, list[Any]], index: int) -> None:
    ids = []
    for _ in range(2):
        reply = await http.post(
            "/api/jobs/runchecks", params={"wait": "false"}, json={"check_search_filters": {"connection": f"c{index}"}}
        )
        assert reply.status_code == 200, reply.text
        ids.append(reply.json()["jobId"]["jobId"])
    assert (await http.delete(f"/api/jobs/jobs/{ids[0]}")).status_code == 204
    for job_id in ids:
        assert (await http.get(f"/api/jobs/jobs/{job_id}")).status_code == 200
    made["dqops"].extend(ids)


async def cdq(http: httpx.AsyncClient, made: dict[str, list[Any]], index: int) -> None:
    ids = []
    for _ in range(2):
        reply = await http.post("/v2/jobs", json={"type": "DATA_CURATION_JOB", "name": f"load-{index}"})
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    for job_id in ids:
        assert (await http.get(f"/v2/jobs/{job_id}")).status_code == 200
    made["cdq"].extend(ids)


async def collibra_dgc(http: httpx.AsyncClient, made: dict[str, list[Any]], index: int) -> None:
    listing = (await http.get("/rest/2.0/jobs", params={"limit": 5})).json()
    for job in listing["results"][:2]:
        assert (await http.get(f"/rest/2.0/jobs/{job['id']}")).status_code == 200
    assert (await http.get("/rest/jobs/v1/jobs")).status_code == 200


FLOWS = [databricks, collibra_dq, dqops, cdq, collibra_dgc]


async def hammer(server: RunningServer) -> dict[str, list[Any]]:
    made: dict[str, list[Any]] = {"databricks": [], "collibra-dq": [], "dqops": [], "cdq": []}
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as http:
        await asyncio.gather(*(FLOWS[i % len(FLOWS)](http, made, i) for i in range(CLIENTS)))
    return made


def all_pages(
    http: httpx.Client, path: str, params: dict[str, Any], items: str, token_in: str, token_out: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token = None
    for _ in range(10_000):
        reply = http.get(path, params=params | ({token_in: token} if token else {}))
        assert reply.status_code == 200, reply.text
        body = reply.json()
        out.extend(body.get(items, []))
        token = body.get(token_out)
        if not token:
            return out
    raise AssertionError("paging did not end")


def test_two_hundred_concurrent_clients_lose_and_duplicate_nothing() -> None:
    with running_server(seed=5, speed=20, journal_size=50_000) as server:
        started = time.monotonic()
        made = asyncio.run(hammer(server))
        assert time.monotonic() - started < 120
        http = server.client()
        time.sleep(0.5)  # at speed 20 every run of the default plans has ended by now
        for api, ids in made.items():
            assert len(ids) == len(set(ids)), f"{api}: duplicate ids {[i for i, n in Counter(ids).items() if n > 1]}"

        runs = all_pages(http, f"{DB}/runs/list", {"limit": 25}, "runs", "page_token", "next_page_token")
        listed = Counter(r["run_id"] for r in runs)
        assert all(listed[run_id] == 1 for run_id in made["databricks"])
        assert len(listed) == sum(listed.values())
        states = {r["run_id"]: (r["state"]["life_cycle_state"], r["state"].get("result_state")) for r in runs}
        assert {states[i] for i in made["databricks"]} <= {("TERMINATED", "SUCCESS"), ("TERMINATED", "CANCELED")}

        search = http.get(
            "/rest/dq/1.0/jobRuns", params={"limit": 1000, "jobName": "customer_orders_dq", "nameMatchMode": "EXACT"}
        ).json()
        dq = Counter(r["jobRunId"] for r in search["results"])
        assert all(dq[run_id] == 1 for run_id in made["collibra-dq"])
        assert {r["status"] for r in search["results"] if r["jobRunId"] in set(made["collibra-dq"])} <= {
            "FINISHED",
            "CANCELLED",
        }

        snapshot = http.get("/api/jobs/jobs").json()
        dq_jobs = {j["jobId"]["jobId"]: j["status"] for j in snapshot["jobs"]}
        assert {dq_jobs[i] for i in made["dqops"]} <= {"finished", "cancelled"}
        changes = http.get("/api/jobs/jobchangessince/0").json()["jobChanges"]
        sequences = [c["changeSequence"] for c in changes]
        assert sequences == sorted(set(sequences)), "change sequence numbers must strictly grow"

        cdq_jobs = all_pages(http, "/v2/jobs", {"limit": 100}, "jobs", "startAfter", "nextStartAfter")
        cdq_ids = Counter(j["id"] for j in cdq_jobs)
        assert all(cdq_ids[i] == 1 for i in made["cdq"])
        assert {j["jobStatus"] for j in cdq_jobs if j["id"] in set(made["cdq"])} == {"FINISHED"}

        journal = http.get("/_sim/requests", params={"limit": 100_000}).json()["requests"]
        by_api = Counter(e["api"] for e in journal)
        assert by_api["databricks"] >= 40 * 7 and by_api["collibra-dgc"] >= 40 * 3
        assert not [e for e in journal if e["status"] >= 500]
        seqs = [e["seq"] for e in journal]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
        assert list(itertools.islice(seqs, 1)) == [1]
