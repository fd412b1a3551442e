"""Task graphs: dependency order, `run_if` decisions, condition task outcomes and what each result counts as."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simulator.engine.lifecycle import Step
from simulator.vendors.databricks.model import Slot

SUCCEEDED = frozenset({"SUCCESS", "SUCCESS_WITH_FAILURES"})
FAILED = frozenset({"FAILED", "TIMEDOUT", "INTERNAL_ERROR", "UPSTREAM_FAILED"})
CANCELED = frozenset({"CANCELED", "UPSTREAM_CANCELED"})
OWN_FAILURES = frozenset({"FAILED", "TIMEDOUT", "INTERNAL_ERROR", "CANCELED"})
# Outcomes a run is still successful with (EXCLUDED / DISABLED tasks did not run on purpose).
FINE = SUCCEEDED | {"EXCLUDED", "DISABLED"}
SKIPS = frozenset({"UPSTREAM_FAILED", "UPSTREAM_CANCELED", "EXCLUDED"})
NEEDS_SUCCESS = frozenset({"ALL_SUCCESS", "AT_LEAST_ONE_SUCCESS", "NONE_FAILED"})

UPSTREAM_FAILED_MESSAGE = "An upstream task failed."
UPSTREAM_CANCELED_MESSAGE = "An upstream task was canceled."


def order(tasks: Iterable[Mapping[str, Any]]) -> list[str]:
    """Task keys so that every task comes after its dependencies (job order kept where it allows)."""
    tasks = list(tasks)
    keys = [str(t["task_key"]) for t in tasks]
    known = set(keys)
    needs = {
        str(t["task_key"]): [d["task_key"] for d in t.get("depends_on") or [] if d["task_key"] in known] for t in tasks
    }
    placed: list[str] = []
    done: set[str] = set()
    while len(placed) < len(keys):
        progress = False
        for key in keys:
            if key not in done and all(dep in done for dep in needs[key]):
                placed.append(key)
                done.add(key)
                progress = True
        if not progress:  # a cycle (refused at create time); keep the rest in job order
            placed.extend(key for key in keys if key not in done)
            break
    return placed


def find_cycle(tasks: Iterable[Mapping[str, Any]]) -> list[str] | None:
    tasks = list(tasks)
    placed = order(tasks)
    needs = {str(t["task_key"]): {d["task_key"] for d in t.get("depends_on") or []} for t in tasks}
    seen: set[str] = set()
    for key in placed:
        if needs[key] - seen:
            return [key, *sorted(needs[key] - seen)]
        seen.add(key)
    return None


def outcome(slot: Slot) -> str:
    """The result a final slot counts as (INTERNAL_ERROR for that life-cycle state)."""
    step = slot.attempts[-1].timeline.step
    if step.state == "INTERNAL_ERROR":
        return "INTERNAL_ERROR"
    return step.result or ("EXCLUDED" if step.state == "SKIPPED" else "FAILED")


def condition_outcome(spec: Mapping[str, Any], resolve: Callable[[str], str] = str) -> str:
    """ "true" or "false": a condition task compares `left` and `right` (as numbers when both are numbers), after
    `resolve` replaced their dynamic value references."""
    condition = spec.get("condition_task") or {}
    left, right = resolve(str(condition.get("left", ""))), resolve(str(condition.get("right", "")))
    a: Any
    b: Any
    try:
        a, b = float(left), float(right)
    except ValueError:
        a, b = left, right
    op = condition.get("op", "EQUAL_TO")
    result = {
        "EQUAL_TO": a == b,
        "NOT_EQUAL": a != b,
        "GREATER_THAN": a > b,
        "GREATER_THAN_OR_EQUAL": a >= b,
        "LESS_THAN": a < b,
        "LESS_THAN_OR_EQUAL": a <= b,
    }.get(op, False)
    return "true" if result else "false"


def decide(run_if: str, outcomes: list[str]) -> Step | None:
    """None when the task may run after dependencies with these outcomes; else the SKIPPED step it ends in.

    An outcome "EXCLUDED" also stands for a dependency on a condition task whose outcome did not match.
    """
    succeeded = sum(o in SUCCEEDED for o in outcomes)
    failed = sum(o in FAILED for o in outcomes)
    canceled = sum(o in CANCELED for o in outcomes)
    holds = {
        "ALL_SUCCESS": succeeded == len(outcomes),
        "AT_LEAST_ONE_SUCCESS": succeeded >= 1,
        "NONE_FAILED": failed == 0 and canceled == 0 and succeeded >= 1,
        "ALL_DONE": True,
        "AT_LEAST_ONE_FAILED": failed >= 1,
        "ALL_FAILED": bool(outcomes) and failed == len(outcomes),
    }.get(run_if, succeeded == len(outcomes))
    if holds:
        return None
    if run_if in NEEDS_SUCCESS and canceled:
        return Step("SKIPPED", result="UPSTREAM_CANCELED", message=UPSTREAM_CANCELED_MESSAGE)
    if run_if in NEEDS_SUCCESS and failed:
        return Step("SKIPPED", result="UPSTREAM_FAILED", message=UPSTREAM_FAILED_MESSAGE)
    return Step("SKIPPED", result="EXCLUDED", message=f"The task's run_if condition {run_if} was not met.")


def leaves(tasks: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Keys of tasks no other task depends on."""
    depended = {d["task_key"] for spec in tasks.values() for d in spec.get("depends_on") or []}
    return [key for key in tasks if key not in depended]


def dependents(tasks: Mapping[str, Mapping[str, Any]], roots: Iterable[str]) -> set[str]:
    """`roots` and every task that depends on them, directly or not."""
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for key, spec in tasks.items():
            if key not in found and any(d["task_key"] in found for d in spec.get("depends_on") or []):
                found.add(key)
                changed = True
    return found
