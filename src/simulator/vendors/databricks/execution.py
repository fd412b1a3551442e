"""Moving a run's tasks along the clock, lazily: nothing runs between requests.

`advance(run, t)` walks the tasks in dependency order: a task starts at the moment its last dependency ended (or
the round started) when its `run_if` holds, else it ends SKIPPED at that moment; each attempt follows its own
timeline; a failed attempt is retried per `max_retries` / `min_retry_interval_millis` / `retry_on_timeout`; task
and job `timeout_seconds` stop attempts at their exact deadline. All times are computed from the plan and the
clock, so they are the same whenever the run is observed.
"""

from __future__ import annotations

from typing import Any

from simulator.engine.lifecycle import Step, Timeline
from simulator.engine.session import Session
from simulator.vendors.databricks import dag, due, references
from simulator.vendors.databricks.dag import outcome
from simulator.vendors.databricks.lifecycle import CANCEL_PATH, CONDITION_PLAN, DEFAULT_PLAN, RUN
from simulator.vendors.databricks.model import Attempt, DatabricksState, Round, Run, Slot

API = "databricks"
MAX_ATTEMPTS = 1000  # max_retries -1 retries "forever"; jobsim stops after this many attempts of one task
MIN_RETRY_GAP = 0.001


class Executor:
    """Evaluates runs of one session's Databricks state (plans and ids come from the session)."""

    __slots__ = ("session", "state")

    def __init__(self, state: DatabricksState, session: Session) -> None:
        self.state = state
        self.session = session

    # --- plans ------------------------------------------------------------------------------------------------
    def run_steps(self, attrs: dict[str, Any], plan_name: str | None = None) -> tuple[Step, ...]:
        plans = self.session.plans
        plan = plans.named(API, plan_name) if plan_name else plans.find(API, "run", attrs)
        return plan.steps if plan else DEFAULT_PLAN

    def _attempt_steps(
        self, run: Run, round_: Round, slot: Slot, run_id: int, number: int
    ) -> tuple[tuple[Step, ...], str | None]:
        if slot.hidden:
            return round_.steps, None
        attrs = {
            **run.attrs,
            "id": run_id,
            "run_id": run.run_id,
            "task_key": slot.key,
            "attempt": number,
            "repair": round_.number,
        }
        plan = self.session.plans.find(API, "task", attrs)
        if plan is not None:
            return plan.steps, plan.name
        if "condition_task" in slot.spec:
            return CONDITION_PLAN, None
        return round_.steps, None

    # --- evaluation -------------------------------------------------------------------------------------------
    def advance(self, run: Run, now: float, read: bool = False) -> None:
        round_ = run.latest
        if round_.started_at is None or run.final_at is not None:
            return  # a final run has nothing left to move, whether read or not (a repair clears final_at)
        deadline = self.deadline(run)
        if deadline is not None and deadline <= now and round_.stop is None and run.final_at is None:
            self._advance_round(run, round_, deadline, False)
            if run.final_at is None:
                self.stop(run, deadline, "timeout")
        self._advance_round(run, round_, now, read)
        due.refile(self.state, run)

    def deadline(self, run: Run) -> float | None:
        round_ = run.latest
        if run.timeout_seconds <= 0 or round_.started_at is None:
            return None
        return max(round_.started_at + run.timeout_seconds, run.timeout_floor or 0.0)

    def _advance_round(self, run: Run, round_: Round, t: float, read: bool) -> None:
        assert round_.started_at is not None
        for key in run.order:
            slot = round_.slots.get(key)
            if slot is None or slot.final_at is not None:
                continue
            if not slot.attempts and not self._launch(run, round_, slot, t):
                continue
            self._advance_slot(run, round_, slot, t, read)
        if run.final_at is None and all(s.final_at is not None for s in round_.slots.values()):
            ends = [s.final_at for s in round_.slots.values() if s.final_at is not None]
            run.final_at = round_.ended_at = max([round_.started_at, *ends])

    def _launch(self, run: Run, round_: Round, slot: Slot, t: float) -> bool:
        """Start (or skip) a task whose dependencies are all final; False while it is still blocked."""
        assert round_.started_at is not None
        ends = [round_.started_at]
        outcomes = []
        for dependency in slot.depends_on:
            upstream = run.current.get(dependency["task_key"])
            if upstream is None:
                continue  # not part of this run (run-now `only`)
            if upstream.final_at is None:
                return False
            ends.append(upstream.final_at)
            result = outcome(upstream)
            wanted = dependency.get("outcome")
            if wanted is not None and result in dag.SUCCEEDED and self.condition_outcome(run, upstream) != wanted:
                result = "EXCLUDED"
            outcomes.append(result)
        at = max(ends)
        if at > t:
            return False
        if round_.stop is not None and round_.stopped_at is not None and at >= round_.stopped_at:
            skip: Step | None = Step("SKIPPED", result="UPSTREAM_CANCELED", message=dag.UPSTREAM_CANCELED_MESSAGE)
        else:
            skip = dag.decide(str(slot.spec.get("run_if") or "ALL_SUCCESS"), outcomes) if outcomes else None
        if skip is not None:
            self.end_unstarted(slot, skip, at)
            return True
        self._start_attempt(run, round_, slot, at)
        return True

    def condition_outcome(self, run: Run, slot: Slot) -> str:
        """ "true" or "false" for a finished condition task, its operands' references resolved as it ran."""
        attempt = slot.attempts[-1] if slot.attempts else None
        resolve = references.resolver(run, slot, attempt.run_id if attempt else slot.first_id)
        return dag.condition_outcome(slot.spec, resolve)

    def end_unstarted(self, slot: Slot, step: Step, at: float) -> None:
        slot.attempts = (*slot.attempts, Attempt(slot.first_id, 0, Timeline(RUN, (step,), at), never_ran=True))
        slot.final_at = at

    def _start_attempt(self, run: Run, round_: Round, slot: Slot, at: float) -> None:
        number = len(slot.attempts)
        run_id = slot.first_id if number == 0 else self.session.ids.next_int("databricks.run", 5001)
        if number:
            self.state.task_runs[run_id] = run.run_id
        steps, plan = self._attempt_steps(run, round_, slot, run_id, number)
        attempt = Attempt(run_id, number, Timeline(RUN, steps, at), plan=plan)
        timeout = int(slot.spec.get("timeout_seconds") or 0)
        if timeout > 0 and not slot.hidden:
            attempt.timeout_at = at + timeout
        slot.attempts = (*slot.attempts, attempt)

    def _advance_slot(self, run: Run, round_: Round, slot: Slot, t: float, read: bool) -> None:
        while True:
            if slot.retry_at is not None:
                if slot.retry_at > t:
                    return
                at, slot.retry_at = slot.retry_at, None
                self._start_attempt(run, round_, slot, at)
            attempt = slot.attempts[-1]
            timeline = attempt.timeline
            if attempt.timeout_at is not None and not attempt.timeout_done and attempt.timeout_at <= t:
                attempt.timeout_done = True
                timeline.observe(attempt.timeout_at)
                if not timeline.finished:
                    seconds = int(slot.spec.get("timeout_seconds") or 0)
                    message = f"Task {slot.key} timed out after {seconds} seconds."
                    timeline.interrupt((Step("TERMINATED", result="TIMEDOUT", message=message),), attempt.timeout_at)
            timeline.observe(t, read=read)
            if not timeline.finished:
                return
            ended = timeline.ended_at()
            assert ended is not None
            if self._retries(run, round_, slot, attempt):
                millis = slot.spec.get("min_retry_interval_millis", run.extra.get("min_retry_interval_millis", 0))
                interval = int(millis or 0) / 1000
                slot.retry_at = max(ended, timeline.started_at + interval, timeline.started_at + MIN_RETRY_GAP)
                continue
            slot.final_at = ended
            return

    def _retries(self, run: Run, round_: Round, slot: Slot, attempt: Attempt) -> bool:
        if slot.no_retry or round_.stop is not None or attempt.never_ran or slot.hidden:
            return False
        result = outcome(slot)
        spec = slot.spec
        if result == "TIMEDOUT":
            if not spec.get("retry_on_timeout", run.extra.get("retry_on_timeout", False)):
                return False
        elif result not in ("FAILED", "INTERNAL_ERROR"):
            return False
        limit = int(spec.get("max_retries", run.extra.get("max_retries", 0)) or 0)
        if len(slot.attempts) >= MAX_ATTEMPTS:
            return False
        return limit == -1 or attempt.number < limit

    # --- interventions ----------------------------------------------------------------------------------------
    def stop(self, run: Run, at: float, reason: str) -> None:
        """Cancel (reason "cancel") or time out ("timeout") the latest round at `at`; tasks not started are skipped."""
        round_ = run.latest
        round_.stop, round_.stopped_at = reason, at
        for slot in round_.slots.values():
            if slot.final_at is None:
                self._stop_slot(run, slot, at, reason)
        due.refile(self.state, run)

    def _stop_slot(self, run: Run, slot: Slot, at: float, reason: str) -> bool:
        """End a pending retry or interrupt the running attempt; False when the task has not started yet."""
        slot.no_retry = True
        if slot.retry_at is not None:
            slot.retry_at = None
            slot.final_at = at
        elif slot.attempts:
            self._interrupt(run, slot.attempts[-1], at, reason)
        else:
            return False
        return True

    def _interrupt(self, run: Run, attempt: Attempt, at: float, reason: str) -> None:
        attempt.timeout_done = True
        if reason == "cancel":
            attempt.timeline.interrupt(CANCEL_PATH, at)
        else:
            message = f"Run timed out after {run.timeout_seconds} seconds."
            attempt.timeline.interrupt((Step("TERMINATED", result="TIMEDOUT", message=message),), at)

    def cancel_task(self, run: Run, slot: Slot, at: float) -> None:
        """runs/cancel with a task run id: that task is cancelled, its downstream tasks follow their run_if."""
        if slot.final_at is None and not self._stop_slot(run, slot, at, "cancel"):
            self.end_unstarted(slot, CANCEL_PATH[-1], at)
        due.refile(self.state, run)
