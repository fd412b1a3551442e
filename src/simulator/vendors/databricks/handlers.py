"""The Databricks Jobs handler table (operationIds of specs/databricks-jobs.yaml and databricks-jobs-2.0.yaml): job
definitions (`jobs_api`), runs (`runs_api`), their output (`output`), repairs (`repair`) and the 2.0 API
(`legacy`), each module with its own table."""

from __future__ import annotations

from simulator.exchange import HandlerTable
from simulator.vendors.databricks import jobs_api, legacy, output, repair, runs_api
from simulator.vendors.databricks.jobs_api import new_job
from simulator.vendors.databricks.runs_api import start_run

handlers = HandlerTable.joined(jobs_api.handlers, runs_api.handlers, output.handlers, repair.handlers, legacy.handlers)

__all__ = ["handlers", "new_job", "start_run"]
