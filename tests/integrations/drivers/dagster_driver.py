"""dagster-databricks against jobsim: its submit-run and run-now ops in a job run in process, and its client.

The ops submit through the Databricks SDK's WorkspaceClient (`databricks_client.workspace_client.jobs`) and wait
with `DatabricksClient.wait_for_run_to_complete`, raising `DatabricksError` on a run that did not succeed.
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any

from _driver import CLUSTER, NOTEBOOK_TASK, UNKNOWN_RUN_ID, failure, run

os.environ.setdefault("DAGSTER_HOME", tempfile.mkdtemp(prefix="dagster-home-"))

from dagster import job
from dagster_databricks import (
    DatabricksClient,
    DatabricksClientResource,
    create_databricks_run_now_op,
    create_databricks_submit_run_op,
)
from databricks.sdk.service import jobs

TASK = {"task_key": "main", "notebook_task": NOTEBOOK_TASK, "existing_cluster_id": CLUSTER}
LOG = logging.getLogger("dagster-driver")


def _execute(op: Any, base_url: str, token: str) -> dict[str, Any]:
    @job(resource_defs={"databricks": DatabricksClientResource(host=base_url, token=token)})
    def pipeline() -> None:
        op()

    config = {"ops": {op.name: {"config": {"poll_interval_seconds": 0.5, "max_wait_time_seconds": 60}}}}
    result = pipeline.execute_in_process(run_config=config, raise_on_error=False)
    outcome: dict[str, Any] = {"success": result.success}
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            cause = error.cause if error is not None and error.cause is not None else error
            outcome["failure_class"] = cause.cls_name if cause else None
            outcome["failure_message"] = cause.message.strip() if cause else None
    return outcome


def submit_op(base_url: str, token: str) -> dict[str, Any]:
    return _execute(create_databricks_submit_run_op(TASK, poll_interval_seconds=0.5), base_url, token)


def run_now_op(base_url: str, token: str) -> dict[str, Any]:
    client = DatabricksClient(host=base_url, token=token).workspace_client
    created = client.jobs.create(name="dagster-run-now", tasks=[jobs.Task.from_dict(TASK)])
    outcome = _execute(create_databricks_run_now_op(created.job_id, poll_interval_seconds=0.5), base_url, token)
    return outcome | {"job_id": created.job_id}


def cancel(base_url: str, token: str) -> dict[str, Any]:
    client = DatabricksClient(host=base_url, token=token)
    run_id = client.workspace_client.jobs.submit(run_name="dagster-cancel", tasks=[jobs.SubmitTask.from_dict(TASK)])
    run_id = run_id.bind()["run_id"]
    client.workspace_client.jobs.cancel_run(run_id)
    outcome: dict[str, Any] = {"run_id": run_id}
    try:
        client.wait_for_run_to_complete(LOG, run_id, poll_interval_sec=0.5, max_wait_time_sec=60)
        outcome["completed"] = True
    except Exception as error:
        outcome.update(failure(error))
    final = client.workspace_client.jobs.wait_get_run_job_terminated_or_skipped(run_id)
    outcome["final"] = final.state.as_dict() if final.state else None
    return outcome


def unknown(base_url: str, token: str) -> dict[str, Any]:
    client = DatabricksClient(host=base_url, token=token)
    try:
        client.get_run_state(UNKNOWN_RUN_ID)
    except Exception as error:
        return failure(error) | {"error_code": getattr(error, "error_code", None)}
    return {"error": None}


if __name__ == "__main__":
    run({"submit": submit_op, "run-now": run_now_op, "cancel": cancel, "unknown": unknown})
