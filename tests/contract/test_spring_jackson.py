"""The Spring services (Collibra DQ and DGC, DQOps, CDQ) read request JSON with Jackson's defaults: "5" for an
integer, "true" for a boolean, a number for a String, `null` as an absent optional member, unknown members ignored
(Spring Boot's FAIL_ON_UNKNOWN_PROPERTIES=false) except where the seed's schema closes the object (Collibra DQ's
run request). What Jackson refuses still gets the vendor's 400 naming the field."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.collibra import dgc_data
from tests.support import RunningServer, running_server

DQ = "/rest/dq/1.0"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=11, speed=50) as running:
        running.load(dgc_data.SCENARIO)
        yield running


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def refused(reply: httpx.Response, field: str) -> str:
    assert reply.status_code == 400, reply.text
    assert field in reply.text, reply.text
    return reply.text


def test_collibra_dq_coerces_but_keeps_its_closed_run_request(http: httpx.Client) -> None:
    body = {"runDate": {"kind": "DATE", "value": "2024-03-05"}, "backrun": {"timeBin": "DAY", "binValue": "2"}}
    first = http.post(f"{DQ}/jobs/customer_orders_dq/run", json=body)
    assert first.status_code == 202, first.text
    runs = http.get(f"{DQ}/jobRuns", params={"jobName": "customer_orders_dq", "nameMatchMode": "EXACT"}).json()
    assert {"2024-03-05", "2024-03-04", "2024-03-03"} <= {r["runDate"]["value"][:10] for r in runs["results"]}
    nulls = http.post(f"{DQ}/jobs/customer_orders_dq/run", json={"runDate": None, "runDateEnd": None, "backrun": None})
    assert nulls.status_code == 202, nulls.text
    # The seed's schema declares additionalProperties: false on the run request: an unknown member stays a 400.
    refused(http.post(f"{DQ}/jobs/customer_orders_dq/run", json={"priority": 1}), "priority")
    refused(
        http.post(f"{DQ}/jobs/customer_orders_dq/run", json={"backrun": {"timeBin": "DAY", "binValue": "two"}}),
        "binValue",
    )


def test_collibra_dgc_reads_a_number_as_the_cancel_message(http: httpx.Client) -> None:
    reply = http.post(f"/rest/2.0/jobs/{dgc_data.SYNC_HR}/canceled", json={"message": 42, "reason": "unknown member"})
    assert reply.status_code == 202, reply.text
    refused(http.post(f"/rest/2.0/jobs/{dgc_data.SYNC_CRM}/canceled", json={"message": {"text": "x"}}), "message")


def test_dqops_coerces_scalars_drops_nulls_and_ignores_unknown_members(http: httpx.Client) -> None:
    body = {
        "check_search_filters": {"enabled": "true", "maxResults": "10", "connection": None},
        "time_window_filter": None,
        "dummy_execution": "TRUE",
        "sent_by_a_newer_client": {"anything": 1},
    }
    reply = http.post("/api/jobs/runchecks", json=body, params={"wait": "false"})
    assert reply.status_code == 200, reply.text
    job = http.get(f"/api/jobs/jobs/{reply.json()['jobId']['jobId']}").json()
    parameters = job["parameters"]["runChecksParameters"]
    assert parameters["check_search_filters"]["enabled"] is True
    assert parameters["check_search_filters"]["maxResults"] == 10
    assert parameters["dummy_execution"] is True
    assert "sent_by_a_newer_client" not in parameters
    refused(
        http.post("/api/jobs/importtables", json={"tablesImportLimit": "ten"}, params={"wait": "false"}),
        "tablesImportLimit",
    )
    refused(http.post("/api/jobs/synchronize", json={"sources": "yes"}, params={"wait": "false"}), "sources")


def test_cdq_coerces_numbers_and_strings(http: httpx.Client) -> None:
    body = {
        "type": "DATA_CURATION_JOB",
        "name": 2024,
        "description": None,
        "resourceRequest": {"memoryLimit": "512", "cpuLimit": "0.5"},
        "notAField": True,
    }
    created = http.post("/v2/jobs", json=body)
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["name"] == "2024"
    assert "description" not in job or job["description"] is None
    refused(
        http.post("/v2/jobs", json={"type": "DATA_CURATION_JOB", "resourceRequest": {"memoryLimit": "lots"}}),
        "memoryLimit",
    )
