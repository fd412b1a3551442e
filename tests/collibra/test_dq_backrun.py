"""Run dates and backruns: how many runs a trigger creates, and with which run dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.collibra.helpers import DQ, basic, error_of
from tests.support import RunningServer

JOBS = """\
jobsim: 1
name: backrun-jobs
api: collibra-dq
data:
  jobs:
    - {name: orders_ts, type: PUSHDOWN}
    - {name: orders_day, type: PULLUP, dateFormat: DATE}
"""


@pytest.fixture
def http(dq_server: RunningServer) -> Iterator[httpx.Client]:
    dq_server.reset()
    dq_server.load(JOBS)
    with dq_server.client(headers=basic("ana")) as client:
        yield client


def runs_of(http: httpx.Client, job: str) -> list[dict]:
    page = http.get(f"{DQ}/jobRuns", params={"jobName": job, "nameMatchMode": "EXACT", "limit": 1000}).json()
    assert page["total"] == len(page["results"])
    return list(page["results"])


def trigger(http: httpx.Client, job: str, body: dict) -> httpx.Response:
    reply = http.post(f"{DQ}/jobs/{job}/run", json=body)
    assert reply.status_code == 202, reply.text
    return reply


def test_day_backrun_creates_the_previous_days(http: httpx.Client) -> None:
    body = {"runDate": {"kind": "DATE", "value": "2024-03-05"}, "backrun": {"timeBin": "DAY", "binValue": 10}}
    reply = trigger(http, "orders_day", body)
    runs = runs_of(http, "orders_day")
    assert len(runs) == 11
    dates = sorted((run["runDate"]["value"] for run in runs), reverse=True)
    assert dates == [f"2024-03-0{d}" for d in range(5, 0, -1)] + [f"2024-02-{d}" for d in range(29, 23, -1)]
    assert {run["runDate"]["kind"] for run in runs} == {"DATE"}
    requested = next(run for run in runs if run["runDate"]["value"] == "2024-03-05")
    assert reply.json()["jobRunId"] == requested["jobRunId"]
    assert reply.headers["location"].endswith(f"/jobRuns/{requested['jobRunId']}")
    assert {run["status"] for run in runs} == {"WAITING"}
    assert len({run["startedBy"] for run in runs}) == 1
    assert len({run["startTime"] for run in runs}) == 1


def test_month_backrun_clamps_to_the_end_of_the_month(http: httpx.Client) -> None:
    body = {"runDate": {"kind": "DATE", "value": "2024-05-31"}, "backrun": {"timeBin": "MONTH", "binValue": 3}}
    trigger(http, "orders_day", body)
    dates = sorted((run["runDate"]["value"] for run in runs_of(http, "orders_day")), reverse=True)
    assert dates == ["2024-05-31", "2024-04-30", "2024-03-31", "2024-02-29"]


def test_year_backrun_of_a_timestamp_in_utc(http: httpx.Client) -> None:
    body = {
        "runDate": {"kind": "TIMESTAMP", "value": "2024-02-29T12:30:15.250+02:00"},
        "backrun": {"timeBin": "YEAR", "binValue": 2},
    }
    reply = trigger(http, "orders_ts", body)
    runs = runs_of(http, "orders_ts")
    assert sorted((run["runDate"]["value"] for run in runs), reverse=True) == [
        "2024-02-29T10:30:15Z",
        "2023-02-28T10:30:15Z",
        "2022-02-28T10:30:15Z",
    ]
    main = http.get(f"{DQ}/jobRuns/{reply.json()['jobRunId']}").json()
    assert main["runDate"] == {"kind": "TIMESTAMP", "value": "2024-02-29T10:30:15Z"}


def test_backfills_are_cancelled_one_by_one(http: httpx.Client) -> None:
    body = {"runDate": {"kind": "DATE", "value": "2024-01-10"}, "backrun": {"timeBin": "DAY", "binValue": 2}}
    requested = trigger(http, "orders_day", body).json()["jobRunId"]
    assert http.post(f"{DQ}/jobRuns/{requested}/cancel").status_code == 200
    statuses = {run["runDate"]["value"]: run["status"] for run in runs_of(http, "orders_day")}
    assert statuses == {"2024-01-10": "CANCELLED", "2024-01-09": "WAITING", "2024-01-08": "WAITING"}


def test_without_a_run_date_the_run_is_dated_now_in_the_jobs_format(
    http: httpx.Client, dq_server: RunningServer
) -> None:
    now = httpx.get(f"{dq_server.url}/_sim/clock").json()["now"]
    trigger(http, "orders_ts", {})
    trigger(http, "orders_day", {"backrun": None, "runDate": None})
    stamp = runs_of(http, "orders_ts")[0]["runDate"]
    day = runs_of(http, "orders_day")[0]["runDate"]
    moment = datetime.fromtimestamp(int(now), UTC)
    assert stamp == {"kind": "TIMESTAMP", "value": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert day == {"kind": "DATE", "value": moment.date().isoformat()}


def test_run_date_end_must_be_later(http: httpx.Client) -> None:
    body = {
        "runDate": {"kind": "TIMESTAMP", "value": "2024-01-02T00:00:00Z"},
        "runDateEnd": {"kind": "DATE", "value": "2024-01-02"},
    }
    assert "runDateEnd" in error_of(http.post(f"{DQ}/jobs/orders_ts/run", json=body), 400, "invalidRequest")
    body["runDateEnd"] = {"kind": "DATE", "value": "2024-01-03"}
    trigger(http, "orders_ts", body)
    assert len(runs_of(http, "orders_ts")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"backrun": {"timeBin": "DAY", "binValue": 1001}}, "binValue"),
        ({"backrun": {"timeBin": "DAY", "binValue": 0}}, "binValue"),
        ({"backrun": {"timeBin": "WEEK", "binValue": 1}}, "timeBin"),
        ({"backrun": {"timeBin": "DAY"}}, "binValue"),
        (
            {"runDate": {"kind": "DATE", "value": "0001-01-01"}, "backrun": {"timeBin": "DAY", "binValue": 1}},
            "binValue",
        ),
        ({"runDate": {"kind": "DATE", "value": "2024-02-30"}}, "runDate"),
        ({"runDate": {"kind": "DATE", "value": "2024-02-03T00:00:00Z"}}, "runDate"),
        ({"runDate": "2024-02-03"}, "runDate"),
        ({"runDate": {"kind": "TIMESTAMP", "value": "2024-02-03T00:00:00Z"}, "priority": 1}, "priority"),
    ],
)
def test_bad_bodies_create_nothing(http: httpx.Client, body: dict, field: str) -> None:
    message = error_of(http.post(f"{DQ}/jobs/orders_day/run", json=body), 400, "invalidRequest")
    assert field in message
    assert runs_of(http, "orders_day") == []


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("runDate", {"kind": "TIMESTAMP", "value": "2024-05-01T10:00:00"}, "e.g. 2024-05-01T10:00:00Z"),
        ("runDate", {"kind": "TIMESTAMP", "value": "2024-05-01"}, "e.g. 2024-05-01T10:00:00Z"),
        ("runDateEnd", {"kind": "TIMESTAMP", "value": "2024-05-01 10:00:00Z"}, "e.g. 2024-05-01T10:00:00Z"),
        ("runDate", {"kind": "DATE", "value": "2024-05-01T10:00:00Z"}, "yyyy-MM-dd, e.g. 2024-05-01"),
        ("runDateEnd", {"kind": "DATE", "value": "May 1st"}, "yyyy-MM-dd, e.g. 2024-05-01"),
        ("runDate", {"kind": "DAY", "value": "2024-05-01"}, "DATE or TIMESTAMP"),
        ("runDate", {"value": "2024-05-01"}, "runDate.kind"),
        ("runDateEnd", {"kind": "DATE"}, "runDateEnd.value"),
    ],
)
def test_a_bad_run_date_is_named_with_what_it_needs(http: httpx.Client, field: str, value: dict, expected: str) -> None:
    message = error_of(http.post(f"{DQ}/jobs/orders_ts/run", json={field: value}), 400, "invalidRequest")
    assert f"{field}." in message and expected in message, message
    assert "anyOf" not in message and "oneOf" not in message
    assert runs_of(http, "orders_ts") == []


def test_lowercase_t_and_z_are_rfc_3339_too(http: httpx.Client) -> None:
    body = {
        "runDate": {"kind": "TIMESTAMP", "value": "2024-05-01t10:00:00z"},
        "runDateEnd": {"kind": "TIMESTAMP", "value": "2024-05-01t12:30:00+02:00"},
    }
    trigger(http, "orders_ts", body)
    assert runs_of(http, "orders_ts")[0]["runDate"] == {"kind": "TIMESTAMP", "value": "2024-05-01T10:00:00Z"}
