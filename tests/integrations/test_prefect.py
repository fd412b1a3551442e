"""prefect-databricks (pinned in requirements/prefect.txt): its submit-and-wait flow against a real `jobsim serve`.

Its client is https-only (`https://<databricks_instance>/api/`); the credentials' documented `client_kwargs` carry an
httpx transport that sends each request over plain http. Its pydantic models send every unset optional member of a
task as an explicit `null`.
"""

from __future__ import annotations

import pytest

from tests.integrations.harness import FAILURE_MESSAGE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
INTEGRATION = "prefect"
SESSION_IN_PATH = True  # databricks_instance may carry a path: 127.0.0.1:N/s/<session>


def test_submit_and_wait_returns_the_notebook_outputs(sim, driver) -> None:
    result = driver("submit-and-wait")
    assert result.get("error") is None, result
    assert isinstance(result["submitted"]["run_id"], int)
    assert result["state"]["life_cycle_state"] == "TERMINATED"
    assert result["state"]["result_state"] == "SUCCESS"
    assert [task["task_key"] for task in result["tasks"]] == ["main"]
    assert set(result["outputs"]) == {"main"}
    # its pydantic models send each unset optional member of a task as an explicit null
    [sent] = [request["body"] for request in sim.requests(operation="jobsSubmit")]
    assert sent["tasks"][0]["dbt_task"] is None
    assert sent["tasks"][0]["libraries"] is None
    # runs/export, at Jobs API 2.0, gives the task run's notebook
    assert [view["type"] for view in result["export"]["views"]] == ["NOTEBOOK"]
    [export] = sim.requests(operation="jobs20ExportRun")
    assert (export["path"], export["status"]) == ("/api/2.0/jobs/runs/export", 200)


def test_a_failing_run_raises_job_terminated_with_the_message(failing, driver) -> None:
    result = driver("submit-and-wait")
    assert result["error_type"] == "prefect_databricks.flows.DatabricksJobTerminated"
    run_id = result["submitted"]["run_id"]
    assert result["error"] == (
        f"Databricks Jobs Runs Submit (prefect-submit ID {run_id}) terminated with result state, FAILED: "
        f"Task failed with message: {FAILURE_MESSAGE}"
    )


def test_a_run_cancelled_after_submission_raises_job_terminated(slow, driver) -> None:
    result = driver("cancel")
    assert result["error_type"] == "prefect_databricks.flows.DatabricksJobTerminated"
    run_id = result["submitted"]["run_id"]
    assert result["error"] == (
        f"Databricks Jobs Runs Submit (prefect-submit ID {run_id}) terminated with result state, CANCELED: "
        "Run cancelled."
    )


def test_an_unknown_run_is_an_http_status_error_with_the_vendor_message(sim, driver) -> None:
    result = driver("unknown")
    assert result["error_type"] == "httpx.HTTPStatusError"
    assert result["status_code"] == 400
    assert "Run 987654321 does not exist." in result["error"]
