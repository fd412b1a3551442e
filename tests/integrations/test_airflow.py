"""Apache Airflow's Databricks provider (pinned in requirements/airflow.txt) against a real `jobsim serve`.

The connection is `{"conn_type": "databricks", "host": "127.0.0.1", "port": N, "schema": "http", "password": T}`:
the hook keeps only host and port, so it reaches the default session. The operators turn every number in their
payload into a string; the async hook and the deferrable operators' trigger send `GET runs/get` with a JSON body.
"""

from __future__ import annotations

import json

import pytest

from tests.integrations.harness import FAILURE_MESSAGE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
INTEGRATION = "airflow"


# --- the hook ------------------------------------------------------------------------------------------------------


def test_hook_create_job_and_run_now(sim, driver) -> None:
    run = driver("hook-run-now")
    assert run["state"]["life_cycle_state"] == "TERMINATED"
    assert run["state"]["is_successful"] is True
    assert run["run_job_id"] == run["job_id"]


def test_hook_run_now_of_a_failing_job_reports_the_task_error(failing, driver) -> None:
    run = driver("hook-run-now")
    assert (run["state"]["life_cycle_state"], run["state"]["result_state"]) == ("TERMINATED", "FAILED")
    assert FAILURE_MESSAGE in run["state"]["state_message"]
    assert run["state"]["is_successful"] is False


def test_hook_cancel_run(slow, driver) -> None:
    run = driver("hook-cancel")
    assert (run["state"]["life_cycle_state"], run["state"]["result_state"]) == ("TERMINATED", "CANCELED")


def test_hook_unknown_run_is_a_databricks_api_error(sim, driver) -> None:
    errors = driver("hook-unknown")
    api_error = "airflow.providers.databricks.exceptions.DatabricksApiError"
    assert errors["get_run"]["error_type"] == api_error
    assert errors["get_run"]["http_status_code"] == 400
    assert "Run 987654321 does not exist." in errors["get_run"]["error"]
    assert "Run 987654321 does not exist." in errors["cancel_run"]["error"]
    # aiohttp keeps only the reason phrase of an error reply
    assert errors["a_get_run_state"] == {
        "error_type": api_error,
        "error": "Response: Bad Request, Status Code: 400",
        "http_status_code": 400,
    }


# --- the operators -------------------------------------------------------------------------------------------------
def _event_state(outcome: dict) -> dict:
    return json.loads(outcome["event"]["run_state"])


@pytest.mark.parametrize("case", ["run-now"])
def test_operator_runs_to_success(sim, driver, case: str) -> None:
    outcome = driver(case)
    assert outcome.get("error") is None
    assert outcome["returned"] is True
    assert isinstance(outcome["run_id"], int)


@pytest.mark.parametrize("case", ["run-now"])
def test_operator_fails_with_the_task_error(failing, driver, case: str) -> None:
    outcome = driver(case)
    assert outcome["error_type"] == "airflow.sdk.exceptions.AirflowException"
    task_id = case.replace("-", "_")
    assert outcome["error"].startswith(f"{task_id} failed with terminal state: ")
    assert "result_state=FAILED" in outcome["error"] or "FAILED" in outcome["error"]
    assert FAILURE_MESSAGE in outcome["error"]


def test_run_now_of_an_unknown_job_is_a_databricks_api_error(sim, driver) -> None:
    outcomes = driver("unknown-job")
    for outcome in outcomes.values():
        assert outcome["error_type"] == "airflow.providers.databricks.exceptions.DatabricksApiError"
        assert "Job 987654321 does not exist." in outcome["error"]
        assert "Status Code: 400" in outcome["error"]
