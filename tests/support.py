"""Test support: a real uvicorn server on a free port, in a background thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from simulator import create_app
from simulator.server.app import JobsimApp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    app = create_app(**settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("jobsim did not start")
        time.sleep(0.01)
    try:
        yield RunningServer(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
