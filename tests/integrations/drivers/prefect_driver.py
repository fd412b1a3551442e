"""prefect-databricks against jobsim: the submit-and-wait flow, a cancel from its submission handler, an unknown run.

`DatabricksCredentials.get_client()` always builds `https://<databricks_instance>/api/`; jobsim serves plain http, so
the credentials carry the documented `client_kwargs` with an httpx transport that sends each request over http.
Prefect runs the flows on its own ephemeral API (PREFECT_HOME in a temporary folder).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from typing import Any
from urllib.parse import urlsplit

from _driver import CLUSTER, NOTEBOOK_TASK, UNKNOWN_RUN_ID, failure, run

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect starts its own API server for the flow; on a busy machine that can take longer than its default 20 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import httpx
from prefect import flow
from prefect_databricks import DatabricksCredentials
from prefect_databricks.flows import jobs_runs_submit_and_wait_for_completion
from prefect_databricks.jobs import jobs_runs_cancel, jobs_runs_export, jobs_runs_get
from prefect_databricks.models.jobs import NotebookTask, RunSubmitTaskSettings


class PlainHttp(httpx.AsyncHTTPTransport):
    """The client's https:// URLs, sent as http:// (jobsim listens without TLS)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http")
        return await super().handle_async_request(request)


def _credentials(base_url: str, token: str) -> DatabricksCredentials:
    url = urlsplit(base_url)
    return DatabricksCredentials(
        databricks_instance=url.netloc + url.path, token=token, client_kwargs={"transport": PlainHttp()}
    )


def _tasks() -> list[RunSubmitTaskSettings]:
    return [
        RunSubmitTaskSettings(
            task_key="main",
            notebook_task=NotebookTask(notebook_path=NOTEBOOK_TASK["notebook_path"], base_parameters={"day": "1"}),
            existing_cluster_id=CLUSTER,
        )
    ]


def _submit_and_wait(base_url: str, token: str, cancel: bool = False) -> dict[str, Any]:
    credentials = _credentials(base_url, token)
    submitted: dict[str, Any] = {}

    async def handler(response: dict[str, Any]) -> None:
        submitted.update(response)
        if cancel:
            await jobs_runs_cancel.fn(databricks_credentials=credentials, run_id=response["run_id"])

    @flow
    async def pipeline() -> Any:
        outputs, metadata = await jobs_runs_submit_and_wait_for_completion(
            databricks_credentials=credentials,
            tasks=_tasks(),
            run_name="prefect-submit",
            poll_frequency_seconds=1,
            max_wait_seconds=60,
            return_metadata=True,
            job_submission_handler=handler,
        )
        # runs/export is the one task of prefect-databricks on Jobs API 2.0
        export = await jobs_runs_export(run_id=metadata["tasks"][0]["run_id"], databricks_credentials=credentials)
        return outputs, metadata, export

    try:
        outputs, metadata, export = asyncio.run(pipeline())
    except Exception as error:
        return failure(error) | {"submitted": submitted}
    return {
        "submitted": submitted,
        "outputs": outputs,
        "state": metadata["state"],
        "tasks": metadata["tasks"],
        "export": export,
    }


def unknown(base_url: str, token: str) -> dict[str, Any]:
    credentials = _credentials(base_url, token)

    @flow
    async def lookup() -> Any:
        return await jobs_runs_get(run_id=UNKNOWN_RUN_ID, databricks_credentials=credentials)

    try:
        asyncio.run(lookup())
    except httpx.HTTPStatusError as error:
        return failure(error) | {"status_code": error.response.status_code}
    except Exception as error:
        return failure(error)
    return {"error": None}


if __name__ == "__main__":
    run(
        {
            "submit-and-wait": _submit_and_wait,
            "cancel": lambda base_url, token: _submit_and_wait(base_url, token, cancel=True),
            "unknown": unknown,
        }
    )
    sys.exit(0)
