"""The runs/get body of a final run, rendered and serialized once.

A final run does not change until a repair starts a new round, so its body and the body's JSON bytes are kept (for
the newest `SIZE` runs read) under the run object itself, its round count, the base URL, the include flags and the
page; a repaired, deleted or replaced run never matches an old entry. Polling a finished run is what waiters and
dashboards do most.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from simulator.vendors.databricks.model import Run

SIZE = 1024
Body = tuple[dict[str, Any], bytes]  # the body (never changed once kept) and its JSON


class FinalRunBodies:
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[Run, tuple[Any, ...], Body]] = OrderedDict()

    def get(self, run: Run, base_url: str, flags: tuple[Any, ...]) -> Body | None:
        if run.final_at is None:
            return None
        entry = self._entries.get(id(run))
        if entry is None or entry[0] is not run or entry[1] != (len(run.rounds), base_url, flags):
            return None
        self._entries.move_to_end(id(run))
        return entry[2]

    def put(self, run: Run, base_url: str, flags: tuple[Any, ...], body: Body) -> None:
        if run.final_at is None:
            return
        self._entries[id(run)] = (run, (len(run.rounds), base_url, flags), body)
        self._entries.move_to_end(id(run))
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
