"""Collibra DGC Core jobs (the Collibra "Core REST API 2.0" jobs reference, /rest/2.0, deprecated) and their
successor, the Jobs API v1 (/rest/jobs/v1), served on one store of jobs."""

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
from simulator.vendors.collibra.dgc import errors, lifecycle
from simulator.vendors.collibra.dgc.handlers import handlers
from simulator.vendors.collibra.dgc.model import DgcJob, DgcState
from simulator.vendors.collibra.dgc.sample_data import DATA_SCHEMA, load_sample_data


class CollibraDgc(ScenarioUsers, Vendor):
    name = "collibra-dgc"
    title = "Collibra DGC Core API jobs (2.0) and Jobs API v1"
    spec_files = ("collibra-dgc.yaml", "collibra-jobs-v1.yaml")
    lifecycles: ClassVar = {"job": lifecycle.JOB}
    match_keys = frozenset({"name", "id", "type", "user"})
    data_schema = DATA_SCHEMA
    handlers = handlers
    phases = lifecycle.PHASES
    # Collibra DGC (Core 2.0 and Jobs v1) runs on Spring with Jackson (docs/decisions.md, "The vendor's parser").
    parser_rules = JACKSON

    def new_state(self, session: Session) -> DgcState:
        return DgcState()

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        load_sample_data(state, session, scenario)

    def retain(self, state: Any, session: Session) -> None:
        """At most `max_runs` jobs, the oldest ended first; waiting, running and not yet visible jobs are never
        dropped. DGC documents no retention of jobs, so the cap is the only rule (docs/decisions.md)."""
        now = session.now()
        if quiet(state.jobs, now, session.max_runs, with_age=False):
            return

        def ended(job: DgcJob) -> bool:
            if job.created_at > now:
                return False
            job.timeline.observe(now)
            return job.timeline.finished

        retain(state.jobs, now, session.max_runs, ended)

    def count_runs(self, state: Any, session: Session) -> Mapping[str, int]:
        return Counter(job.state for job in state.visible(session.now()))

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(step)

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        return errors.render_error(error, operation, self.name)

    def run_views(self, state: Any, session: Session) -> list[RunView]:
        """Every job that exists at now, newest first: its Core state, with the result once it ended."""
        views = []
        for job in reversed(state.visible(session.now())):
            timeline = job.timeline
            label = f"{job.state}/{job.result}" if timeline.finished else job.state
            history: list[tuple[str, float]] = []
            for status, at in timeline.history:  # a progress change repeats RUNNING: one segment per state
                if not history or history[-1][0] != status:
                    history.append((status, at))
            if timeline.finished:
                history[-1] = (label, history[-1][1])
            views.append(
                RunView(
                    api=self.name,
                    id=job.job_id,
                    name=job.name,
                    state=label,
                    phase=self.phase_of(label),
                    history=tuple(history),
                    started_at=timeline.started_at,
                    ended_at=timeline.ended_at(),
                    detail=" ".join(filter(None, [job.type, "(deleted)" if job.deleted else "", job.text()])),
                )
            )
        return views


VENDOR = CollibraDgc
