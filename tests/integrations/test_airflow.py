"""Apache Airflow's Databricks provider (pinned in requirements/airflow.txt) against a real `jobsim serve`.

The connection is `{"conn_type": "databricks", "host": "127.0.0.1", "port": N, "schema": "http", "password": T}`:
the hook keeps only host and port, so the token (`jobsim-session-<id>`) picks each test's session. The operators
turn every number in their payload into a string; the async hook and the deferrable operators' trigger send
`GET runs/get` with a JSON body; the deferrable submit operator reads `job_id` from its one-time run.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.integrations.harness import FAILURE_MESSAGE, is_databricks_run_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
INTEGRATION = "airflow"


# --- the hook ------------------------------------------------------------------------------------------------------
def test_hook_submit_run_reaches_success_in_a_hidden_job(sim, driver) -> None:
    run = driver("hook-submit")
    assert run["state"] == {
        "life_cycle_state": "TERMINATED",
        "result_state": "SUCCESS",
        "state_message": "",
        "is_successful": True,
    }
    assert run["state_str"] == "State: TERMINATED. Result: SUCCESS. "
    assert run["tasks"][0]["result_state"] == "SUCCESS"
    assert isinstance(run["job_id"], int)  # hook.get_job_id reads it from runs/get of the one-time run
    assert is_databricks_run_page(run["run_page_url"], run["job_id"], run["run_id"])


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


def test_async_hook_follows_a_run_to_success(sim, driver) -> None:
    run = driver("hook-async")
    assert run["state"]["is_successful"] is True
    assert run["run_state"]["result_state"] == "SUCCESS"
    assert run["run_page_url"].endswith(f"/run/{run['run_id']}")


def test_async_hook_follows_a_run_to_failure(failing, driver) -> None:
    run = driver("hook-async")
    assert run["state"]["result_state"] == "FAILED"
    assert FAILURE_MESSAGE in run["run_state"]["state_message"]


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


@pytest.mark.parametrize("case", ["submit", "run-now"])
def test_operator_runs_to_success(sim, driver, case: str) -> None:
    outcome = driver(case)
    assert outcome.get("error") is None
    assert outcome["returned"] is True
    assert isinstance(outcome["run_id"], int)
    # what the operator sent: every number of its payload as a string (normalise_json_content)
    if case == "submit":
        [sent] = [request["body"] for request in sim.requests(operation="jobsSubmit")]
        assert (sent["timeout_seconds"], sent["tasks"][0]["timeout_seconds"]) == ("3600", "600")
    else:
        [sent] = [request["body"] for request in sim.requests(operation="jobsRunNow")]
        assert sent["job_parameters"] == {"day": "2026-12-04", "attempt": "1"}
        assert isinstance(sent["job_id"], str)


@pytest.mark.parametrize("case", ["submit", "run-now"])
def test_operator_fails_with_the_task_error(failing, driver, case: str) -> None:
    outcome = driver(case)
    assert outcome["error_type"] == "airflow.sdk.exceptions.AirflowException"
    task_id = case.replace("-", "_")
    assert outcome["error"].startswith(f"{task_id} failed with terminal state: ")
    assert "'result_state': 'FAILED'" in outcome["error"]
    # the errors are each failed task's runs/get-output error
    task_error = (
        f"'task_key': 'main', 'run_id': \\d+, 'error': \"Task failed with message: {re.escape(FAILURE_MESSAGE)}\""
    )
    assert re.search(task_error, outcome["error"]), outcome["error"]


@pytest.mark.parametrize("case", ["submit-deferrable", "run-now-deferrable"])
def test_deferrable_operator_defers_to_the_trigger_and_completes(slow, driver, case: str) -> None:
    outcome = driver(case)
    assert outcome["deferred"] == "DatabricksExecutionTrigger"
    assert _event_state(outcome)["result_state"] == "SUCCESS"
    # the trigger's async hook sends runs/get as a GET with a JSON body and no query string
    trigger = [
        r for r in slow.requests(operation="jobsGetRun") if "DatabricksExecutionTrigger" in r["headers"]["user-agent"]
    ]
    assert trigger
    assert all((poll["query"], poll["body"]) == ("", {"run_id": outcome["run_id"]}) for poll in trigger)
    assert outcome["event"]["errors"] == []
    assert outcome.get("error") is None
    assert outcome["returned"] is True


@pytest.mark.parametrize("case", ["submit-deferrable", "run-now-deferrable"])
def test_deferrable_operator_fails_with_the_task_error(failing, driver, case: str) -> None:
    outcome = driver(case)
    assert outcome["error_type"] == "airflow.sdk.exceptions.AirflowException"
    assert outcome["error"].startswith("Job run failed with terminal state: ")
    assert FAILURE_MESSAGE in outcome["error"]


def test_killed_operator_cancels_its_run(slow, driver) -> None:
    outcome = driver("submit-cancel")
    assert outcome["error_type"] == "airflow.sdk.exceptions.AirflowException"
    assert "CANCELED" in outcome["error"]
    assert "Run cancelled." in outcome["error"]


@pytest.mark.parametrize("case", ["submit-deferrable-cancel", "run-now-deferrable-cancel"])
def test_killed_trigger_cancels_the_run(slow, driver, case: str) -> None:
    outcome = driver(case)
    assert outcome["deferred"] == "DatabricksExecutionTrigger"
    state = _event_state(outcome)
    assert (state["life_cycle_state"], state["result_state"]) == ("TERMINATED", "CANCELED")
    assert outcome["error"].startswith("Job run failed with terminal state: ")


def test_run_now_of_an_unknown_job_is_a_databricks_api_error(sim, driver) -> None:
    outcomes = driver("unknown-job")
    for outcome in outcomes.values():
        assert outcome["error_type"] == "airflow.providers.databricks.exceptions.DatabricksApiError"
        assert "Job 987654321 does not exist." in outcome["error"]
        assert "Status Code: 400" in outcome["error"]
