"""Databricks Jobs operations (operationIds of specs/databricks-jobs.yaml and databricks-jobs-2.0.yaml).

Registered by the modules below."""

from __future__ import annotations

from simulator.vendors.databricks import jobs_api, legacy, output, repair, runs_api
from simulator.vendors.databricks.common import handlers
from simulator.vendors.databricks.jobs_api import new_job
from simulator.vendors.databricks.runs_api import start_run

__all__ = ["handlers", "jobs_api", "legacy", "new_job", "output", "repair", "runs_api", "start_run"]
