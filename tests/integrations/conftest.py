from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.client import Jobsim
from tests.integrations.harness import SLOW_PLAN, run_driver
from tests.support import start_jobsim


@pytest.fixture(scope="module")
def jobsim_url() -> Iterator[str]:
    """`jobsim serve` as a user starts it, one per test module."""
    process, url = start_jobsim()
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def sim(jobsim_url: str) -> Iterator[Jobsim]:
    """A fresh session of its own for each test, picked by the integration's token (`jobsim-session-<id>`): Airflow's
    hook and the JS SDK keep only host and port, so the credentials are the one way they name a session."""
    with Jobsim(jobsim_url, session=f"it-{uuid.uuid4().hex[:12]}") as control:
        yield control
        control.drop()


@pytest.fixture
def failing(sim: Jobsim) -> Jobsim:
    sim.load_scenario(name="databricks/task-failure")
    return sim


@pytest.fixture
def slow(sim: Jobsim) -> Jobsim:
    sim.load_scenario(SLOW_PLAN)
    return sim


@pytest.fixture
def driver(
    request: pytest.FixtureRequest, sim: Jobsim, jobsim_url: str, tmp_path: Path
) -> Callable[..., dict[str, Any]]:
    """`driver(case)` runs a case of the module's integration (module-level INTEGRATION) in the test's session, named
    by the path (`/s/<id>`) where the integration keeps a path (module-level SESSION_IN_PATH), else by the token;
    `driver(case, in_path=False)` names it by the token anyway."""
    name = request.module.INTEGRATION

    def run(case: str, in_path: bool = getattr(request.module, "SESSION_IN_PATH", False)) -> dict[str, Any]:
        if in_path:
            return run_driver(name, case, sim.base_url, tmp_path)
        return run_driver(name, case, jobsim_url, tmp_path, token=f"jobsim-session-{sim.session}")

    return run
