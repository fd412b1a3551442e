"""DQOps jobs operations (DQOps' "REST API jobs operations" page), served at /api/jobs as the published `dqops`
client expects them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

from simulator.contract.leniency import JACKSON
from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Step
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.exchange import ApiError, Reply, RunView
from simulator.vendors.base import Vendor
from simulator.vendors.dqops import lifecycle, queue
from simulator.vendors.dqops.errors import render_error
from simulator.vendors.dqops.handlers import handlers
from simulator.vendors.dqops.model import DqopsState
from simulator.vendors.dqops.options import Options, read_options
from simulator.vendors.dqops.sample_data import DATA_SCHEMA, load_sample_data


class Dqops(Vendor):
    name = "dqops"
    title = "DQOps REST API jobs operations"
    spec_files = ("dqops-jobs.yaml",)
    lifecycles: ClassVar = {"job": lifecycle.JOB}
    match_keys = frozenset({"id", "job_type", "business_key", "connection", "table", "data_scope"})
    data_schema = DATA_SCHEMA
    handlers = handlers
    phases = lifecycle.PHASES
    # DQOps runs on Spring Boot with Jackson (docs/decisions.md, "The vendor's parser").
    parser_rules = JACKSON

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options=dict(options or {}))
        self.settings: Options = read_options(self.options)  # fails at start-up on a bad option

    def new_state(self, session: Session) -> DqopsState:
        now = session.now()
        state = DqopsState(
            session=session, options=self.settings, last_sequence=int(now) * 1_000_000, cron_checked_at=now
        )
        state.listen_to_clock()
        return state

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        load_sample_data(state, session, scenario)

    def retain(self, state: Any, session: Session) -> None:
        """Finished jobs and changes for `keep_finished_seconds` / `keep_changes_seconds` of simulator clock, at most
        `max_runs` of each. The finished jobs go in the order they ended (the queue keeps them so), which the
        engine's creation-ordered store helper cannot express; the feed is a deque of its own."""
        now = session.now()
        queue.sync(state, now)
        queue.retain(state, now)

    def count_runs(self, state: Any, session: Session) -> Mapping[str, int]:
        queue.sync(state, session.now())
        return Counter(job.timeline.state for job in state.jobs.newest_first())

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(step)

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        return render_error(error, operation)

    def run_views(self, state: Any, session: Session) -> list[RunView]:
        """Every job the queue still holds, newest first: its DqoJobStatus, with what it works on as detail."""
        queue.sync(state, session.now())  # the one place that moves jobs along (and queues due cron jobs)
        views = []
        for job in state.jobs.newest_first():
            timeline = job.timeline
            attrs = queue.plan_attrs(job.job_id, job.kind, job.parameters, job.business_key)
            where = [str(attrs[key]) for key in ("connection", "table") if attrs.get(key)]
            views.append(
                RunView(
                    api=self.name,
                    id=str(job.job_id),
                    name=job.business_key or job.kind.job_type,
                    state=timeline.state,
                    phase=self.phase_of(timeline.state),
                    history=tuple(timeline.history),
                    started_at=timeline.started_at,
                    ended_at=timeline.ended_at(),
                    detail=" ".join([job.kind.job_type, *where, timeline.step.message or ""]).strip(),
                )
            )
        return views


VENDOR = Dqops
