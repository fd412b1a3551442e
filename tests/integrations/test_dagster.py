"""dagster-databricks (pinned in requirements/dagster.txt): its ops and client against a real `jobsim serve`.

It drives the Databricks Python SDK underneath (`workspace_client.jobs.submit` / `run_now`) and waits with
`DatabricksClient.wait_for_run_to_complete`, which raises `DatabricksError` for a run that did not succeed.
"""

from __future__ import annotations

import re

import pytest

from tests.integrations.harness import FAILURE_MESSAGE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
INTEGRATION = "dagster"
SESSION_IN_PATH = True  # it keeps the path of its host: http://127.0.0.1:N/s/<session>


@pytest.mark.parametrize("case", ["submit", "run-now"])
def test_op_runs_and_waits_to_success(sim, driver, case: str) -> None:
    result = driver(case)
    assert result == {"success": True, **({"job_id": result["job_id"]} if case == "run-now" else {})}


@pytest.mark.parametrize("case", ["submit", "run-now"])
def test_op_fails_with_databricks_error_naming_the_result(failing, driver, case: str) -> None:
    result = driver(case)
    assert result["success"] is False
    assert result["failure_class"] == "DatabricksError"
    assert re.fullmatch(
        r"dagster_databricks.databricks.DatabricksError: Run `\d+` failed with result state: "
        rf"`DatabricksRunResultState.FAILED`. Message: Task failed with message: {re.escape(FAILURE_MESSAGE)}.",
        result["failure_message"],
    ), result["failure_message"]


def test_wait_after_cancel_raises_databricks_error_and_the_run_ends_canceled(slow, driver) -> None:
    result = driver("cancel")
    # dagster counts TERMINATING as finished: right after the cancel it sees the run terminating, no result yet
    assert result["error_type"] == "dagster_databricks.databricks.DatabricksError"
    assert result["error"].startswith(f"Run `{result['run_id']}` failed with result state: ")
    assert result["final"]["life_cycle_state"] == "TERMINATED"
    assert result["final"]["result_state"] == "CANCELED"


def test_an_unknown_run_is_resource_does_not_exist(sim, driver) -> None:
    result = driver("unknown", in_path=False)
    assert result["error_type"] == "databricks.sdk.errors.platform.ResourceDoesNotExist"
    assert result["error"] == "Run 987654321 does not exist."


def test_behind_a_session_path_an_unknown_run_is_the_plain_invalid_parameter_error(sim, driver) -> None:
    # The SDK maps "... does not exist." to ResourceDoesNotExist only on paths that start with /api/: behind
    # /s/<session> a user sees the error class the 400 maps to by its code (pick the session by token to avoid it).
    result = driver("unknown", in_path=True)
    assert result["error_type"] == "databricks.sdk.errors.platform.InvalidParameterValue"
    assert result["error"] == "Run 987654321 does not exist."
