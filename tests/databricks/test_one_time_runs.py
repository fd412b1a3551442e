"""One-time runs look like Databricks': a run made by runs/submit belongs to a hidden job whose id runs/get shows
(Airflow's deferrable submit operator reads it), and every run_page_url has the workspace UI's form
`<host>/?o=<workspace id>#job/<job_id>/run/<run_id>`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.databricks.helpers import API, create, get_run, run_now, task
from tests.support import RunningServer, running_server

PAGE = re.compile(r"^(?P<host>http://127\.0\.0\.1:\d+)/\?o=(?P<workspace>\d{16})#job/(?P<job>\d+)/run/(?P<run>\d+)$")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=3) as running:
        yield running


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def test_a_submitted_run_carries_the_id_of_a_job_nobody_lists(http: httpx.Client) -> None:
    submitted = http.post(f"{API}/runs/submit", json={"run_name": "once", "tasks": [task("only")]})
    assert submitted.status_code == 200, submitted.text
    run = get_run(http, submitted.json()["run_id"])
    assert run["run_type"] == "SUBMIT_RUN"
    hidden = run["job_id"]
    assert isinstance(hidden, int) and hidden > 0
    # Each one-time run has its own hidden job.
    other = get_run(http, http.post(f"{API}/runs/submit", json={"run_name": "twice"}).json()["run_id"])
    assert other["job_id"] != hidden
    # jobs/list and jobs/get do not know the hidden job; run-now cannot start it.
    listed = [job["job_id"] for job in http.get(f"{API}/list", params={"limit": 100}).json().get("jobs", [])]
    assert hidden not in listed
    refused = http.get(f"{API}/get", params={"job_id": hidden})
    assert refused.status_code == 400 and refused.json()["message"] == f"Job {hidden} does not exist."
    assert http.post(f"{API}/run-now", json={"job_id": hidden}).status_code == 400
    # The task run and the run in runs/list and in get-output's metadata show the same job.
    assert run["tasks"][0]["run_page_url"].endswith(f"#job/{hidden}/run/{run['tasks'][0]['run_id']}")
    task_run = get_run(http, run["tasks"][0]["run_id"])
    assert task_run["job_id"] == hidden
    listed_runs = http.get(f"{API}/runs/list", params={"run_type": "SUBMIT_RUN", "limit": 25}).json()["runs"]
    assert next(r for r in listed_runs if r["run_id"] == run["run_id"])["job_id"] == hidden


def test_run_page_urls_have_the_workspace_form(http: httpx.Client, server: RunningServer) -> None:
    job_id = create(http, "paged", [task("a"), task("b", "a")])
    run = get_run(http, run_now(http, job_id))
    found = PAGE.match(run["run_page_url"])
    assert found, run["run_page_url"]
    assert (found["host"], int(found["job"]), int(found["run"])) == (server.url, job_id, run["run_id"])
    workspace = found["workspace"]
    for entry in run["tasks"]:
        page = PAGE.match(entry["run_page_url"])
        assert page and (page["workspace"], int(page["job"]), int(page["run"])) == (workspace, job_id, entry["run_id"])
    submitted = get_run(http, http.post(f"{API}/runs/submit", json={"run_name": "once"}).json()["run_id"])
    page = PAGE.match(submitted["run_page_url"])
    assert page and page["workspace"] == workspace and int(page["job"]) == submitted["job_id"]
    # One workspace per server: the id is the same in another session.
    other = http.post(f"{API}/runs/submit", json={}, headers={"X-Jobsim-Session": "elsewhere"}).json()["run_id"]
    elsewhere = http.get(f"{API}/runs/get", params={"run_id": other}, headers={"X-Jobsim-Session": "elsewhere"})
    assert PAGE.match(elsewhere.json()["run_page_url"])["workspace"] == workspace  # type: ignore[index]
