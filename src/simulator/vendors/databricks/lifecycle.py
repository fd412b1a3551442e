"""Databricks run states (`state.life_cycle_state`) and how they map to the v2 `status` object."""

from __future__ import annotations

from types import MappingProxyType

from simulator.engine.lifecycle import Lifecycle, Step

TERMINAL = frozenset({"TERMINATED", "SKIPPED", "INTERNAL_ERROR"})
ACTIVE = frozenset({"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"})
RESULT_STATES = frozenset(
    {
        "SUCCESS",
        "FAILED",
        "TIMEDOUT",
        "CANCELED",
        "MAXIMUM_CONCURRENT_RUNS_REACHED",
        "UPSTREAM_CANCELED",
        "UPSTREAM_FAILED",
        "EXCLUDED",
        "SUCCESS_WITH_FAILURES",
        "DISABLED",
    }
)

CANCEL_SECONDS = 0.3

RUN = Lifecycle(
    name="run",
    states=TERMINAL | ACTIVE,
    initial=frozenset({"QUEUED", "PENDING", "BLOCKED", "SKIPPED"}),
    terminal=TERMINAL,
    moves=MappingProxyType(
        {
            "QUEUED": frozenset({"PENDING", "TERMINATING", "TERMINATED", "SKIPPED"}),
            "BLOCKED": frozenset({"QUEUED", "PENDING", "TERMINATING", "TERMINATED", "SKIPPED"}),
            "PENDING": frozenset({"RUNNING", "TERMINATING", "TERMINATED", "INTERNAL_ERROR", "SKIPPED"}),
            "RUNNING": frozenset({"TERMINATING", "TERMINATED", "INTERNAL_ERROR", "WAITING_FOR_RETRY"}),
            "WAITING_FOR_RETRY": frozenset({"PENDING", "RUNNING", "TERMINATING", "TERMINATED"}),
            "TERMINATING": frozenset({"TERMINATED", "INTERNAL_ERROR"}),
        }
    ),
    cancel_path=(
        Step("TERMINATING", seconds=CANCEL_SECONDS),
        Step("TERMINATED", result="CANCELED", message="Run cancelled."),
    ),
)

DEFAULT_PLAN = (
    Step("PENDING", seconds=0.4, message="Waiting for cluster"),
    Step("RUNNING", seconds=0.8, message="In run"),
    Step("TERMINATED", result="SUCCESS", message=""),
)

# life_cycle_state -> status.state (the v2 status has no SKIPPED / INTERNAL_ERROR / WAITING_FOR_RETRY)
STATUS_STATE = MappingProxyType(
    {
        "QUEUED": "QUEUED",
        "PENDING": "PENDING",
        "BLOCKED": "BLOCKED",
        "RUNNING": "RUNNING",
        "TERMINATING": "TERMINATING",
        "WAITING_FOR_RETRY": "WAITING",
        "TERMINATED": "TERMINATED",
        "SKIPPED": "TERMINATED",
        "INTERNAL_ERROR": "TERMINATED",
    }
)

# result_state -> (termination code, termination type)
TERMINATION = MappingProxyType(
    {
        "SUCCESS": ("SUCCESS", "SUCCESS"),
        "SUCCESS_WITH_FAILURES": ("SUCCESS_WITH_FAILURES", "SUCCESS"),
        "FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
        "TIMEDOUT": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
        "CANCELED": ("USER_CANCELED", "SUCCESS"),
        "UPSTREAM_CANCELED": ("CANCELED", "SUCCESS"),
        "UPSTREAM_FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
        "EXCLUDED": ("SKIPPED", "SUCCESS"),
        "MAXIMUM_CONCURRENT_RUNS_REACHED": ("MAX_CONCURRENT_RUNS_EXCEEDED", "CLIENT_ERROR"),
        "DISABLED": ("DISABLED", "CLIENT_ERROR"),
    }
)


def check_step(step: Step) -> str | None:
    if step.result is not None:
        if step.result not in RESULT_STATES:
            return f"unknown result {step.result!r} (known: {', '.join(sorted(RESULT_STATES))})"
        if step.state not in TERMINAL:
            return f"only a terminal state ({', '.join(sorted(TERMINAL))}) carries a result"
    elif step.state == "TERMINATED":
        return "a TERMINATED step needs a result (SUCCESS, FAILED, TIMEDOUT, CANCELED, ...)"
    return None
