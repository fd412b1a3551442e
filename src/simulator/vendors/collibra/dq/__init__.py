"""Collibra Data Quality job runs (the Collibra "Data Quality" job-runs API reference), served at /rest/dq/1.0."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

from simulator.contract.leniency import JACKSON
from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Step
from simulator.engine.retention import quiet, retain
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.exchange import ApiError, Reply, RunView
from simulator.vendors.base import Vendor
from simulator.vendors.collibra.auth import ScenarioUsers
from simulator.vendors.collibra.dq import errors, lifecycle, rundates
from simulator.vendors.collibra.dq.handlers import handlers
from simulator.vendors.collibra.dq.model import DqRun, DqState
from simulator.vendors.collibra.dq.sample_data import DATA_SCHEMA, load_sample_data


class CollibraDq(ScenarioUsers, Vendor):
    name = "collibra-dq"
    title = "Collibra Data Quality - Job Runs"
    spec_files = ("collibra-dq.yaml",)
    lifecycles: ClassVar = {"run": lifecycle.RUN}
    match_keys = frozenset({"name", "id", "jobType", "backfill"})
    data_schema = DATA_SCHEMA
    handlers = handlers
    phases = lifecycle.PHASES
    # Collibra Data Quality runs on Spring with Jackson (docs/decisions.md, "The vendor's parser").
    parser_rules = JACKSON

    def new_state(self, session: Session) -> DqState:
        return DqState()

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        load_sample_data(state, session, scenario)

    def retain(self, state: Any, session: Session) -> None:
        """At most `max_runs` runs, the oldest ended first. The Data Quality API documents no retention of job runs,
        so the cap is the only rule (docs/decisions.md)."""
        now = session.now()
        if quiet(state.runs, now, session.max_runs, with_age=False):
            return

        def ended(run: DqRun) -> bool:
            run.timeline.observe(now)
            return run.timeline.finished

        retain(state.runs, now, session.max_runs, ended)

    def count_runs(self, state: Any, session: Session) -> Mapping[str, int]:
        now = session.now()
        counts: Counter[str] = Counter()
        for run in state.runs.oldest_first():
            run.timeline.observe(now)
            counts[run.status] += 1
        return counts

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(step)

    def precheck_body(self, operation: Operation, body: Any) -> None:
        if operation.operation_id == "runJob":
            rundates.check(body)  # before the schema, whose message for a bad run date is only "not valid under anyOf"

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        return errors.render_error(error, self.name)

    def run_views(self, state: Any, session: Session) -> list[RunView]:
        """Every job run, newest first: its JobRunStatus, with the activity (or the failure) as detail."""
        now = session.now()
        views = []
        for run in state.runs.newest_first():
            timeline = run.timeline
            timeline.observe(now)
            history: list[tuple[str, float]] = []
            for status, at in timeline.history:  # RUNNING repeats once per activity: one segment per status
                if not history or history[-1][0] != status:
                    history.append((status, at))
            views.append(
                RunView(
                    api=self.name,
                    id=run.run_id,
                    name=run.job_name,
                    state=run.status,
                    phase=self.phase_of(run.status),
                    history=tuple(history),
                    started_at=timeline.started_at,
                    ended_at=timeline.ended_at(),
                    detail=timeline.step.message or run.activity,
                )
            )
        return views


VENDOR = CollibraDq
