"""uvicorn, configured the jobsim way: our HTTP protocol, long-polls answered on stop, a bounded graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn

from simulator.server import collector
from simulator.server.app import JobsimApp
from simulator.server.protocol import JobsimHttpProtocol

GRACEFUL_STOP_SECONDS = 3


KEEP_ALIVE_SECONDS = 75  # above the 60 s idle timeout of common proxies and load balancers


class JobsimServer(uvicorn.Server):
    def __init__(
        self,
        app: JobsimApp,
        host: str,
        port: int,
        *,
        log_requests: bool = False,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        after_start: Callable[[], None] | None = None,
    ) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=log_requests,
            lifespan="on",
            http=JobsimHttpProtocol,
            ws="none",  # no API here speaks WebSocket; "auto" would import a WebSocket library at every start
            timeout_graceful_shutdown=GRACEFUL_STOP_SECONDS,
            # Pooled clients (the SDKs, httpx, requests) reuse idle connections; uvicorn's 5 s default closes them
            # while a busy client may be sending on one (a reset the client cannot tell from a server failure).
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
        )
        super().__init__(config)
        self.jobsim = app
        self.after_start = after_start
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.after_start is not None and self.started:
            # Off the path to the first answer: what can wait for a listening server does (collector.SETTLE_SECONDS).
            asyncio.get_running_loop().call_later(collector.SETTLE_SECONDS, self.after_start)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._loop is not None and not self.should_exit:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.jobsim.begin_shutdown)
        super().handle_exit(sig, frame)

    def stop(self) -> None:
        """Stop from another thread (tests): answer long-polls, then shut down."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.jobsim.begin_shutdown)
        self.should_exit = True
