"""The documented limits (Jobs API reference; docs/decisions/databricks.md): each is a 400 INVALID_PARAMETER_VALUE
naming the field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.databricks.helpers import API, error_of, task
from tests.support import RunningServer


@pytest.fixture(scope="module")
def http(server: RunningServer) -> httpx.Client:
    return server.client()


CREATE_LIMITS: list[tuple[str, dict[str, Any], str]] = [
    ("name", {"name": "n" * 4097}, "name"),
    ("description", {"description": "d" * 27701}, "description"),
    ("environments", {"environments": [{"environment_key": f"e{i}"} for i in range(11)]}, "environments"),
    ("tags", {"tags": {f"t{i}": "v" for i in range(26)}}, "tags"),
    ("max_concurrent_runs", {"max_concurrent_runs": 1001}, "max_concurrent_runs"),
    ("task_key length", {"tasks": [task("k" * 101)]}, "task_key"),
    ("task_key pattern", {"tasks": [task("has space")]}, "task_key"),
    ("task description", {"tasks": [task("t", description="d" * 1001)]}, "description"),
    ("max_retries", {"tasks": [task("t", max_retries=-2)]}, "max_retries"),
    ("run_if", {"tasks": [task("t", run_if="SOMETIMES")]}, "run_if"),
    ("git_url", {"git_source": {"git_url": "u" * 301, "git_provider": "gitHub"}}, "git_url"),
]


@pytest.mark.parametrize(("what", "settings", "field"), CREATE_LIMITS, ids=[c[0] for c in CREATE_LIMITS])
def test_create_limits(http: httpx.Client, what: str, settings: dict[str, Any], field: str) -> None:
    error_of(http.post(f"{API}/create", json={"name": "limits", **settings}), field)


API_2_1 = "/api/2.1/jobs"
# (API, most tasks and job clusters it takes): 2.1 keeps the Jobs API 2.1 reference's 100, 2.2 takes 1,000 on every
# write endpoint.
ARRAY_LIMITS = [(API_2_1, 100), (API, 1000)]


@pytest.mark.parametrize(("api", "most"), ARRAY_LIMITS, ids=["2.1", "2.2"])
def test_task_and_cluster_counts_per_api_version(http: httpx.Client, api: str, most: int) -> None:
    tasks = [task(f"t{i}") for i in range(most + 1)]
    clusters = [{"job_cluster_key": f"c{i}"} for i in range(most + 1)]
    error_of(http.post(f"{api}/create", json={"name": "limits", "tasks": tasks}), "tasks")
    error_of(http.post(f"{api}/create", json={"name": "limits", "job_clusters": clusters}), "job_clusters")
    error_of(http.post(f"{api}/runs/submit", json={"tasks": tasks}), "tasks")
    job_id = http.post(f"{api}/create", json={"name": "at the edge", "tasks": tasks[:most]}).json()["job_id"]
    error_of(http.post(f"{api}/reset", json={"job_id": job_id, "new_settings": {"tasks": tasks}}), "tasks")
    error_of(http.post(f"{api}/update", json={"job_id": job_id, "new_settings": {"tasks": tasks[most:]}}), "tasks")
    edge = {"name": "edge", "tasks": tasks[:most], "job_clusters": clusters[:most]}
    assert http.post(f"{api}/reset", json={"job_id": job_id, "new_settings": edge}).status_code == 200
    assert http.post(f"{api}/delete", json={"job_id": job_id}).status_code == 200


def test_limits_at_the_edge_are_accepted(http: httpx.Client) -> None:
    settings = {
        "name": "n" * 4096,
        "tags": {f"t{i}": "v" for i in range(25)},
        "tasks": [task(f"t{i}") for i in range(100)],
        "max_concurrent_runs": 1000,
    }
    assert http.post(f"{API}/create", json=settings).status_code == 200


def test_task_graph_rules(http: httpx.Client) -> None:
    error_of(http.post(f"{API}/create", json={"tasks": [task("a"), task("a")]}), "unique")
    error_of(http.post(f"{API}/create", json={"tasks": [task("a", "ghost")]}), "ghost")
    error_of(http.post(f"{API}/create", json={"tasks": [task("a", "b"), task("b", "a")]}), "cycle")


def test_request_limits(http: httpx.Client) -> None:
    error_of(http.get(f"{API}/list", params={"limit": 0}), "limit")
    error_of(http.get(f"{API}/list", params={"offset": 1001}), "offset")
    error_of(http.get(f"{API}/runs/list", params={"limit": 26}), "limit")
    error_of(http.get(f"{API}/runs/list", params={"active_only": "true", "completed_only": "true"}), "active_only")
    error_of(http.post(f"{API}/runs/submit", json={"idempotency_token": "x" * 65, "tasks": []}), "idempotency_token")
    error_of(http.post(f"{API}/runs/submit", json={"run_name": "r" * 4097, "tasks": []}), "run_name")
    error_of(http.post(f"{API_2_1}/runs/submit", json={"tasks": [task(f"t{i}") for i in range(101)]}), "tasks")
