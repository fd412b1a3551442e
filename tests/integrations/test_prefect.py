"""prefect-databricks (pinned in requirements/prefect.txt): its submit-and-wait flow against a real `jobsim serve`.

Its client is https-only (`https://<databricks_instance>/api/`); the credentials' documented `client_kwargs` carry an
httpx transport that sends each request over plain http. Its pydantic models send every unset optional member of a
task as an explicit `null`.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
INTEGRATION = "prefect"


def test_an_unknown_run_is_an_http_status_error_with_the_vendor_message(sim, driver) -> None:
    result = driver("unknown")
    assert result["error_type"] == "httpx.HTTPStatusError"
    assert result["status_code"] == 400
    assert "Run 987654321 does not exist." in result["error"]
