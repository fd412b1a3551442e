"""What a run and its task runs look like at their last evaluation: life-cycle state, result and message.

A job run's state follows from its tasks: QUEUED while it waits for a concurrency slot, PENDING until a task gets
past PENDING, RUNNING while any task is active, TERMINATING while a cancel ends its tasks, then a result from the
tasks' outcomes (see `parent_view`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.vendors.databricks import dag
from simulator.vendors.databricks.execution import outcome
from simulator.vendors.databricks.model import Attempt, Run, Slot

_BUSY = frozenset({"RUNNING", "TERMINATING"})


@dataclass(frozen=True, slots=True)
class View:
    """A run or task run's state at its last evaluation: life cycle state, result state (None while active), message."""

    life: str
    result: str | None = None
    message: str = ""

    @property
    def final(self) -> bool:
        return self.result is not None


def queue_reason(run: Run) -> str:
    return f"Queued due to reaching maximum concurrent runs of {run.queue_limit}."


def skip_message(run: Run) -> str:
    return f"Skipping this run because the limit of {run.queue_limit} maximum concurrent runs has been reached."


def attempt_view(slot: Slot, attempt: Attempt) -> View:
    if attempt is slot.attempts[-1] and slot.retry_at is not None:
        step = attempt.timeline.step
        previous = step.message or step.result or step.state
        return View("WAITING_FOR_RETRY", None, f"Waiting for retry. Previous attempt: {previous}")
    step = attempt.timeline.step
    if step.state == "INTERNAL_ERROR":
        return View("INTERNAL_ERROR", step.result or "FAILED", step.message or "")
    if step.state == "SKIPPED":
        return View("SKIPPED", step.result or "EXCLUDED", step.message or "")
    return View(step.state, step.result if step.state == "TERMINATED" else None, step.message or "")


def unstarted_view(run: Run) -> View:
    """A task that has no attempt yet: waiting with its queued run, or blocked on its dependencies."""
    if run.admission == "queued":
        return View("QUEUED", None, queue_reason(run))
    return View("BLOCKED", None, "")


def slot_view(run: Run, slot: Slot) -> View:
    return attempt_view(slot, slot.attempts[-1]) if slot.attempts else unstarted_view(run)


def parent_view(run: Run) -> View:
    if run.admission == "queued":
        return View("QUEUED", None, queue_reason(run))
    if run.admission == "skipped":
        return View("SKIPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED", skip_message(run))
    slots = run.slots()
    single = slots[0] if len(slots) == 1 else None
    if run.final_at is None:
        return _active_view(run, single)
    return _final_view(run, slots, single)


def _active_view(run: Run, single: Slot | None) -> View:
    round_ = run.latest
    views = [(slot, slot_view(run, slot)) for slot in round_.slots.values()]
    busy = any(s.final_at is not None or v.life in _BUSY or v.life == "WAITING_FOR_RETRY" for s, v in views)
    life = "TERMINATING" if round_.stop == "cancel" else "RUNNING" if busy else "PENDING"
    if single is not None:
        message = slot_view(run, single).message
    else:
        message = next((v.message for s, v in views if s.final_at is None and v.life != "BLOCKED"), "")
    return View(life, None, message)


def _final_view(run: Run, slots: list[Slot], single: Slot | None) -> View:
    stop = run.latest.stop
    own = slot_view(run, single).message if single is not None and single.attempts else None
    if stop == "cancel":
        return View("TERMINATED", "CANCELED", "Run cancelled." if own is None else own)
    if stop == "timeout":
        return View("TERMINATED", "TIMEDOUT", f"Run timed out after {run.timeout_seconds} seconds.")
    outcomes = {slot.key: outcome(slot) for slot in slots}
    message = own or ""
    failures = [key for key, result in outcomes.items() if result not in dag.FINE]
    if not failures:
        return View("TERMINATED", "SUCCESS", message)
    specs = {slot.key: slot.spec for slot in slots}
    if all(outcomes[key] in dag.FINE for key in dag.leaves(specs)):
        if single is None:
            message = f"{len(failures)} of {len(slots)} tasks did not succeed; every leaf task succeeded."
        return View("TERMINATED", "SUCCESS_WITH_FAILURES", message)
    own_failures = [key for key in failures if outcomes[key] in dag.OWN_FAILURES]
    results = {outcomes[key] for key in own_failures}
    life = "INTERNAL_ERROR" if "INTERNAL_ERROR" in results else "TERMINATED"
    if results & {"FAILED", "INTERNAL_ERROR"} or not results:
        result = "FAILED"
    else:
        result = "TIMEDOUT" if "TIMEDOUT" in results else "CANCELED"
    if single is None:
        message = _failure_message(run, own_failures, outcomes, specs)
    return View(life, result, message)


def _failure_message(run: Run, failed: list[str], outcomes: dict[str, str], specs: dict[str, dict[str, Any]]) -> str:
    if not failed:
        return "The run ended without running its tasks."
    first = run.current[failed[0]]
    detail = slot_view(run, first).message.rstrip(".") or outcomes[failed[0]]
    text = f"Task {failed[0]} failed with message: {detail}."
    if len(failed) > 1:
        text = f"{len(failed)} tasks failed ({', '.join(failed)}). " + text
    downstream = dag.dependents(specs, failed) - set(failed)
    if downstream and all(outcomes[key] in dag.SKIPS for key in downstream):
        text += " This caused all downstream tasks to get skipped."
    return text
