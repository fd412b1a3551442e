"""`jobsim serve --watch`: reload changed scenario files without a restart; a broken file is refused."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from simulator.engine.scenario import ScenarioError
from simulator.server.runtime import Runtime

log = logging.getLogger("jobsim")


async def watch_scenarios(runtime: Runtime, stop: asyncio.Event) -> None:
    from watchfiles import awatch

    paths = {str(Path(s.source).resolve()): s for s in runtime.startup_scenarios if Path(s.source).is_file()}
    if not paths:
        return
    log.info("watching %d scenario file(s) for changes", len(paths))
    async for changes in awatch(*paths, stop_event=stop, debounce=100, step=20):
        for _, changed in changes:
            resolved = str(Path(changed).resolve())
            if resolved in paths:
                reload_scenario(runtime, Path(resolved))


def reload_scenario(runtime: Runtime, path: Path) -> bool:
    try:
        scenario = runtime.parse(path.read_text(encoding="utf-8"), str(path))
    except (ScenarioError, OSError) as exc:
        log.error("scenario reload refused, the previous version stays in force: %s", exc)
        return False
    runtime.replace_startup_scenario(scenario)
    log.info("scenario reloaded: %s (%s/%s)", path, scenario.api, scenario.name)
    return True


@contextlib.asynccontextmanager
async def watching(runtime: Runtime) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(watch_scenarios(runtime, stop))
    try:
        yield
    finally:
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
