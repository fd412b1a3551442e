from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.client import Jobsim
from tests.support import RunningServer


@pytest.fixture
def sim(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Jobsim]:
    """A control client on a session of its own (named after the test), dropped afterwards."""
    client = Jobsim(server.url, session=f"t-{request.node.name[:40]}")
    yield client
    client.drop()
    client.close()
