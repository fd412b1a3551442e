"""The Databricks JavaScript SDK (@databricks/sdk-experimental, pinned in js/package-lock.json) under Node.

It keeps only the scheme, host and port of its `host` (no `/s/<session>`): the token `jobsim-session-<id>` picks each
test's session.
"""

from __future__ import annotations

import pytest

from tests.integrations.harness import FAILURE_MESSAGE, is_databricks_run_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
INTEGRATION = "js"


def _databricks_run_page(run: dict) -> bool:
    return is_databricks_run_page(run["run_page_url"], run["job_id"], run["run_id"])


def test_submit_and_wait_reaches_success(sim, driver) -> None:
    run = driver("submit-and-wait")
    assert run["state"]["life_cycle_state"] == "TERMINATED"
    assert run["state"]["result_state"] == "SUCCESS"
    assert run["tasks"] == [{"task_key": "main", "state": run["state"]}]
    assert run["output"]["metadata_state"]["result_state"] == "SUCCESS"


def test_a_one_time_run_belongs_to_a_hidden_job_with_a_databricks_run_page(sim, driver) -> None:
    run = driver("submit-and-wait")
    assert isinstance(run["job_id"], int)
    assert _databricks_run_page(run)


def test_run_now_and_wait_reaches_success(sim, driver) -> None:
    run = driver("run-now-and-wait")
    assert (run["state"]["life_cycle_state"], run["state"]["result_state"]) == ("TERMINATED", "SUCCESS")
    assert run["job_id"] == run["created_job_id"]
    assert run["run_page_url"].endswith(f"#job/{run['job_id']}/run/{run['run_id']}")


def test_a_failing_run_reports_the_error(failing, driver) -> None:
    run = driver("submit-and-wait")
    assert (run["state"]["life_cycle_state"], run["state"]["result_state"]) == ("TERMINATED", "FAILED")
    assert FAILURE_MESSAGE in run["state"]["state_message"]
    assert FAILURE_MESSAGE in run["output"]["error"]
    assert driver("run-now-and-wait")["state"]["result_state"] == "FAILED"


def test_cancel_and_wait_ends_canceled(slow, driver) -> None:
    run = driver("cancel")
    assert run["state"]["life_cycle_state"] == "TERMINATED"
    assert run["state"]["result_state"] == "CANCELED"
    assert run["state"]["user_cancelled_or_timedout"] is True


def test_an_unknown_run_is_the_sdks_api_error(sim, driver) -> None:
    error = driver("unknown")
    assert error["is_api_error"] is True
    assert (error["status_code"], error["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert error["error"] == "Run 987654321 does not exist."
