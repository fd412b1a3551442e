"""`create_app`: the ASGI application with every registered API on one port."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from simulator.control.api import ControlApi
from simulator.declared.vendor import discover_declared, load_folder
from simulator.server.dispatch import Dispatcher
from simulator.server.middleware import SessionRouting
from simulator.server.resources import optional_bundled_dir
from simulator.server.runtime import Runtime
from simulator.server.settings import Settings
from simulator.server.watch import watching
from simulator.store.files import load_sessions, save_sessions
from simulator.vendors import discover

if TYPE_CHECKING:
    from simulator.store.replicated import ReplicatedSessions

log = logging.getLogger("jobsim")


class JobsimApp:
    """The root ASGI app: lifespan, then the dispatcher for every HTTP request."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        vendors = {**runtime.vendors, runtime.control.name: runtime.control}
        self.dispatcher = Dispatcher(
            runtime.router, vendors, runtime.sessions, runtime.settings, runtime.handler_aliases, runtime.metrics
        )
        self.replicated: ReplicatedSessions | None = None
        settings = runtime.settings
        if settings.store is not None:
            # Imported here: the store client (redis) takes longer to import than the rest of a start without one.
            from simulator.store.replicated import ReplicatedSessions

            self.replicated = ReplicatedSessions(
                runtime,
                settings.store,
                settings.replica or socket.gethostname(),
                lease_ms=settings.lease_ms,
                save_interval=settings.save_interval,
            )
            runtime.deployment = self.replicated
        self._asgi: ASGIApp = SessionRouting(
            self.dispatcher,
            runtime.sessions,
            self.replicated,
            per_token=runtime.settings.session_per_token,
        )

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._asgi(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    def begin_shutdown(self) -> None:
        """Mark every session closing and wake its listeners, so pending long-polls answer now."""
        for session_id in self.runtime.sessions.ids():
            session = self.runtime.sessions.get(session_id)
            session.closing = True
            session.clock.notify()

    def save_state(self) -> None:
        settings = self.settings
        if settings.save_on_exit and settings.state_file is not None:
            count = save_sessions(self.runtime, settings.state_file)
            log.info("state of %d session(s) saved to %s", count, settings.state_file)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        async with contextlib.AsyncExitStack() as stack:
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    if self.replicated is not None:
                        await self.replicated.start()
                        stack.push_async_callback(self.replicated.stop)
                    if self.settings.watch:
                        await stack.enter_async_context(watching(self.runtime))
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await stack.aclose()
                    self.save_state()
                    await send({"type": "lifespan.shutdown.complete"})
                    return


def create_app(settings: Settings | None = None, **overrides: Any) -> JobsimApp:
    """Build the simulator. `create_app(seed=1, clock_mode="virtual")` or `create_app(Settings(...))`."""
    settings = replace(settings or Settings(), **overrides)
    if settings.max_runs < 1:
        raise ValueError(f"max_runs must be at least 1, got {settings.max_runs}")
    bundled = settings.apis_dir == optional_bundled_dir("apis")  # jobsim's own, tested whole: compiled on first use
    classes = [*discover(), *discover_declared(settings.apis_dir, bundled=bundled)]
    users = [load_folder(folder) for folder in settings.api_folders]
    vendors = {cls.name: cls(options=dict(settings.vendor_options.get(cls.name, {}))) for cls in [*classes, *users]}
    if settings.apis or users:
        wanted = {*settings.apis, *(cls.name for cls in users)}
        unknown = wanted - set(vendors)
        if unknown:
            raise ValueError(f"unknown API(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(vendors))}")
        vendors = {name: vendor for name, vendor in vendors.items() if name in wanted}
    runtime = Runtime(settings, vendors, ControlApi)
    if settings.state_file is not None and settings.state_file.is_file():
        count = load_sessions(runtime, settings.state_file)
        log.info("state of %d session(s) loaded from %s", count, settings.state_file)
    return JobsimApp(runtime)


def describe(app: JobsimApp) -> Iterable[str]:
    runtime = app.runtime
    for doc in runtime.documents:
        yield f"{doc.api}: {doc.title} at {', '.join(doc.mount_prefixes)}"
