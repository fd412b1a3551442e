"""Databricks Jobs API 2.1 and 2.2 (the Databricks "Jobs API" reference) and 2.0, served at /api/2.0, /api/2.1 and
/api/2.2 on one state."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

from simulator.contract.leniency import PROTOBUF_JSON
from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Step
from simulator.engine.retention import SWEEP_EVERY, Expiry, retain
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.exchange import ApiError, Reply, RunView
from simulator.vendors.base import Vendor
from simulator.vendors.databricks import lifecycle
from simulator.vendors.databricks.common import observed
from simulator.vendors.databricks.errors import render_error
from simulator.vendors.databricks.execution import Executor
from simulator.vendors.databricks.handlers import handlers
from simulator.vendors.databricks.model import RETENTION_SECONDS, DatabricksState, Run
from simulator.vendors.databricks.sample_data import DATA_SCHEMA, load_sample_data
from simulator.vendors.databricks.views import parent_view


class Databricks(Vendor):
    name = "databricks"
    title = "Databricks Jobs API 2.0 / 2.1 / 2.2"
    spec_files = ("databricks-jobs.yaml", "databricks-jobs-2.0.yaml")
    lifecycles: ClassVar = lifecycle.LIFECYCLES
    match_keys = frozenset({"name", "id", "run_id", "job_id", "run_type", "tags", "task_key", "attempt", "repair"})
    data_schema = DATA_SCHEMA
    handlers = handlers
    phases = lifecycle.PHASES
    # Databricks parses request JSON as protobuf JSON (docs/decisions.md, "The vendor's parser").
    parser_rules = PROTOBUF_JSON

    def new_state(self, session: Session) -> DatabricksState:
        return DatabricksState()

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        load_sample_data(state, session, scenario)

    def retain(self, state: Any, session: Session) -> None:
        """Runs are kept for 60 days after they end (the Jobs API reference, runs/get-output: "Runs are automatically
        removed after 60 days"), at most `max_runs` of them; jobs (definitions) are never dropped."""
        now = session.clock.now()
        if state.runs.quiet(now, session.max_runs, SWEEP_EVERY):  # `retention.quiet`, one call less per request
            return
        executor = Executor(state, session)
        due_by_job = state.due

        def ended(run: Run) -> bool:
            if run.final_at is not None:
                return True
            # A store over its cap with only active runs is scanned again every slack of its size: the runs the
            # clock cannot have ended (queued ones, and those not due in their job's index) are answered without
            # evaluating them, so such a scan costs a lookup or two per run.
            if run.admission == "queued":
                return False
            index = due_by_job.get(run.job_id) if run.job_id is not None else None
            if index is not None and index.due.get(run.run_id, 0.0) > now:
                return False
            executor.advance(run, now)
            return run.final_at is not None

        def ended_before(run: Run, cutoff: float) -> bool:
            return ended(run) and run.final_at is not None and run.final_at < cutoff

        expiry = Expiry(RETENTION_SECONDS, _created_at, ended_before)
        dropped = retain(state.runs, now, session.max_runs, ended, expiry)
        if dropped:
            state.forget(dropped)

    def count_runs(self, state: Any, session: Session) -> Mapping[str, int]:
        executor = Executor(state, session)
        runs = observed(executor, state.runs.oldest_first(), session.now())
        return Counter(parent_view(run).life for run in runs)

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(kind, step)

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        return render_error(error)

    def run_views(self, state: Any, session: Session) -> list[RunView]:
        """Every job run and one-time run, newest first, in `life_cycle_state` words (`TERMINATED/SUCCESS` once it
        ended). Only task runs keep timelines, so a run's history is rebuilt the way its state is derived: QUEUED
        until admitted, PENDING until a task gets past PENDING, RUNNING, TERMINATING while a cancel ends it, then its
        final state; once per round (each repair is a round)."""

        def label(life: str, result: str | None) -> str:
            return f"{life}/{result}" if result else life

        def history_of(run: Run, current: str) -> tuple[tuple[str, float], ...]:
            events: list[tuple[str, float]] = []

            def enter(name: str, at: float) -> None:
                if events and events[-1][0] == name:
                    return
                events.append((name, max(at, events[-1][1]) if events else at))

            first = run.rounds[0]
            if run.admission == "queued" or (first.started_at is not None and first.started_at > run.created_at):
                enter("QUEUED", run.created_at)
            for round_ in run.rounds:
                if round_.started_at is None:
                    break
                attempts = [attempt for slot in round_.slots.values() for attempt in slot.attempts]
                if round_.ended_at is None or any(not attempt.never_ran for attempt in attempts):
                    enter("PENDING", round_.started_at)
                    busy = [slot.final_at for slot in round_.slots.values() if slot.final_at is not None]
                    for attempt in attempts:
                        moved = [at for name, at in attempt.timeline.history if name != "PENDING"]
                        if moved and not attempt.never_ran:
                            busy.append(moved[0])
                    busy_at = min(busy, default=None)
                    if busy_at is not None and (round_.stopped_at is None or busy_at < round_.stopped_at):
                        enter("RUNNING", busy_at)
                    if round_.stop == "cancel" and round_.stopped_at is not None:
                        enter("TERMINATING", round_.stopped_at)
                if round_.ended_at is not None:
                    if round_ is run.latest or round_.outcome is None:
                        enter(current, round_.ended_at)
                    else:
                        ended = round_.outcome["state"]
                        enter(label(ended["life_cycle_state"], ended.get("result_state")), round_.ended_at)
            if not events or events[-1][0] != current:
                enter(current, events[-1][1] if events else run.created_at)
            # Moments the run passed through without staying (a cancel while PENDING) are left out.
            kept = [event for event, after in itertools.pairwise(events) if after[1] > event[1]]
            return (*kept, events[-1])

        executor = Executor(state, session)
        runs = list(observed(executor, state.runs.oldest_first(), session.now()))
        views = []
        for run in reversed(runs):
            view = parent_view(run)
            current = label(view.life, view.result)
            views.append(
                RunView(
                    api=self.name,
                    id=str(run.run_id),
                    name=run.run_name,
                    state=current,
                    phase=self.phase_of(current),
                    history=history_of(run, current),
                    started_at=run.created_at,
                    ended_at=run.final_at,
                    detail=view.message,
                )
            )
        return views


def _created_at(run: Run) -> float:
    return run.created_at


VENDOR = Databricks
