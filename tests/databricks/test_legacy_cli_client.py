"""The legacy databricks-cli 0.18 itself (its `JobsService` over `ApiClient`, what `databricks jobs ...` calls).

The client keeps only the host name of `host` and drops the port (`"%s://%s/api/" % (scheme, hostname)`), so the test
points its base URL at the simulator's port after construction; everything else is the client as published.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from databricks_cli.sdk.api_client import ApiClient
from databricks_cli.sdk.service import JobsService

from tests.support import RunningServer

TASK = {"task_key": "main", "notebook_task": {"notebook_path": "/Repos/etl"}, "existing_cluster_id": "c-1"}


@pytest.fixture
def legacy(server: RunningServer) -> Iterator[JobsService]:
    server.reset()
    client = ApiClient(host=server.url, token="dapi-legacy", jobs_api_version="2.1")
    client.url = f"{server.url}/api/"  # the client drops the port of `host`
    yield JobsService(client)


def test_create_run_and_read_back(legacy: JobsService) -> None:
    job_id = legacy.create_job(name="legacy-etl", tasks=[TASK], version="2.1")["job_id"]
    assert isinstance(job_id, int)
    assert legacy.get_job(job_id, version="2.1")["settings"]["name"] == "legacy-etl"
    run = legacy.run_now(job_id=job_id, notebook_params={"day": "2026-11-25"}, version="2.1")
    got = legacy.get_run(run["run_id"], version="2.1")
    assert got["job_id"] == job_id and got["state"]["life_cycle_state"] in {"PENDING", "RUNNING", "QUEUED"}
    listed = legacy.list_runs(job_id=job_id, version="2.1")
    assert [r["run_id"] for r in listed["runs"]] == [run["run_id"]] and listed["has_more"] is False


def test_cancel_and_delete_answer_json_bodies(legacy: JobsService) -> None:
    job_id = legacy.create_job(name="legacy-cancel", tasks=[TASK], version="2.1")["job_id"]
    run_id = legacy.run_now(job_id=job_id, version="2.1")["run_id"]
    assert legacy.cancel_run(run_id, version="2.1") == {}  # resp.json() on an empty success needs `{}`
    assert legacy.reset_job(job_id, {"name": "renamed", "tasks": [TASK]}, version="2.1") == {}
    assert legacy.delete_job(job_id, version="2.1") == {}


def test_an_unknown_job_raises_with_the_vendor_error(legacy: JobsService) -> None:
    with pytest.raises(requests.exceptions.HTTPError) as raised:
        legacy.get_job(987654321, version="2.1")
    assert raised.value.response.status_code == 400
    assert raised.value.response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "987654321" in raised.value.response.json()["message"]
