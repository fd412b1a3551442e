"""DGC job states and results, and how `progressPercentage` moves.

`resolve` writes the progress of every step into its attrs: a timed RUNNING step rises linearly from
`progress_from` to `progress_to` (its `attrs.progress`, default 100); every other step holds `progress`.
A RUNNING step may also say how long a cancel takes (`attrs.cancel_after`: a duration, or `never`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from simulator.engine.lifecycle import Lifecycle, Step
from simulator.engine.scenario import parse_duration

TERMINAL = frozenset({"COMPLETED", "CANCELED", "ERROR"})
ACTIVE = frozenset({"WAITING", "RUNNING", "CANCELING"})
# The dashboard shows an ended job as STATE/RESULT.
PHASES = {
    "WAITING": "queued",
    **dict.fromkeys(("RUNNING", "CANCELING"), "running"),
    **{"COMPLETED/SUCCESS": "success", "COMPLETED/COMPLETED_WITH_ERROR": "failure"},
    **{"ERROR/FAILURE": "failure", "CANCELED/ABORTED": "cancelled"},
}
RESULTS = MappingProxyType(
    {"COMPLETED": ("SUCCESS", "COMPLETED_WITH_ERROR"), "ERROR": ("FAILURE",), "CANCELED": ("ABORTED",)}
)
CANCEL_SECONDS = 0.3

JOB = Lifecycle(
    name="job",
    states=TERMINAL | ACTIVE,
    initial=frozenset({"WAITING", "RUNNING"}),
    terminal=TERMINAL,
    moves=MappingProxyType(
        {
            "WAITING": frozenset({"RUNNING", "CANCELING", "CANCELED", "ERROR"}),
            "RUNNING": frozenset({"RUNNING", "CANCELING", "COMPLETED", "CANCELED", "ERROR"}),
            "CANCELING": frozenset({"CANCELED", "ERROR"}),
        }
    ),
    cancel_path=(Step("CANCELING", seconds=CANCEL_SECONDS), Step("CANCELED", result="ABORTED")),
)

DEFAULT_PLAN = (
    Step("WAITING", seconds=0.2),
    Step("RUNNING", seconds=1.0),
    Step("COMPLETED", result="SUCCESS"),
)


def result_of(step: Step) -> str:
    if step.state in RESULTS:
        return step.result or RESULTS[step.state][0]
    return "NOT_SET"


def check_step(step: Step) -> str | None:
    if step.result is not None:
        allowed = RESULTS.get(step.state)
        if allowed is None:
            return f"only COMPLETED, ERROR and CANCELED carry a result ({step.state} is NOT_SET)"
        if step.result not in allowed:
            return f"a {step.state} job has result {' or '.join(allowed)}, not {step.result!r}"
    progress = step.attrs.get("progress")
    if progress is not None and (not isinstance(progress, int | float) or not 0 <= progress <= 100):
        return f"attrs.progress must be a number from 0 to 100, not {progress!r}"
    delay = step.attrs.get("cancel_after")
    if delay is not None and delay != "never":
        try:
            parse_duration(delay)
        except (ValueError, TypeError):
            return f"attrs.cancel_after must be a duration (0.5s, 2m) or 'never', not {delay!r}"
    return None


def _with(step: Step, **attrs: Any) -> Step:
    merged: Mapping[str, Any] = MappingProxyType({**step.attrs, **attrs})
    return Step(
        step.state, seconds=step.seconds, reads=step.reads, result=step.result, message=step.message, attrs=merged
    )


def resolve(steps: Iterable[Step]) -> tuple[Step, ...]:
    out: list[Step] = []
    level = 0.0
    for step in steps:
        given = step.attrs.get("progress")
        if step.state == "RUNNING" and step.seconds is not None:
            target = float(given) if given is not None else 100.0
            out.append(_with(step, progress_from=level, progress_to=target))
            level = target
            continue
        if step.state == "COMPLETED":
            level = 100.0
        elif given is not None:
            level = float(given)
        out.append(_with(step, progress=level))
    return tuple(out)


def progress(step: Step, entered_at: float, now: float) -> float:
    attrs = step.attrs
    if "progress_to" in attrs and step.seconds:
        start, end = float(attrs["progress_from"]), float(attrs["progress_to"])
        fraction = min(max((now - entered_at) / step.seconds, 0.0), 1.0)
        return round(start + (end - start) * fraction, 1)
    return float(attrs.get("progress", attrs.get("progress_to", 0.0)))


def cancel_path(step: Step, level: float) -> tuple[Step, ...]:
    """CANCELING for the running step's cancel delay (held when `never`), then CANCELED / ABORTED."""
    kept = MappingProxyType({"progress": level})
    if step.state == "WAITING":
        return (Step("CANCELED", result="ABORTED", attrs=kept),)
    delay = step.attrs.get("cancel_after", CANCEL_SECONDS)
    if delay == "never":
        return (Step("CANCELING", attrs=kept),)
    return (
        Step("CANCELING", seconds=parse_duration(delay), attrs=kept),
        Step("CANCELED", result="ABORTED", attrs=kept),
    )
