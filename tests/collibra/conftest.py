from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import RunningServer, running_server


@pytest.fixture(scope="module")
def dq_server() -> Iterator[RunningServer]:
    """Only the Data Quality API, virtual clock, seeded ids, its default scenario loaded."""
    with running_server(clock_mode="virtual", seed=11, apis=("collibra-dq",)) as running:
        yield running


@pytest.fixture(scope="module")
def dgc_server() -> Iterator[RunningServer]:
    """Only the DGC Core and v1 jobs APIs, virtual clock, seeded ids, no scenario (tests load their own)."""
    with running_server(clock_mode="virtual", seed=12, apis=("collibra-dgc",), load_defaults=False) as running:
        yield running
