"""A broadcast wake-up for long-polls: no thread, no polling loop, only an asyncio.Event per generation."""

from __future__ import annotations

import asyncio
import contextlib


class Signal:
    """`await wait(timeout)` returns when `fire()` is called or `timeout` real seconds pass, whichever is first."""

    __slots__ = ("_event", "_loop")

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def fire(self) -> None:
        event, loop = self._event, self._loop
        if event is None or loop is None:
            return
        self._event = None
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout: float) -> None:
        if self._event is None:
            self._event = asyncio.Event()
            self._loop = asyncio.get_running_loop()
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(timeout, 0.0))
