"""Hostile input: every malformed request gets the vendor's own 4xx error body, never a 5xx, a hang or a reset.

For each of the five APIs, one body-taking and one query-taking operation get every kind of hostile input a careless
or malicious client sends: invalid JSON, a wrong content type, non-UTF-8 bytes, deep nesting, huge arrays and bodies,
huge query strings, repeated parameters, negative and overflowing integers, unknown enum values and ids of the wrong
kind. Where the problem is a field, the message names it. The Hypothesis test in test_hostile_bodies.py covers every
operation with random bodies.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.safety.vendor_errors import refused
from tests.support import RunningServer, running_server

MAX_BODY = 256 * 1024
INT64 = 2**63
INT32 = 2**31
HUGE = 50_000  # items in a huge array: well under MAX_BODY as JSON
LONG = 60_000  # characters in a huge query value: the whole URL stays under 64 KiB
_json = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Api:
    """One API: where its body and query operations are, and a hostile request per kind."""

    name: str
    body_op: tuple[str, str]  # method, path (with any query it needs)
    query_op: tuple[str, str]
    bodies: dict[str, tuple[Any, str]] = field(default_factory=dict)  # kind -> (JSON body, field named)
    queries: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind -> (raw query string, field named)
    wrong_id: tuple[str, str, int] = ("", "", 400)  # path with an id of the wrong kind, field named, status


APIS = [
    Api(
        "databricks",
        ("POST", "/api/2.2/jobs/run-now"),
        ("GET", "/api/2.2/jobs/runs/list"),
        bodies={
            "int64 overflow": ({"job_id": INT64}, "job_id"),
            "below int64": ({"job_id": -INT64 - 1}, "job_id"),
            "wrong type": ({"job_id": 1, "queue": {"enabled": "yes"}}, "queue.enabled"),
            "id of the wrong kind": ({"job_id": "job-1"}, "job_id"),
            "huge array": ({"job_id": 1, "python_params": [0] * HUGE}, "python_params"),
        },
        queries={
            "negative": ("limit=-1", "limit"),
            "int64 overflow": (f"job_id={INT64}", "job_id"),
            "unknown enum": ("run_type=NIGHTLY_RUN", "run_type"),
            "huge value": ("job_id=" + "9" * LONG, "job_id"),
            "repeated": ("limit=abc&limit=1", "limit"),
            "non-UTF-8": ("run_type=%FF%FE", "run_type"),
        },
        wrong_id=("/api/2.2/jobs/get?job_id=job-1", "job_id", 400),
    ),
    Api(
        "collibra-dq",
        ("POST", "/rest/dq/1.0/jobs/customer_orders_dq/run"),
        ("GET", "/rest/dq/1.0/jobRuns"),
        bodies={
            "negative": ({"backrun": {"timeBin": "DAY", "binValue": -1}}, "binValue"),
            "int64 overflow": ({"backrun": {"timeBin": "DAY", "binValue": INT64}}, "binValue"),
            "unknown enum": ({"backrun": {"timeBin": "FORTNIGHT", "binValue": 1}}, "timeBin"),
            "wrong type": ({"runDate": 20240101}, "runDate"),
            "unknown key": ({"runDateStart": "2024-01-01"}, "runDateStart"),
            "huge array": ({"runDate": [0] * HUGE}, "runDate"),
        },
        queries={
            "negative": ("offset=-1", "offset"),
            "int64 overflow": (f"offset={INT64}", "offset"),
            "unknown enum": ("nameMatchMode=FUZZY", "nameMatchMode"),
            "huge value": ("jobName=" + "j" * LONG, "jobName"),
            "repeated": ("&".join(["status=RUNNING"] * 21), "status"),
            "non-UTF-8": ("nameMatchMode=%FF%FE", "nameMatchMode"),
        },
        wrong_id=("/rest/dq/1.0/jobRuns/12345", "jobRunId", 400),
    ),
    Api(
        "collibra-dgc",
        ("POST", "/rest/2.0/jobs/00000000-0000-4000-8000-000000000000/canceled"),
        ("GET", "/rest/2.0/jobs"),
        bodies={
            # Jackson reads a number into a String ({"message": 5} is "5"), never an object.
            "wrong type": ({"message": {"text": 5}}, "message"),
            "huge array": ({"message": [0] * HUGE}, "message"),
        },
        queries={
            "negative": ("countLimit=-2", "countLimit"),
            "int32 overflow": (f"offset={INT32}", "offset"),
            "unknown enum": ("sortField=SIZE", "sortField"),
            "huge value": ("offset=" + "9" * LONG, "offset"),
            "repeated": ("limit=abc&limit=1", "limit"),
            "non-UTF-8": ("sortOrder=%FF%FE", "sortOrder"),
        },
        wrong_id=("/rest/jobs/v1/jobs/job-1", "jobId", 400),
    ),
    Api(
        "dqops",
        ("POST", "/api/jobs/runchecks?wait=false"),
        ("GET", "/api/jobs/jobs/1/wait"),
        bodies={
            "int32 overflow": ({"check_search_filters": {"maxResults": INT32}}, "maxResults"),
            "below int32": ({"check_search_filters": {"maxResults": -INT32 - 1}}, "maxResults"),
            "unknown enum": ({"check_search_filters": {"checkType": "hourly"}}, "checkType"),
            "wrong type": ({"check_search_filters": "all"}, "check_search_filters"),
            # Jackson reads numbers into Strings (tags [0, 0, ...] are "0"), never objects.
            "huge array": ({"check_search_filters": {"tags": [{}] * HUGE}}, "tags"),
        },
        queries={
            "negative": ("waitTimeout=-1", "waitTimeout"),
            "int32 overflow": (f"waitTimeout={INT32}", "waitTimeout"),
            "huge value": ("waitTimeout=" + "9" * LONG, "waitTimeout"),
            "repeated": ("waitTimeout=soon&waitTimeout=1", "waitTimeout"),
            "non-UTF-8": ("waitTimeout=%FF%FE", "waitTimeout"),
        },
        wrong_id=("/api/jobs/jobchangessince/job-1", "sequenceNumber", 400),  # job ids may be business keys
    ),
    Api(
        "cdq",
        ("POST", "/v2/jobs"),
        ("GET", "/v2/jobs"),
        bodies={
            "negative": ({"type": "DATA_CURATION_JOB", "resourceRequest": {"memoryLimit": -1}}, "memoryLimit"),
            "int32 overflow": ({"type": "DATA_CURATION_JOB", "resourceRequest": {"memoryLimit": INT32}}, "memoryLimit"),
            "unknown enum": ({"type": "NOT_A_JOB_TYPE"}, "type"),
            "wrong type": ({"type": ["DATA_CURATION_JOB"]}, "type"),
            "huge array": ({"type": "DATA_CURATION_JOB", "commands": ["c"] * HUGE}, "commands"),
        },
        queries={
            "negative": ("limit=-1", "limit"),
            "int64 overflow": (f"limit={INT64}", "limit"),
            "unknown enum": ("jobStatus=SLEEPING", "jobStatus"),
            "huge value": ("sort=" + "s" * LONG, "sort"),
            "repeated": ("&".join(["jobStatus=RUNNING"] * 51), "jobStatus"),
            "non-UTF-8": ("jobStatus=%FF%FE", "jobStatus"),
        },
        # CDQ ids are opaque strings: any id is of the right kind, an unknown one is a 404 naming jobId
        wrong_id=("/v2/jobs/%FF%FE", "jobId", 404),
    ),
]
BY_NAME = {api.name: api for api in APIS}

# Bodies that are broken before any field can be read: (kind, raw bytes, content type, status, words in the message)
RAW_BODIES: list[tuple[str, bytes, str | None, int, str]] = [
    ("invalid JSON", b'{"job_id": ', "application/json", 400, "JSON"),
    ("wrong content type", b"<job/>", "application/xml", 400, "application/xml"),
    ("non-UTF-8 string", b'{"name": "\xff\xfe"}', "application/json", 400, "UTF-8"),
    ("non-UTF-8 bytes", b"\xff\xfe\x00\x01", "application/json", 400, "JSON"),
    ("whitespace only", b" \n\t ", "application/json", 400, "JSON"),
    ("deep nesting", b"[" * 100 + b"]" * 100, "application/json", 400, "deeper than 64"),
    ("deep objects", b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json", 400, "JSON"),  # orjson: 1024
    ("over the body limit", b"[" + b"0," * MAX_BODY + b"0]", "application/json", 413, str(MAX_BODY)),
]


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[RunningServer]:
    with running_server(seed=9, max_body=MAX_BODY) as running:
        yield running


@pytest.fixture(scope="module")
def http(hostile_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile_server.url, timeout=10) as client:
        yield client


def _rows(attribute: str) -> list[Any]:
    return [pytest.param(api.name, kind, id=f"{api.name}-{kind}") for api in APIS for kind in getattr(api, attribute)]


@pytest.mark.parametrize(("api_name", "kind"), _rows("bodies"))
def test_bad_body_fields_are_a_400_naming_the_field(http: httpx.Client, api_name: str, kind: str) -> None:
    api = BY_NAME[api_name]
    body, named = api.bodies[kind]
    method, path = api.body_op
    message = refused(http.request(method, path, content=json.dumps(body).encode(), headers=_json), api.name)
    assert named in message, message


@pytest.mark.parametrize(("api_name", "kind"), _rows("queries"))
def test_bad_query_parameters_are_a_400_naming_the_parameter(http: httpx.Client, api_name: str, kind: str) -> None:
    api = BY_NAME[api_name]
    query, named = api.queries[kind]
    method, path = api.query_op
    message = refused(http.request(method, f"{path}?{query}"), api.name)
    assert named in message, message[:300]


@pytest.mark.parametrize("api_name", [api.name for api in APIS])
def test_ids_of_the_wrong_kind_name_the_id(http: httpx.Client, api_name: str) -> None:
    api = BY_NAME[api_name]
    path, named, status = api.wrong_id
    message = refused(http.get(path), api.name, status)
    assert named in message or "job-1" in message, message


@pytest.mark.parametrize("api_name", [api.name for api in APIS])
@pytest.mark.parametrize(
    ("kind", "raw", "content_type", "status", "words"), RAW_BODIES, ids=[row[0] for row in RAW_BODIES]
)
def test_unreadable_bodies_are_refused_in_the_vendor_shape(
    http: httpx.Client, api_name: str, kind: str, raw: bytes, content_type: str | None, status: int, words: str
) -> None:
    api = BY_NAME[api_name]
    method, path = api.body_op
    headers = {"Content-Type": content_type} if content_type else {}
    message = refused(http.request(method, path, content=raw, headers=headers), api.name, status)
    assert words in message, message


@pytest.mark.parametrize("api_name", [api.name for api in APIS])
def test_a_chunked_body_is_cut_off_at_the_limit(http: httpx.Client, api_name: str) -> None:
    api = BY_NAME[api_name]
    method, path = api.body_op

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        yield b"["
        for _ in range(MAX_BODY // 8192 + 2):
            yield b"0," * 4096
        yield b"0]"

    refused(http.request(method, path, content=chunks(), headers=_json), api.name, 413)


def _raw_request(server: RunningServer, request: bytes) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


@pytest.mark.parametrize("size", [70_000, 1_000_000])
def test_a_request_line_over_64_kib_is_refused_by_the_http_server(hostile_server: RunningServer, size: int) -> None:
    # uvicorn's HTTP parser (httptools) refuses a request target of 64 KiB or more before jobsim sees it: a plain
    # 400 "Invalid HTTP request received." and the connection closes. Shorter ones reach the vendor (above).
    request = f"GET /api/2.2/jobs/runs/list?name={'n' * size} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    answer = _raw_request(hostile_server, request)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"Invalid HTTP request received." in answer


def test_huge_and_many_headers_are_answered(hostile_server: RunningServer) -> None:
    headers = "".join(f"X-Junk-{i}: {'v' * 100}\r\n" for i in range(2000)) + f"X-Big: {'b' * 1_000_000}\r\n"
    request = f"GET /api/2.2/jobs/list HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n".encode()
    assert _raw_request(hostile_server, request).startswith(b"HTTP/1.1 200 ")


def test_thousands_of_repeated_parameters_are_answered(http: httpx.Client) -> None:
    query = "&".join(f"limit={i % 25}" for i in range(3000))  # the first of repeated scalar keys wins
    assert http.get(f"/api/2.2/jobs/runs/list?{query}").status_code == 200
    reply = http.get("/rest/dq/1.0/jobRuns?" + "&".join(["status=RUNNING"] * 3000))
    assert "status" in refused(reply, "collibra-dq")


def test_legacy_string_ids_with_odd_digits_are_refused(http: httpx.Client) -> None:
    # the legacy CLI's string ids are read as numbers only when they are plain ASCII digits an int64 can hold
    for value in ("\u00b2", "\u0661\u0662", "9" * 5000):  # "²", Arabic-Indic "12", 5000 digits
        message = refused(http.post("/api/2.2/jobs/run-now", json={"job_id": value}), "databricks")
        assert "job_id" in message, message


def test_deeply_nested_scenario_yaml_is_a_400(http: httpx.Client) -> None:
    reply = http.post("/_sim/scenarios", content="[" * 3000 + "]" * 3000, headers={"Content-Type": "application/yaml"})
    assert "nesting deeper than 48 levels" in refused(reply, "jobsim")
