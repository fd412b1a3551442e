"""Servers for the DQOps tests: only the dqops API, strict response checks, reset before every test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from dqops.client import Client
from dqops.client.api.jobs import get_job_changes_since

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


class BackgroundPoll:
    """A `jobchangessince` long-poll held in a thread, as a second client would hold it while the test goes on."""

    def __init__(self, server: RunningServer, since: int) -> None:
        self.delta: Any = None
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._poll, args=(server.url, since))
        self._thread.start()
        time.sleep(0.4)  # long enough for a call that would answer at once to have answered

    def _poll(self, url: str, since: int) -> None:
        began = time.monotonic()
        self.delta = get_job_changes_since.sync(since, client=Client(base_url=url))
        self.seconds = time.monotonic() - began

    @property
    def waiting(self) -> bool:
        return self._thread.is_alive()

    def answer(self, timeout: float = 5) -> Any:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the long-poll did not answer"
        return self.delta
