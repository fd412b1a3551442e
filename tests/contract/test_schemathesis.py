"""Property-based runs of every served API document against a real server: no 5xx, every answer conforms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from simulator.vendors import discover
from tests.support import RunningServer, running_server

DOCUMENTS = sorted(Path(f).stem for vendor in discover() for f in vendor.spec_files)
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[RunningServer]:
    # speed 50: DQOps start-job POSTs wait for the job to end by default; fuzzing need not wait 1.5 s each.
    with running_server(seed=3, speed=50) as running:
        yield running


def _schema(server: RunningServer, stem: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{server.url}/_sim/specs/{stem}.yaml")
    schema.config.update(base_url=server.url + _first_server(schema.raw_schema))
    return schema


def _first_server(raw: dict) -> str:
    servers = raw.get("servers") or [{"url": "/"}]
    return str(servers[0]["url"]).rstrip("/")


@pytest.fixture(scope="module", params=DOCUMENTS)
def api_schema(request: pytest.FixtureRequest, fuzz_server: RunningServer) -> schemathesis.BaseSchema:
    return _schema(fuzz_server, request.param)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
