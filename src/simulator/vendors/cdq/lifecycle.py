"""CDQ job statuses (`JobStatus`), the moves between them, and what a plan step may carry."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from simulator.engine.lifecycle import Lifecycle, Step

TERMINAL = frozenset({"FINISHED", "FAILED", "DIED", "CANCELED"})
ACTIVE = frozenset({"CREATED", "PERSISTED", "WAITING", "SCHEDULED", "RUNNING", "UNKNOWN"})
EXECUTING = frozenset({"SCHEDULED", "RUNNING"})
PHASES = {
    **dict.fromkeys(("CREATED", "PERSISTED", "WAITING", "SCHEDULED"), "queued"),
    "RUNNING": "running",
    "FINISHED": "success",
    **dict.fromkeys(("FAILED", "DIED"), "failure"),
    "CANCELED": "cancelled",  # UNKNOWN: other
}
RUNNING = "RUNNING"
WAITING = "WAITING"
CANCELED = "CANCELED"

JOB = Lifecycle(
    name="job",
    states=TERMINAL | ACTIVE,
    initial=frozenset({"CREATED"}),
    terminal=TERMINAL,
    moves=MappingProxyType(
        {
            "CREATED": frozenset({"PERSISTED", "WAITING", "CANCELED", "FAILED", "UNKNOWN"}),
            "PERSISTED": frozenset({"WAITING", "SCHEDULED", "CANCELED", "FAILED", "UNKNOWN"}),
            "WAITING": frozenset({"SCHEDULED", "CANCELED", "FAILED", "UNKNOWN"}),
            "SCHEDULED": frozenset({"RUNNING", "CANCELED", "FAILED", "UNKNOWN"}),
            "RUNNING": frozenset({"FINISHED", "FAILED", "DIED", "UNKNOWN"}),
            "UNKNOWN": frozenset({"RUNNING", "FINISHED", "FAILED", "DIED"}),
        }
    ),
    cancel_path=(Step(CANCELED, message="The job was canceled because its input configuration is invalid."),),
)

# About 1.5 s from create to FINISHED, 0.9 s of it RUNNING (the same plan as scenarios/cdq/default.yaml).
DEFAULT_PLAN = (
    Step("CREATED", seconds=0.1),
    Step("PERSISTED", seconds=0.1),
    Step("WAITING", seconds=0.2),
    Step("SCHEDULED", seconds=0.2),
    Step("RUNNING", seconds=0.9, attrs=MappingProxyType({"totalItems": 100})),
    Step("FINISHED"),
)

GATE_MESSAGE = "Waiting for the jobs it depends on to finish."

_COUNT_ATTRS = ("totalItems", "failedItems")
_RUNNING_ATTRS = frozenset({"totalItems", "failedItems", "progressAtEnd", "itemsPerSecond"})
_FINAL_ATTRS = frozenset({"reportUri", "resultData", "attachments"})


def check_step(step: Step) -> str | None:
    if step.result is not None:
        return "CDQ jobs carry no 'result': the status itself (FINISHED, FAILED, DIED, CANCELED) is the outcome"
    allowed = _RUNNING_ATTRS if step.state == RUNNING else _FINAL_ATTRS if step.state in TERMINAL else frozenset()
    unknown = sorted(set(step.attrs) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        return f"attrs {', '.join(unknown)} mean nothing on a {step.state} step (allowed: {known})"
    return _check_running(step.attrs) if step.state == RUNNING else _check_final(step.attrs)


def _check_running(attrs: Mapping[str, Any]) -> str | None:
    for name in _COUNT_ATTRS:
        value = attrs.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            return f"attrs.{name} must be a whole number >= 0"
    if attrs.get("failedItems", 0) > attrs.get("totalItems", 100):
        return "attrs.failedItems cannot exceed attrs.totalItems"
    end = attrs.get("progressAtEnd", 100)
    if not isinstance(end, int | float) or isinstance(end, bool) or not 0 <= end <= 100:
        return "attrs.progressAtEnd must be a number from 0 to 100"
    rate = attrs.get("itemsPerSecond", 1)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or rate <= 0:
        return "attrs.itemsPerSecond must be a number > 0"
    return None


def _check_final(attrs: Mapping[str, Any]) -> str | None:
    for name in ("reportUri", "resultData"):
        if name in attrs and not (isinstance(attrs[name], str) and attrs[name]):
            return f"attrs.{name} must be a non-empty string"
    attachments = attrs.get("attachments", [])
    if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
        return "attrs.attachments must be a list of {name, uri} objects"
    return None
