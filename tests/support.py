"""Test support: a real uvicorn server on a free port (simulator.testing), with small HTTP helpers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from simulator.server.app import JobsimApp
from simulator.testing import free_port, serve_in_thread

__all__ = ["RunningServer", "free_port", "running_server"]


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
