from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.client import Jobsim
from tests.integrations.harness import SLOW_PLAN, run_driver
from tests.support import start_jobsim


@pytest.fixture(scope="module")
def jobsim_url() -> Iterator[str]:
    """`jobsim serve` as a user starts it, one per test module; the integrations use its default session."""
    process, url = start_jobsim()
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def sim(jobsim_url: str) -> Iterator[Jobsim]:
    """The default session's control client, reset before each test: host-and-port clients can only reach it."""
    with Jobsim(jobsim_url) as control:
        control.reset()
        yield control


@pytest.fixture
def failing(sim: Jobsim) -> Jobsim:
    sim.load_scenario(name="databricks/task-failure")
    return sim


@pytest.fixture
def slow(sim: Jobsim) -> Jobsim:
    sim.load_scenario(SLOW_PLAN)
    return sim


@pytest.fixture
def driver(request: pytest.FixtureRequest, jobsim_url: str, tmp_path: Path) -> Callable[[str], dict[str, Any]]:
    """`driver(case)` runs that case of the module's integration (its module-level INTEGRATION) against jobsim."""
    name = request.module.INTEGRATION
    return lambda case: run_driver(name, case, jobsim_url, tmp_path)
