"""Test support: a real uvicorn server on a free port (simulator.testing), with small HTTP helpers."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from simulator.server.app import JobsimApp
from simulator.testing import free_port, serve_in_thread

__all__ = ["RunningServer", "free_port", "running_server", "start_jobsim"]


@dataclass
class RunningServer:
    url: str
    app: JobsimApp

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def advance(self, seconds: float) -> None:
        httpx.post(f"{self.url}/_sim/clock/advance", json={"seconds": seconds}).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/_sim/reset").raise_for_status()

    def load(self, yaml_text: str) -> dict[str, Any]:
        reply = httpx.post(
            f"{self.url}/_sim/scenarios", content=yaml_text, headers={"Content-Type": "application/yaml"}
        )
        reply.raise_for_status()
        return reply.json()


@contextlib.contextmanager
def running_server(**settings: Any) -> Iterator[RunningServer]:
    """Start jobsim (create_app(**settings)) under uvicorn on 127.0.0.1:<free port>; stop it afterwards."""
    with serve_in_thread(**settings) as server:
        yield RunningServer(url=server.url, app=server.app)


def start_jobsim(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`jobsim serve ARGS --port <free>` as a user starts it, its output captured; returns once /_sim/health answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{base}/_sim/health", timeout=1)
            return process, base
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise AssertionError(f"jobsim serve did not come up: {process.communicate()[0]}") from None
            time.sleep(0.1)


# A Databricks plan for jobs named long-*: five minutes PENDING, two hours RUNNING, then SUCCESS.
LONG_PLAN = """\
jobsim: 1
name: long
api: databricks
plans:
  - match: {name: "long-*"}
    steps:
      - {state: PENDING, for: 5m}
      - {state: RUNNING, for: 2h}
      - {state: TERMINATED, result: SUCCESS}
"""
