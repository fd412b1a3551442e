"""searchJobRuns against a scenario with 250 runs: filters, paging, order, and refused values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import yaml

from tests.collibra.helpers import DQ, error_of
from tests.support import running_server

JOBS = [
    ("sales_daily", "PUSHDOWN"),
    ("sales_weekly", "PULLUP"),
    ("Sales.Monthly", "PUSHDOWN"),
    ("hr_people", "PULLUP"),
    ("finance_eod", "PUSHDOWN"),
]
START = [{"state": "WAITING", "for": "1s"}, {"state": "DISPATCHED", "for": "1s"}, {"state": "SETUP", "for": "1s"}]
PLANS = {
    "done": ("FINISHED", [*START, {"state": "RUNNING", "for": "1s"}, {"state": "FINISHED"}]),
    "broken": ("FAILED", [{"state": "WAITING", "for": "1s"}, {"state": "FAILED", "message": "boom"}]),
    "stopped": ("CANCELLED", [{"state": "WAITING", "for": "2s"}, {"state": "CANCELLED"}]),
    "busy": ("RUNNING", [*START, {"state": "RUNNING"}]),
    "queued": ("WAITING", [{"state": "WAITING"}]),
}
COUNT = 250


@dataclass(frozen=True)
class Expected:
    index: int
    job: str
    job_type: str
    status: str


def build() -> tuple[str, list[Expected]]:
    runs, expected = [], []
    plan_names = list(PLANS)
    for i in range(COUNT):
        job, job_type = JOBS[i % len(JOBS)]
        plan = plan_names[(i // len(JOBS)) % len(plan_names)]
        runs.append({"job": job, "ago": f"{(COUNT - i) * 60}s", "plan": plan})
        expected.append(Expected(i, job, job_type, PLANS[plan][0]))
    document = {
        "jobsim": 1,
        "name": "search-250",
        "api": "collibra-dq",
        "plans": [{"name": name, "named_only": True, "steps": steps} for name, (_, steps) in PLANS.items()],
        "data": {"jobs": [{"name": name, "type": kind} for name, kind in JOBS], "runs": runs},
    }
    return yaml.safe_dump(document, sort_keys=False), expected


TEXT, EXPECTED = build()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with running_server(clock_mode="virtual", seed=5, apis=("collibra-dq",), load_defaults=False) as server:
        server.load(TEXT)
        with server.client() as client:
            yield client


def search(http: httpx.Client, **params: object) -> dict:
    reply = http.get(f"{DQ}/jobRuns", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture(scope="module")
def everything(http: httpx.Client) -> list[dict]:
    page = search(http, limit=1000)
    assert page["total"] == COUNT
    return list(page["results"])


def test_runs_come_newest_update_first(everything: list[dict]) -> None:
    updated = [run["updatedAt"] for run in everything]
    assert updated == sorted(updated, reverse=True)
    assert len({run["jobRunId"] for run in everything}) == COUNT
    # Runs were triggered a minute apart, so the newest trigger is the newest update.
    assert [run["jobName"] for run in everything[:5]] == [e.job for e in reversed(EXPECTED[-5:])]


def test_default_page_is_100(http: httpx.Client, everything: list[dict]) -> None:
    page = search(http)
    assert (page["limit"], page["offset"], page["total"]) == (100, 0, COUNT)
    assert page["results"] == everything[:100]


def test_pages_cover_every_run_once(http: httpx.Client, everything: list[dict]) -> None:
    collected: list[dict] = []
    for offset in range(0, COUNT, 40):
        page = search(http, limit=40, offset=offset)
        assert (page["limit"], page["offset"], page["total"]) == (40, offset, COUNT)
        collected.extend(page["results"])
    assert [r["jobRunId"] for r in collected] == [r["jobRunId"] for r in everything]
    assert len(search(http, limit=40, offset=240)["results"]) == 10


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"status": ["FAILED", "CANCELLED"]}, lambda e: e.status in ("FAILED", "CANCELLED")),
        ({"status": "WAITING"}, lambda e: e.status == "WAITING"),
        ({"jobName": "sales"}, lambda e: "sales" in e.job.lower()),
        ({"jobName": "SALES", "nameMatchMode": "CONTAINS"}, lambda e: "sales" in e.job.lower()),
        ({"jobName": "Sales.Monthly", "nameMatchMode": "EXACT"}, lambda e: e.job == "Sales.Monthly"),
        ({"jobName": "sales.monthly", "nameMatchMode": "EXACT"}, lambda e: False),
        ({"jobName": ""}, lambda e: True),
        ({"jobType": "PULLUP"}, lambda e: e.job_type == "PULLUP"),
        (
            {"jobName": "sales", "jobType": "PULLUP", "status": ["RUNNING", "FINISHED"]},
            lambda e: e.job == "sales_weekly" and e.status in ("RUNNING", "FINISHED"),
        ),
    ],
)
def test_filters(http: httpx.Client, params: dict, keep) -> None:
    wanted = [e for e in EXPECTED if keep(e)]
    page = search(http, limit=1000, **params)
    assert page["total"] == len(wanted)
    assert sorted((r["jobName"], r["status"]) for r in page["results"]) == sorted((e.job, e.status) for e in wanted)


def test_filtered_pages_keep_the_total(http: httpx.Client) -> None:
    failed = sum(e.status == "FAILED" for e in EXPECTED)
    first = search(http, status="FAILED", limit=7)
    second = search(http, status="FAILED", limit=7, offset=7)
    assert first["total"] == second["total"] == failed
    assert {r["status"] for r in first["results"] + second["results"]} == {"FAILED"}
    assert not {r["jobRunId"] for r in first["results"]} & {r["jobRunId"] for r in second["results"]}


def test_limit_zero_counts_only(http: httpx.Client) -> None:
    assert search(http, limit=0) == {"results": [], "total": COUNT, "offset": 0, "limit": 0}


def test_offset_past_the_end(http: httpx.Client) -> None:
    assert search(http, offset=5000) == {"results": [], "total": COUNT, "offset": 5000, "limit": 100}


def test_failed_runs_in_a_search_carry_their_exception(http: httpx.Client) -> None:
    for run in search(http, status="FAILED", limit=1000)["results"]:
        assert run["exception"] == "boom"
    assert all("exception" not in run for run in search(http, status="FINISHED")["results"])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 1001}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"status": "DONE"}, "status"),
        ({"status": ["WAITING"] * 21}, "status"),
        ({"nameMatchMode": "FUZZY"}, "nameMatchMode"),
        ({"jobType": "BATCH"}, "jobType"),
        ({"jobName": "x" * 256}, "jobName"),
    ],
)
def test_bad_query_values_are_400(http: httpx.Client, params: dict, name: str) -> None:
    message = error_of(http.get(f"{DQ}/jobRuns", params=params), 400, "invalidRequest")
    assert name in message
