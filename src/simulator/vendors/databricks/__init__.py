"""Databricks Jobs API 2.1 and 2.2 (seed 002), served at /api/2.1/jobs and /api/2.2/jobs on one state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, ClassVar

from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Step
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.vendors.base import ApiError, Reply, Vendor
from simulator.vendors.databricks import lifecycle
from simulator.vendors.databricks.errors import render_error
from simulator.vendors.databricks.handlers import handlers
from simulator.vendors.databricks.model import DatabricksState
from simulator.vendors.databricks.sample_data import DATA_SCHEMA, load_sample_data

_ID_FIELDS = ("job_id", "run_id", "latest_repair_id")


class Databricks(Vendor):
    name = "databricks"
    title = "Databricks Jobs API 2.1 / 2.2"
    spec_files = ("databricks-jobs.yaml",)
    lifecycles: ClassVar = {"run": lifecycle.RUN}
    match_keys = frozenset({"name", "id", "job_id", "run_type", "tags", "task_key"})
    data_schema = DATA_SCHEMA
    handlers = handlers

    def new_state(self, session: Session) -> DatabricksState:
        return DatabricksState()

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        load_sample_data(state, session, scenario)

    def count_runs(self, state: Any, session: Session) -> Mapping[str, int]:
        now = session.now()
        return Counter(run.timeline.observe(now).state for run in state.runs.oldest_first())

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(step)

    def normalize_body(self, operation: Operation, body: Any) -> Any:
        # The legacy databricks-cli sends ids as JSON strings: {"job_id": "100"}.
        if isinstance(body, dict):
            for key in _ID_FIELDS:
                value = body.get(key)
                if isinstance(value, str) and value.isdigit():
                    body[key] = int(value)
        return body

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        return render_error(error)


VENDOR = Databricks
