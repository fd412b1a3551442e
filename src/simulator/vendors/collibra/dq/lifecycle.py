"""Data Quality run statuses (JobRunStatus) and activities (JobActivity), in the vendor's words.

A run's activity rides on its plan's steps (`attrs.activity`). `resolve` fills in the activity of every step
that does not name one, so rendering a run only reads its current step.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from simulator.engine.lifecycle import Lifecycle, Step

TERMINAL = frozenset({"FINISHED", "CANCELLED", "FAILED"})
ACTIVE = frozenset({"WAITING", "DISPATCHED", "SETUP", "RUNNING", "SENDING", "UNKNOWN"})
PHASES = {
    **dict.fromkeys(("WAITING", "DISPATCHED"), "queued"),
    **dict.fromkeys(("SETUP", "RUNNING", "SENDING"), "running"),
    **{"FINISHED": "success", "FAILED": "failure", "CANCELLED": "cancelled"},  # UNKNOWN: other
}
ACTIVITIES = frozenset(
    {"INIT", "SCHEMA", "LOAD", "DISCOVERY", "PROFILE", "RULES", "HISTOGRAMS", "CORRELATION", "LAYERS", "RESULTS"}
    | {"ALERTS", ""}
)
_ANY_END = frozenset({"FAILED", "CANCELLED", "UNKNOWN"})

RUN = Lifecycle(
    name="run",
    states=TERMINAL | ACTIVE,
    initial=frozenset({"WAITING", "UNKNOWN"}),
    terminal=TERMINAL,
    moves=MappingProxyType(
        {
            "WAITING": frozenset({"DISPATCHED"}) | _ANY_END,
            "DISPATCHED": frozenset({"SETUP"}) | _ANY_END,
            "SETUP": frozenset({"SETUP", "RUNNING"}) | _ANY_END,
            "RUNNING": frozenset({"RUNNING", "SENDING", "FINISHED"}) | _ANY_END,
            "SENDING": frozenset({"SENDING", "FINISHED"}) | _ANY_END,
            "UNKNOWN": (ACTIVE - {"WAITING"}) | TERMINAL,
        }
    ),
    cancel_path=(Step("CANCELLED"),),
)

# About 1.5 s in all, active for 1.5 s: a poller sees every status, a cancel in the first second lands.
DEFAULT_PLAN = (
    Step("WAITING", seconds=0.1),
    Step("DISPATCHED", seconds=0.1),
    Step("SETUP", seconds=0.2, attrs=MappingProxyType({"activity": "INIT"})),
    Step("RUNNING", seconds=0.15, attrs=MappingProxyType({"activity": "SCHEMA"})),
    Step("RUNNING", seconds=0.15, attrs=MappingProxyType({"activity": "LOAD"})),
    Step("RUNNING", seconds=0.2, attrs=MappingProxyType({"activity": "PROFILE"})),
    Step("RUNNING", seconds=0.2, attrs=MappingProxyType({"activity": "RULES"})),
    Step("RUNNING", seconds=0.15, attrs=MappingProxyType({"activity": "RESULTS"})),
    Step("SENDING", seconds=0.25, attrs=MappingProxyType({"activity": "ALERTS"})),
    Step("FINISHED"),
)

_DEFAULT_ACTIVITY = {"WAITING": "", "DISPATCHED": "", "SETUP": "INIT", "SENDING": "ALERTS", "FINISHED": ""}


def check_step(step: Step) -> str | None:
    if step.result is not None:
        return "Data Quality runs have no result: end with FINISHED, FAILED (message = exception) or CANCELLED"
    activity = step.attrs.get("activity")
    if activity is not None and activity not in ACTIVITIES:
        known = ", ".join(repr(a) for a in sorted(ACTIVITIES))
        return f"unknown activity {activity!r} (known: {known})"
    return None


def resolve(steps: Iterable[Step]) -> tuple[Step, ...]:
    """The plan with an `activity` on every step: the state's default, or the one it was in (FAILED, ...)."""
    out: list[Step] = []
    previous = ""
    for step in steps:
        activity = step.attrs.get("activity")
        if activity is None:
            if step.state in _DEFAULT_ACTIVITY:
                activity = _DEFAULT_ACTIVITY[step.state]
            elif step.state == "RUNNING":
                activity = previous if out and out[-1].state == "RUNNING" else "SCHEMA"
            else:
                activity = previous
            step = Step(
                step.state,
                seconds=step.seconds,
                reads=step.reads,
                result=step.result,
                message=step.message,
                attrs=MappingProxyType({**step.attrs, "activity": activity}),
            )
        out.append(step)
        previous = str(activity)
    return tuple(out)


def cancelled(activity: str) -> tuple[Step, ...]:
    """The cancel path of a run that was doing `activity`: CANCELLED at once, the activity kept."""
    return (Step("CANCELLED", attrs=MappingProxyType({"activity": activity})),)
