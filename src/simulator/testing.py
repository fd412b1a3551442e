"""Run jobsim inside a test process: a real uvicorn server on a free port, in a background thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from simulator.server.app import JobsimApp, create_app
from simulator.server.serve import JobsimServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """`with ServerThread(create_app(...)) as url:` serves the app on 127.0.0.1 until the block ends."""

    def __init__(self, app: JobsimApp, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self._server = JobsimServer(app, "127.0.0.1", self.port)
        self._thread = threading.Thread(target=self._server.run, name=f"jobsim:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("jobsim did not start")
            time.sleep(0.01)
        return self.url

    def stop(self) -> None:
        self._server.stop()
        self._thread.join(timeout=10)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serve_in_thread(**settings: Any) -> Iterator[ServerThread]:
    server = ServerThread(create_app(**settings))
    server.start()
    try:
        yield server
    finally:
        server.stop()
