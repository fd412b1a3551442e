from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import RunningServer, running_server

# The Databricks SDK merges DATABRICKS_* variables into its config; keep the tests independent of the machine.
for _name in list(os.environ):
    if _name.startswith("DATABRICKS_"):
        del os.environ[_name]


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    """One real server for the whole test session: real clock, default scenarios, strict response checks."""
    with running_server() as running:
        yield running


@pytest.fixture(scope="module")
def virtual_server() -> Iterator[RunningServer]:
    """A server per test module on a frozen (virtual) clock with seeded ids; reset it between tests as needed."""
    with running_server(clock_mode="virtual", seed=7) as running:
        yield running
