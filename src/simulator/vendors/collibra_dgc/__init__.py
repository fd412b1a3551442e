"""Collibra DGC Core jobs (seed 001, /rest/2.0, deprecated) and their successor, the Jobs API v1 (/rest/jobs/v1),
served on one store of jobs."""

from __future__ import annotations

from typing import Any, ClassVar

from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Step
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.vendors.base import ApiError, Reply, Vendor
from simulator.vendors.collibra_dgc import core_handlers, lifecycle, v1_handlers  # both register on `handlers`
from simulator.vendors.collibra_dgc.api import handlers
from simulator.vendors.collibra_dgc.model import DgcState
from simulator.vendors.collibra_dgc.sample_data import DATA_SCHEMA, load_sample_data
from simulator.vendors.collibra_dq import errors

__all__ = ["VENDOR", "core_handlers", "v1_handlers"]


class CollibraDgc(Vendor):
    name = "collibra-dgc"
    title = "Collibra DGC Core API jobs (2.0) and Jobs API v1"
    spec_files = ("collibra-dgc.yaml", "collibra-jobs-v1.yaml")
    lifecycles: ClassVar = {"job": lifecycle.JOB}
    match_keys = frozenset({"name", "id", "type", "user"})
    data_schema = DATA_SCHEMA
    handlers = handlers

    def new_state(self, session: Session) -> DgcState:
        return DgcState()

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        load_sample_data(state, session, scenario)

    def check_step(self, kind: str, step: Step) -> str | None:
        return lifecycle.check_step(step)

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        deprecated = operation is not None and operation.deprecated
        return errors.render(error, with_help=True, headers=core_handlers.deprecation() if deprecated else None)


VENDOR = CollibraDgc
