"""`progress`, `totalItems`, `processedItems`, `failedItems`: computed from the time a job has spent RUNNING.

The RUNNING step of the job's plan says how much work there is (`totalItems`, default 100), how many items fail
(`failedItems` when the step ends, default 0) and how far the step gets (`progressAtEnd` percent, default 100; a
job that dies half-way uses 50). A RUNNING step that holds (no `for`) advances by `itemsPerSecond` and stays below
100 %. A RUNNING job shows at most 99 %; a job that ends FINISHED shows 100 % and every item processed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.vendors.cdq.lifecycle import RUNNING
from simulator.vendors.cdq.model import CdqJob

DEFAULT_TOTAL = 100
_HELD_CAP = 0.99
_CLOCK_ERROR = 1e-5  # seconds: epoch times as floats are exact to about 0.25 us


@dataclass(frozen=True, slots=True)
class Counters:
    """A job's `progress` percent and item counts at its last observation, with the seconds it has spent RUNNING."""

    progress: int
    total: int
    processed: int
    failed: int
    running_seconds: float


def running_since(job: CdqJob) -> float | None:
    """When the job first entered RUNNING (None: not yet)."""
    return next((at for state, at in job.timeline.history if state == RUNNING), None)


def counters(job: CdqJob, now: float) -> Counters | None:
    """The job's counters at its last observation (None before it first ran)."""
    if running_since(job) is None:
        return None
    timeline = job.timeline
    steps = [step for step in job.plan if step.state == RUNNING]
    attrs = steps[0].attrs if steps else {}
    total = int(attrs.get("totalItems", DEFAULT_TOTAL))
    failed_at_end = int(attrs.get("failedItems", 0))
    elapsed = timeline.time_in((RUNNING,))
    if timeline.state == RUNNING:
        elapsed += max(now - timeline.entered_at, 0.0)
    if timeline.state == "FINISHED":
        share, percent = 1.0, 100.0
    elif steps and all(step.seconds is not None for step in steps):
        duration = sum(step.seconds or 0.0 for step in steps)
        share = min(elapsed / duration, 1.0) if duration > _CLOCK_ERROR and elapsed < duration - _CLOCK_ERROR else 1.0
        percent = share * float(attrs.get("progressAtEnd", 100))
    else:
        rate = float(attrs.get("itemsPerSecond", 1))
        share = min(elapsed * rate / total, _HELD_CAP) if total else _HELD_CAP
        percent = share * 100
    if timeline.state == RUNNING:
        percent = min(percent, 99.0)  # 100 % is shown once the job has FINISHED
    processed = _floor(total * percent / 100)
    failed = min(_floor(failed_at_end * share), processed)
    return Counters(_floor(percent), total, processed, failed, elapsed)


def _floor(value: float) -> int:
    """Round down, forgiving the float error of clock arithmetic (0.6 s - 0.0 s / 0.6 s is not always 1)."""
    return math.floor(value + 1e-6)
