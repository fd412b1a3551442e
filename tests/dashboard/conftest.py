"""Fixtures for the dashboard tests: a headless Chromium, pages on it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import RunningServer, running_server

CHROMIUM = os.environ.get("JOBSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def live_server() -> Iterator[RunningServer]:
    """A server on the real clock (each test uses its own session) whose /_sim/events streams."""
    with running_server(seed=11) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright (`.ci/run` installs it with apt; no browser download).

    Module-scoped: Playwright's sync API keeps an event loop running on this thread while it is open, and later
    tests that call `asyncio.run` must not find one."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM}: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
