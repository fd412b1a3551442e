"""DQOps REST API jobs operations (seed 003), served at /api/jobs as the published `dqops` client expects them."""

from __future__ import annotations

from typing import Any, ClassVar

from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Step
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.vendors.base import ApiError, Reply, Vendor
from simulator.vendors.dqops import lifecycle
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

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(step)

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        return render_error(error, operation)


VENDOR = Dqops
