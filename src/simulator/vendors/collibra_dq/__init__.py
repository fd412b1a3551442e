"""Collibra Data Quality job runs (seed 000), served at /rest/dq/1.0."""

from __future__ import annotations

from typing import Any, ClassVar

from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Step
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.vendors.base import ApiError, Reply, Vendor
from simulator.vendors.collibra_dq import errors, lifecycle
from simulator.vendors.collibra_dq.handlers import handlers
from simulator.vendors.collibra_dq.model import DqState
from simulator.vendors.collibra_dq.sample_data import DATA_SCHEMA, load_sample_data


class CollibraDq(Vendor):
    name = "collibra-dq"
    title = "Collibra Data Quality - Job Runs"
    spec_files = ("collibra-dq.yaml",)
    lifecycles: ClassVar = {"run": lifecycle.RUN}
    match_keys = frozenset({"name", "id", "jobType", "backfill"})
    data_schema = DATA_SCHEMA
    handlers = handlers

    def new_state(self, session: Session) -> DqState:
        return DqState()

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        load_sample_data(state, session, scenario)

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(step)

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        # The Data Quality API sends exactly the four keys of its StandardErrorResponse.
        return errors.render(error, with_help=False)


VENDOR = CollibraDq
