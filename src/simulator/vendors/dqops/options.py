"""Vendor options (`Settings.vendor_options["dqops"]`), checked once when the server is built."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Options:
    """The DQOps vendor options and their defaults (checked by `read_options`)."""

    status_on_start: int = 200  # what start-job POSTs answer: 200 (what the client parses) or 201 (the real server)
    wait_timeout_seconds: float = 120.0  # default `waitTimeout`, in real (wall-clock) seconds
    changes_wait_seconds: float = 20.0  # how long jobchangessince long-polls, in real seconds
    keep_changes_seconds: float = 300.0  # change-feed retention, on the simulator clock
    keep_finished_seconds: float = 3600.0  # finished-job retention, on the simulator clock


def read_options(raw: Mapping[str, Any]) -> Options:
    known = {f.name for f in fields(Options)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"unknown dqops option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"dqops option {name} must be a number >= 0, got {value!r}")
        values[name] = value
    if values.get("status_on_start", 200) not in (200, 201):
        raise ValueError(f"dqops option status_on_start must be 200 or 201, got {values['status_on_start']!r}")
    return Options(**values)
