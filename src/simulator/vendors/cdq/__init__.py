"""CDQ Jobs Management API v2 (CDQ's "Jobs Management API v2" documentation), served at /v2/jobs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

from simulator.contract.leniency import JACKSON
from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Step
from simulator.engine.retention import Expiry, quiet, retain
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.exchange import ApiError, Reply, RunView
from simulator.headers import Headers
from simulator.vendors.base import Vendor
from simulator.vendors.cdq import lifecycle
from simulator.vendors.cdq.auth import accepts
from simulator.vendors.cdq.errors import render_error
from simulator.vendors.cdq.flow import observe
from simulator.vendors.cdq.handlers import handlers
from simulator.vendors.cdq.model import CdqJob, CdqState
from simulator.vendors.cdq.render import EXPIRES_AFTER
from simulator.vendors.cdq.sample_data import DATA_SCHEMA, load_sample_data


class Cdq(Vendor):
    name = "cdq"
    title = "CDQ Jobs Management API v2"
    spec_files = ("cdq-jobs.yaml",)
    lifecycles: ClassVar = {"job": lifecycle.JOB}
    match_keys = frozenset({"name", "id", "type", "tags", "storageId", "organizationId", "user", "inputUri"})
    data_schema = DATA_SCHEMA
    handlers = handlers
    phases = lifecycle.PHASES
    # CDQ runs on Spring with Jackson (docs/decisions.md, "The vendor's parser").
    parser_rules = JACKSON

    def new_state(self, session: Session) -> CdqState:
        return CdqState()

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        load_sample_data(state, session, scenario)

    def retain(self, state: Any, session: Session) -> None:
        """An ended job is kept until its `expiresAt` (createdAt + 30 days), and at most `max_runs` jobs."""
        now = session.now()
        if quiet(state.jobs, now, session.max_runs):
            return

        def ended(job: CdqJob) -> bool:
            observe(state, job, now)
            return job.timeline.finished

        expiry = Expiry(EXPIRES_AFTER, _created_at, lambda job, cutoff: ended(job))
        dropped = retain(state.jobs, now, session.max_runs, ended, expiry)
        state.forget(dropped, session.max_runs, now)

    def count_runs(self, state: Any, session: Session) -> Mapping[str, int]:
        now = session.now()
        counts: Counter[str] = Counter()
        for job in state.jobs.oldest_first():
            observe(state, job, now)
            counts[job.timeline.state] += 1
        return counts

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(step)

    def accepts_token(self, headers: Headers, tokens: frozenset[str]) -> bool:
        # Bearer or X-API-KEY; also remembers the server-wide keys for this request (see auth.caller).
        return accepts(headers, tokens)

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        return render_error(error, operation)

    def run_views(self, state: Any, session: Session) -> list[RunView]:
        """Every job, newest first: its JobStatus, with the status message (or the job type) as detail."""
        now = session.now()
        views = []
        for job in state.jobs.newest_first():
            observe(state, job, now)
            timeline = job.timeline
            views.append(
                RunView(
                    api=self.name,
                    id=job.id,
                    name=str(job.fields.get("name") or job.type),
                    state=timeline.state,
                    phase=self.phase_of(timeline.state),
                    history=tuple(timeline.history),
                    started_at=timeline.started_at,
                    ended_at=timeline.ended_at(),
                    detail=timeline.step.message or job.type,
                )
            )
        return views


def _created_at(job: CdqJob) -> float:
    return job.created_at


VENDOR = Cdq
