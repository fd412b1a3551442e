"""What a final run renders to, rendered once: its runs/get body (with the body's JSON bytes) and its runs/list entry.

A final run does not change until a repair starts a new round, so what it rendered to is kept (for the newest `SIZE`
runs read) under the run object itself, its round count, the base URL and the flags of the request (include flags,
page, expand_tasks); a repaired, deleted or replaced run never matches an old entry. Polling a finished run and
listing the newest runs are what waiters and dashboards do most. A kept body is never changed afterwards.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Generic, TypeVar

from simulator.vendors.databricks.model import Run

SIZE = 1024
Body = tuple[dict[str, Any], bytes]  # a runs/get body (never changed once kept) and its JSON
T = TypeVar("T")


class FinalRunBodies(Generic[T]):
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[Run, tuple[Any, ...], T]] = OrderedDict()

    def get(self, run: Run, base_url: str, flags: tuple[Any, ...]) -> T | None:
        if run.final_at is None:
            return None
        entry = self._entries.get(id(run))
        if entry is None or entry[0] is not run or entry[1] != (len(run.rounds), base_url, flags):
            return None
        self._entries.move_to_end(id(run))
        return entry[2]

    def put(self, run: Run, base_url: str, flags: tuple[Any, ...], body: T) -> None:
        if run.final_at is None:
            return
        self._entries[id(run)] = (run, (len(run.rounds), base_url, flags), body)
        self._entries.move_to_end(id(run))
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
