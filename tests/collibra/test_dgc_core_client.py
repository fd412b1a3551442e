"""The public `collibra-core-200` client (swagger-codegen, module `collibra_core`), unmodified, against jobsim."""

from __future__ import annotations

import json
from collections.abc import Iterator

import collibra_core
import pytest
from collibra_core.rest import ApiException

from tests.collibra import dgc_data as d
from tests.collibra.helpers import DEPRECATED
from tests.support import RunningServer


@pytest.fixture
def jobs(dgc_server: RunningServer) -> Iterator[collibra_core.JobsApi]:
    dgc_server.reset()
    dgc_server.load(d.SCENARIO)
    config = collibra_core.Configuration()
    config.host = f"{dgc_server.url}/rest/2.0"
    config.username, config.password = "bob", "any"
    client = collibra_core.ApiClient(config)
    yield collibra_core.JobsApi(client)
    client.rest_client.pool_manager.clear()


def test_find_jobs_with_filters_and_sort(jobs: collibra_core.JobsApi) -> None:
    page = jobs.find_jobs(states=["COMPLETED", "ERROR"], sort_field="NAME", sort_order="ASC", count_limit=-1)
    assert isinstance(page, collibra_core.JobPagedResponse)
    assert page.total == 4
    assert [job.name for job in page.results] == [
        "Export glossary",
        "Import assets from CSV",
        "import Glossary",
        "Zeta cleanup",
    ]
    assert {job.state for job in page.results} == {"COMPLETED", "ERROR"}
    hidden = jobs.find_jobs(visible=False)
    assert [job.id for job in hidden.results] == [d.REINDEX]


def test_get_job_is_typed(jobs: collibra_core.JobsApi) -> None:
    job = jobs.get_job(d.EXPORT)
    assert isinstance(job, collibra_core.Job)
    assert (job.state, job.result, job.progress_percentage) == ("ERROR", "FAILURE", 40)
    assert job.resource_type == "Job" and job.end_date > job.start_date > job.created_on


def test_cancel_own_job_then_read_canceling(jobs: collibra_core.JobsApi, dgc_server: RunningServer) -> None:
    dgc_server.advance(5)
    jobs.cancel_job(d.SYNC_CRM, body=collibra_core.CancelJobRequest(message="from the SDK"))
    job = jobs.get_job(d.SYNC_CRM)
    assert (job.state, job.message) == ("CANCELING", "from the SDK")
    dgc_server.advance(1)
    assert jobs.get_job(d.SYNC_CRM).state == "CANCELED"


def test_errors_surface_as_api_exceptions(jobs: collibra_core.JobsApi) -> None:
    with pytest.raises(ApiException) as missing:
        jobs.get_job("00000000-0000-4000-8000-00000000ffff")
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["errorCode"] == "jobNotFound"
    with pytest.raises(ApiException) as refused:
        jobs.cancel_job(d.SYNC_HR)  # alice's job, and the client is bob
    assert refused.value.status == 403
    assert missing.value.headers["Deprecation"] == DEPRECATED
