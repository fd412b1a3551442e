"""Databricks run states (`state.life_cycle_state`), the two plan kinds, and how states map to the v2 `status`.

Plans of kind `run` (the default kind) describe what a run's work does; every task of a matching run follows them
unless a plan of kind `task` matches that task attempt. QUEUED, BLOCKED and WAITING_FOR_RETRY are computed by the
simulator (concurrency limit, depends_on, retries), so `task` plans may not script them.
"""

from __future__ import annotations

from types import MappingProxyType

from simulator.engine.lifecycle import Lifecycle, Step

TERMINAL = frozenset({"TERMINATED", "SKIPPED", "INTERNAL_ERROR"})
ACTIVE = frozenset({"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"})
COMPUTED = frozenset({"QUEUED", "BLOCKED", "WAITING_FOR_RETRY"})
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
# What a result (or, before one, a life-cycle state) means for the dashboard; INTERNAL_ERROR is a failure whatever
# the result. The dashboard shows an ended run as LIFE_CYCLE_STATE/RESULT_STATE.
_PHASE_OF_WORD = {
    **dict.fromkeys(("QUEUED", "PENDING", "BLOCKED"), "queued"),
    **dict.fromkeys(("RUNNING", "TERMINATING", "WAITING_FOR_RETRY"), "running"),
    **dict.fromkeys(("SUCCESS", "SUCCESS_WITH_FAILURES"), "success"),
    **dict.fromkeys(("FAILED", "TIMEDOUT", "UPSTREAM_FAILED", "MAXIMUM_CONCURRENT_RUNS_REACHED"), "failure"),
    **dict.fromkeys(("CANCELED", "UPSTREAM_CANCELED"), "cancelled"),  # EXCLUDED, DISABLED: other
}
PHASES = {
    **{life: _PHASE_OF_WORD.get(life, "other") for life in ACTIVE | TERMINAL},
    **{
        f"{life}/{result}": _PHASE_OF_WORD.get(result, "other")
        for life in ACTIVE | TERMINAL
        for result in RESULT_STATES | _PHASE_OF_WORD.keys()
    },
    "INTERNAL_ERROR": "failure",
    **{f"INTERNAL_ERROR/{result}": "failure" for result in RESULT_STATES | _PHASE_OF_WORD.keys()},
}

CANCEL_SECONDS = 0.3
CANCEL_PATH = (
    Step("TERMINATING", seconds=CANCEL_SECONDS, message="Run is being cancelled."),
    Step("TERMINATED", result="CANCELED", message="Run cancelled."),
)
_TERMINAL_MOVES = frozenset({"TERMINATING", "TERMINATED", "INTERNAL_ERROR"})

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
    cancel_path=CANCEL_PATH,
)

TASK = Lifecycle(
    name="task",
    states=frozenset({"PENDING", "RUNNING", "TERMINATING"}) | TERMINAL,
    initial=frozenset({"PENDING", "RUNNING", "SKIPPED"}),
    terminal=TERMINAL,
    moves=MappingProxyType(
        {
            "PENDING": _TERMINAL_MOVES | {"RUNNING", "SKIPPED"},
            "RUNNING": _TERMINAL_MOVES,
            "TERMINATING": frozenset({"TERMINATED", "INTERNAL_ERROR"}),
        }
    ),
    cancel_path=CANCEL_PATH,
)

LIFECYCLES = MappingProxyType({"run": RUN, "task": TASK})

DEFAULT_PLAN = (
    Step("PENDING", seconds=0.3, message="Waiting for cluster"),
    Step("RUNNING", seconds=0.6, message="In run"),
    Step("TERMINATED", result="SUCCESS", message=""),
)
# Condition tasks need no cluster: they evaluate at once (their outcome comes from `condition_task`).
CONDITION_PLAN = (
    Step("RUNNING", seconds=0.05, message="Evaluating condition"),
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

# result_state -> (status.termination_details code, type); codes as the SDK's TerminationCodeCode documents them
TERMINATION = MappingProxyType(
    {
        "SUCCESS": ("SUCCESS", "SUCCESS"),
        "SUCCESS_WITH_FAILURES": ("SUCCESS_WITH_FAILURES", "SUCCESS"),
        "FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
        "TIMEDOUT": ("CANCELED", "CLIENT_ERROR"),
        "CANCELED": ("USER_CANCELED", "SUCCESS"),
        "UPSTREAM_CANCELED": ("SKIPPED", "SUCCESS"),
        "UPSTREAM_FAILED": ("SKIPPED", "CLIENT_ERROR"),
        "EXCLUDED": ("SKIPPED", "SUCCESS"),
        "MAXIMUM_CONCURRENT_RUNS_REACHED": ("MAX_CONCURRENT_RUNS_EXCEEDED", "CLIENT_ERROR"),
        "DISABLED": ("DISABLED", "CLIENT_ERROR"),
    }
)


def check_step(kind: str, step: Step) -> str | None:
    if kind == "task" and step.state in COMPUTED:
        return (
            f"{step.state} is computed by jobsim (concurrency limit, depends_on, retries); "
            "a task plan scripts PENDING, RUNNING, TERMINATING and a final state"
        )
    if step.result is not None:
        if step.result not in RESULT_STATES:
            return f"unknown result {step.result!r} (known: {', '.join(sorted(RESULT_STATES))})"
        if step.state not in TERMINAL:
            return f"only a terminal state ({', '.join(sorted(TERMINAL))}) carries a result"
    elif step.state == "TERMINATED":
        return "a TERMINATED step needs a result (SUCCESS, FAILED, TIMEDOUT, CANCELED, ...)"
    return None
