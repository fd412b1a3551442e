"""The request shapes of the legacy databricks-cli 0.18 (as its `jobs` and `runs` commands build them), sent over
HTTP as it sends them.

Every request carries `Content-Type: text/json` (GETs too) and `Accept: */*`, ids are JSON strings, `jobs list --all`
pages with offset + has_more, and every answer must be a JSON body (`{}` for empty successes).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.support import RunningServer

BASE = "/api/2.1/jobs"
HEADERS = {
    "Authorization": "Bearer dapi-legacy",
    "Content-Type": "text/json",
    "Accept": "*/*",
    "User-Agent": "databricks-cli-0.18.0-jobs-create-00000000-0000-0000-0000-000000000000",
}


class LegacyCli:
    """What `databricks_cli.sdk.api_client.ApiClient.perform_query` does: data=json.dumps(body), resp.json()."""

    def __init__(self, server: RunningServer) -> None:
        self.http = httpx.Client(base_url=server.url, headers=HEADERS, timeout=30)

    def get(self, path: str, **query: Any) -> dict[str, Any]:
        params = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in query.items()}
        return self._check(self.http.request("GET", f"{BASE}{path}", params=params))

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._check(self.http.post(f"{BASE}{path}", content=json.dumps(body).encode()))

    @staticmethod
    def _check(reply: httpx.Response) -> dict[str, Any]:
        reply.raise_for_status()
        return dict(reply.json())  # the CLI fails on an empty body


@pytest.fixture(scope="module")
def cli(server: RunningServer) -> LegacyCli:
    return LegacyCli(server)


NOTEBOOK = {"notebook_task": {"notebook_path": "/Users/me/nb"}, "existing_cluster_id": "0101-abc"}


def test_jobs_commands(cli: LegacyCli) -> None:
    created = cli.post("/create", {"name": "legacy-cli-job", "tasks": [{"task_key": "main", **NOTEBOOK}]})
    job_id = str(created["job_id"])
    assert cli.get("/get", job_id=job_id)["settings"]["name"] == "legacy-cli-job"
    new_settings = {"name": "legacy-cli-reset", "tasks": [{"task_key": "main", **NOTEBOOK}]}
    assert cli.post("/reset", {"job_id": job_id, "new_settings": new_settings}) == {}
    assert cli.get("/get", job_id=job_id)["settings"]["name"] == "legacy-cli-reset"
    listed = cli.get("/list", expand_tasks=False, name="legacy-cli-reset")
    assert [j["settings"]["name"] for j in listed["jobs"]] == ["legacy-cli-reset"]  # table mode reads these
    assert cli.post("/delete", {"job_id": job_id}) == {}


def test_jobs_list_all_pages_by_offset_and_has_more(cli: LegacyCli) -> None:
    names = {f"legacy-page-{i}" for i in range(23)}
    for name in sorted(names):
        cli.post("/create", {"name": name})
    seen: list[str] = []
    offset, pages = 0, 0
    while True:  # `jobs list --all`
        page = cli.get("/list", expand_tasks=False, limit=20, offset=offset)
        jobs = page.get("jobs", [])
        seen += [j["settings"]["name"] for j in jobs]
        offset += len(jobs)
        pages += 1
        if not page["has_more"]:
            break
    assert names <= set(seen) and len(seen) == len(set(seen)) and pages >= 2


def test_run_now_get_list_cancel_with_string_ids(cli: LegacyCli) -> None:
    job_id = str(cli.post("/create", {"name": "legacy-runs", "tasks": [{"task_key": "t", **NOTEBOOK}]})["job_id"])
    run_id = str(cli.post("/run-now", {"job_id": job_id})["run_id"])
    run = cli.get("/runs/get", run_id=run_id)
    assert run["state"]["life_cycle_state"] in ("PENDING", "RUNNING") and run["run_page_url"]
    assert [str(r["run_id"]) for r in cli.get("/runs/list", job_id=job_id)["runs"]] == [run_id]
    assert cli.post("/runs/cancel", {"run_id": run_id}) == {}
    output = cli.get("/runs/get-output", run_id=run_id)
    assert str(output["metadata"]["run_id"]) == run_id


def test_runs_submit_wait_loop(cli: LegacyCli) -> None:
    """`runs submit --wait`: poll until TERMINATED/SKIPPED/INTERNAL_ERROR, then read result_state."""
    body = {"run_name": "legacy-submit", "tasks": [{"task_key": "t", **NOTEBOOK}]}
    run_id = cli.post("/runs/submit", body)["run_id"]
    deadline = time.monotonic() + 20
    while True:
        run = cli.get("/runs/get", run_id=run_id)
        life = run["state"]["life_cycle_state"]
        if life in ("TERMINATED", "SKIPPED", "INTERNAL_ERROR"):
            break
        assert run["run_page_url"]  # printed on every state change
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert run["state"]["result_state"] == "SUCCESS" and isinstance(run["state"]["state_message"], str)


def test_errors_are_json_bodies(cli: LegacyCli) -> None:
    reply = cli.http.post(f"{BASE}/run-now", content=b'{"job_id": "987654"}')
    assert reply.status_code == 400
    assert reply.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Job 987654 does not exist."}


def test_runs_list_pages_by_offset_too(cli: LegacyCli) -> None:
    job_id = str(cli.post("/create", {"name": "legacy-offset", "max_concurrent_runs": 5})["job_id"])
    run_ids = [cli.post("/run-now", {"job_id": job_id})["run_id"] for _ in range(3)]
    seen: list[int] = []
    offset = 0
    while True:
        page = cli.get("/runs/list", job_id=job_id, limit=2, offset=offset)
        seen += [r["run_id"] for r in page.get("runs", [])]
        offset += len(page.get("runs", []))
        if not page["has_more"]:
            break
    assert seen == run_ids[::-1]  # newest first
    for run_id in run_ids:
        assert cli.post("/runs/cancel", {"run_id": str(run_id)}) == {}
