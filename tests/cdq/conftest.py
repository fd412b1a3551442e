from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support import RunningServer, running_server


@pytest.fixture(scope="module")
def cdq_server() -> Iterator[RunningServer]:
    """Only the CDQ API, on a frozen (virtual) clock with seeded ids and the default scenario."""
    with running_server(clock_mode="virtual", seed=11, apis=("cdq",)) as running:
        yield running


@pytest.fixture
def sim(cdq_server: RunningServer) -> RunningServer:
    """The module's server, started over (fresh session: default scenario only, clock at a new start)."""
    cdq_server.reset()
    return cdq_server


@pytest.fixture
def http(sim: RunningServer) -> Iterator[httpx.Client]:
    with sim.client() as client:
        yield client
