"""DQOps over raw HTTP: every error path answers a SpringErrorPayload naming the field, with Spring's status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest
import yaml

from simulator.exchange import ApiError
from simulator.vendors.dqops.errors import render_error
from tests.support import RunningServer, running_server

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "specs" / "dqops-jobs.yaml").read_text())
PAYLOAD_SCHEMA = SPEC["components"]["schemas"]["SpringErrorPayload"]


@pytest.fixture(scope="module")
def small() -> Iterator[RunningServer]:
    with running_server(apis=("dqops",), max_body=1024, auth_tokens=frozenset({"s3cr3t"})) as running:
        yield running


@pytest.fixture(scope="module")
def http(small: RunningServer) -> httpx.Client:
    return small.client(headers={"Authorization": "Bearer s3cr3t"})


def spring_error(reply: httpx.Response, status: int, error: str, path: str) -> str:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    jsonschema.validate(body, PAYLOAD_SCHEMA)
    assert set(body) == {"timestamp", "status", "error", "exception", "message", "path"}
    assert body["status"] == status and body["error"] == error and body["path"] == path
    assert isinstance(body["timestamp"], int) and body["timestamp"] > 1_600_000_000_000
    return str(body["message"])


def test_wrong_query_type_names_the_parameter(http: httpx.Client) -> None:
    reply = http.post("/api/jobs/runchecks", params={"waitTimeout": "soon"}, json={})
    message = spring_error(reply, 400, "Bad Request", "/api/jobs/runchecks")
    assert "waitTimeout" in message and "integer" in message
    assert reply.json()["exception"].endswith("MethodArgumentTypeMismatchException")


def test_negative_wait_timeout_and_bad_boolean(http: httpx.Client) -> None:
    message = spring_error(
        http.get("/api/jobs/jobs/1/wait", params={"waitTimeout": -1}), 400, "Bad Request", "/api/jobs/jobs/1/wait"
    )
    assert "waitTimeout" in message
    message = spring_error(
        http.post("/api/jobs/importtables", params={"wait": "maybe"}), 400, "Bad Request", "/api/jobs/importtables"
    )
    assert "'wait'" in message


def test_bad_path_number_names_it(http: httpx.Client) -> None:
    reply = http.get("/api/jobs/jobchangessince/latest")
    message = spring_error(reply, 400, "Bad Request", "/api/jobs/jobchangessince/latest")
    assert "sequenceNumber" in message


def test_malformed_json_body(http: httpx.Client) -> None:
    reply = http.post(
        "/api/jobs/runchecks", content=b'{"check_search_filters": ', headers={"Content-Type": "application/json"}
    )
    message = spring_error(reply, 400, "Bad Request", "/api/jobs/runchecks")
    assert "JSON" in message
    assert reply.json()["exception"].endswith("HttpMessageNotReadableException")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/jobs/runchecks", {"check_search_filters": {"enabled": "yes"}}, "check_search_filters.enabled"),
        ("/api/jobs/runchecks", {"execution_target": "everything"}, "execution_target"),
        ("/api/jobs/runchecks", {"check_search_filters": {"checkType": "Profiling"}}, "checkType"),
        ("/api/jobs/collectstatistics/table", {"columnNames": "id"}, "columnNames"),
        ("/api/jobs/collecterrorsamples", {"data_scope": "everything"}, "data_scope"),
        # Jackson reads a number into a String (["1", "2"]), never an object.
        ("/api/jobs/importtables", {"tableNames": [{"name": "t"}]}, "tableNames"),
        ("/api/jobs/deletestoreddata", {"dateStart": "yesterday"}, "dateStart"),
        ("/api/jobs/synchronize", {"direction": "sideways"}, "direction"),
        ("/api/jobs/runchecks", ["not", "an", "object"], "(body)"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(http: httpx.Client, path: str, body: object, field: str) -> None:
    message = spring_error(http.post(path, json=body, params={"wait": "false"}), 400, "Bad Request", path)
    assert field in message


def test_bad_bodies_queue_no_job(http: httpx.Client) -> None:
    before = http.get("/api/jobs/jobs").json()["lastSequenceNumber"]
    http.post("/api/jobs/runchecks", json={"dummy_execution": "no"})
    assert http.get("/api/jobs/jobs").json()["lastSequenceNumber"] == before


def test_unsupported_media_type(http: httpx.Client) -> None:
    reply = http.post("/api/jobs/runchecks", content=b"<x/>", headers={"Content-Type": "application/xml"})
    assert "application/xml" in spring_error(reply, 400, "Bad Request", "/api/jobs/runchecks")


def test_unknown_path_under_the_api_is_a_spring_404(http: httpx.Client) -> None:
    reply = http.get("/api/jobs/nosuch")
    assert "/api/jobs/nosuch" in spring_error(reply, 404, "Not Found", "/api/jobs/nosuch")


def test_unknown_job_is_a_404_with_an_empty_body(http: httpx.Client) -> None:
    for path in (
        "/api/jobs/jobs/77",
        "/api/jobs/jobs/77/wait",
        "/api/jobs/runchecks/x/wait",
        "/api/jobs/collecterrorsamples/x/wait",
    ):
        reply = http.get(path, params={"waitTimeout": 0} if path.endswith("wait") else None)
        assert reply.status_code == 404 and reply.content == b""


def test_wrong_method_is_a_405_with_allow(http: httpx.Client) -> None:
    reply = http.put("/api/jobs/jobs/5")
    message = spring_error(reply, 405, "Method Not Allowed", "/api/jobs/jobs/5")
    assert "PUT" in message
    assert set(reply.headers["allow"].split(", ")) == {"GET", "DELETE"}
    spring_error(
        http.get("/api/jobs/scheduler/status/start"), 405, "Method Not Allowed", "/api/jobs/scheduler/status/start"
    )


def test_too_large_body_is_a_413(http: httpx.Client) -> None:
    reply = http.post("/api/jobs/runchecks", json={"check_search_filters": {"connection": "x" * 2000}})
    message = spring_error(reply, 413, "Payload Too Large", "/api/jobs/runchecks")
    assert "1024" in message


def test_missing_or_wrong_token_is_a_401(small: RunningServer) -> None:
    with small.client() as anonymous:
        spring_error(anonymous.get("/api/jobs/jobs"), 401, "Unauthorized", "/api/jobs/jobs")
    with small.client(headers={"Authorization": "Bearer wrong"}) as wrong:
        spring_error(
            wrong.post("/api/jobs/scheduler/status/stop"), 401, "Unauthorized", "/api/jobs/scheduler/status/stop"
        )


def test_successful_non_object_answers(http: httpx.Client) -> None:
    assert http.get("/api/jobs/scheduler/isrunning").json() is True
    reply = http.post("/api/jobs/scheduler/status/stop")
    assert reply.status_code == 200 and reply.json() == {}
    assert http.get("/api/jobs/scheduler/isrunning").json() is False
    reply = http.delete("/api/jobs/jobs/nothing-here")
    assert reply.status_code == 204 and reply.content == b""


def test_internal_error_body_matches_the_document() -> None:
    # A 500 needs a fault inside a handler, which no request can cause; check the rendering itself.
    reply = render_error(ApiError(500, "jobsim: internal error", kind="internal"), None)
    assert reply.status == 500
    jsonschema.validate(reply.body, PAYLOAD_SCHEMA)
    assert reply.body["error"] == "Internal Server Error"
    assert reply.body["exception"] == "com.dqops.core.jobqueue.exceptions.DqoQueueJobExecutionException"
