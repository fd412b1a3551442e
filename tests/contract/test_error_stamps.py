"""Error bodies that carry a time tell the session's clock, whoever raised the error: a handler, the contract layer,
the router or an injected fault (a test that froze the clock and advanced it hours sees one consistent time)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from tests.support import RunningServer

FIVE_HOURS = 5 * 3600


@pytest.fixture
def hours_ahead(virtual_server: RunningServer) -> Iterator[float]:
    virtual_server.reset()
    start = httpx.get(f"{virtual_server.url}/_sim/clock").json()["now"]
    virtual_server.advance(FIVE_HOURS)
    yield start + FIVE_HOURS
    httpx.delete(f"{virtual_server.url}/_sim/faults")


def _iso_seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_cdq_errors_tell_the_session_time(virtual_server: RunningServer, hours_ahead: float) -> None:
    httpx.post(
        f"{virtual_server.url}/_sim/faults", json={"operation": "listJobTypes", "error": {"status": 503}}
    ).raise_for_status()
    with virtual_server.client() as http:
        answers = {
            "handler": http.get("/v2/jobs/no-such-job"),
            "contract": http.get("/v2/jobs", params={"limit": 0}),
            "router": http.delete("/v2/jobs/types"),
            "fault": http.get("/v2/jobs/types"),
        }
    assert {name: a.status_code for name, a in answers.items()} == {
        "handler": 404,
        "contract": 400,
        "router": 405,
        "fault": 503,
    }
    for name, answer in answers.items():
        assert _iso_seconds(answer.json()["timestamp"]) == pytest.approx(hours_ahead, abs=1), name


def test_dqops_errors_tell_the_session_time(virtual_server: RunningServer, hours_ahead: float) -> None:
    with virtual_server.client() as http:
        refused = http.post("/api/jobs/runchecks", params={"wait": "maybe"}, json={})
    assert refused.status_code == 400
    assert refused.json()["timestamp"] / 1000 == pytest.approx(hours_ahead, abs=1)
