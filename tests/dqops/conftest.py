"""Servers for the DQOps tests: only the dqops API, strict response checks, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dqops.client import Client

from tests.support import RunningServer, running_server


@pytest.fixture(scope="module")
def dqops_server() -> Iterator[RunningServer]:
    """Real clock, the default dqops scenario."""
    with running_server(apis=("dqops",), seed=11) as running:
        yield running


@pytest.fixture
def live(dqops_server: RunningServer) -> RunningServer:
    """The real-clock server, started over (no jobs but the default scenario's history)."""
    dqops_server.reset()
    return dqops_server


@pytest.fixture
def client(live: RunningServer) -> Client:
    return Client(base_url=live.url)


@pytest.fixture(scope="module")
def frozen_server() -> Iterator[RunningServer]:
    """Virtual clock: time moves only when a request advances it."""
    with running_server(apis=("dqops",), clock_mode="virtual", seed=5) as running:
        yield running


@pytest.fixture
def frozen(frozen_server: RunningServer) -> RunningServer:
    frozen_server.reset()
    return frozen_server


def load(server: RunningServer, name: str) -> None:
    """Load a bundled dqops scenario by name into the server's default session."""
    server.client().post("/_sim/scenarios", json={"name": f"dqops/{name}"}).raise_for_status()
