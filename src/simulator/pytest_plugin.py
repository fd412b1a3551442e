"""pytest plugin (entry point `pytest11`): a jobsim server per test session and an isolated session per test.

def test_nightly(jobsim):                        # jobsim.base_url -> point any vendor client at it
    w = WorkspaceClient(host=jobsim.base_url, token="x")

@pytest.mark.jobsim_scenario("databricks/task-failure")
def test_failure(jobsim): ...
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from simulator.client import Jobsim
from simulator.server.app import create_app
from simulator.testing import ServerThread


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "jobsim_scenario(*scenarios): load bundled scenarios (by name) or YAML texts into the test's jobsim session",
    )


@pytest.fixture(scope="session")
def jobsim_server() -> Iterator[ServerThread]:
    """One real jobsim server (uvicorn, 127.0.0.1, a free port) for the whole test session."""
    server = ServerThread(create_app())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def jobsim(jobsim_server: ServerThread, request: pytest.FixtureRequest) -> Iterator[Jobsim]:
    """A fresh isolated session for one test: its own runs, clock, faults and journal."""
    client = Jobsim(jobsim_server.url, session=f"t-{uuid.uuid4().hex[:16]}")
    for marker in request.node.iter_markers("jobsim_scenario"):
        for scenario in marker.args:
            if "\n" in scenario:
                client.load_scenario(scenario)
            else:
                client.load_scenario(name=scenario)
    try:
        yield client
    finally:
        client.drop()
        client.close()
