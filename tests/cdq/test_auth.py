"""Auth: server-wide keys (401 without one), keys from scenario data naming user and organization, org scoping."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.cdq.helpers import JOBS, error_of
from tests.support import RunningServer, running_server

KEYS = """\
jobsim: 1
name: two-organizations
api: cdq
data:
  apiKeys:
    - {key: key-a, user: alice, organizationId: org-a, workspaceId: ws-a}
    - {key: key-b, organizationId: org-b}
"""
A = {"X-API-KEY": "key-a"}
B = {"Authorization": "Bearer key-b"}


@pytest.fixture(scope="module")
def locked() -> Iterator[RunningServer]:
    with running_server(clock_mode="virtual", seed=5, apis=("cdq",), auth_tokens=frozenset({"k-server"})) as running:
        yield running


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", JOBS),
        ("POST", JOBS),
        ("GET", "/v2/jobs/types"),
        ("GET", f"{JOBS}/x"),
        ("PATCH", f"{JOBS}/x"),
        ("DELETE", f"{JOBS}/x"),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic k-server"}])
def test_without_a_valid_key_every_operation_is_401(
    locked: RunningServer, method: str, path: str, headers: dict
) -> None:
    with locked.client() as http:
        error_of(http.request(method, path, headers=headers, json={"type": "DATA_CURATION_JOB"}), 401)


def test_a_server_key_works_as_bearer_or_api_key(locked: RunningServer) -> None:
    with locked.client() as http:
        assert http.get(JOBS, headers={"Authorization": "Bearer k-server"}).status_code == 200
        assert http.get(JOBS, headers={"X-API-KEY": "k-server"}).status_code == 200
        created = http.post(JOBS, json={"type": "DATA_CURATION_JOB"}, headers={"authorization": "bearer k-server"})
        assert created.status_code == 201 and created.json()["organizationId"] == "jobsim_org"


def test_scenario_keys_must_also_be_server_keys_when_the_server_has_some(locked: RunningServer) -> None:
    locked.load(KEYS)
    try:
        with locked.client() as http:
            error_of(http.get(JOBS, headers=A), 401)
            assert http.get(JOBS, headers={"X-API-KEY": "k-server"}).status_code == 200
    finally:
        locked.reset()


@pytest.fixture
def orgs(sim: RunningServer, http: httpx.Client) -> dict[str, dict]:
    sim.load(KEYS)
    made = {
        "a": http.post(JOBS, json={"type": "DATA_CURATION_JOB", "tags": ["org"]}, headers=A).json(),
        "b": http.post(JOBS, json={"type": "DATA_CURATION_JOB", "tags": ["org"]}, headers=B).json(),
    }
    return made


def test_scenario_keys_name_user_and_organization(orgs: dict) -> None:
    assert (
        orgs["a"]["user"] == "alice" and orgs["a"]["organizationId"] == "org-a" and orgs["a"]["workspaceId"] == "ws-a"
    )
    assert orgs["b"]["organizationId"] == "org-b" and orgs["b"]["user"].startswith("apikey-")
    assert "key-b" not in orgs["b"]["user"]


def test_once_a_session_declares_keys_a_key_is_required(orgs: dict, http: httpx.Client) -> None:
    error_of(http.get(JOBS), 401)
    error_of(http.get(JOBS, headers={"X-API-KEY": "key-c"}), 401)
    error_of(http.post(JOBS, json={"type": "DATA_CURATION_JOB"}), 401)


def test_callers_see_only_their_organization(orgs: dict, http: httpx.Client) -> None:
    listed = http.get(JOBS, headers=A).json()["jobs"]
    assert [job["id"] for job in listed] == [orgs["a"]["id"]]
    other = f"{JOBS}/{orgs['b']['id']}"
    error_of(http.get(other, headers=A), 404, orgs["b"]["id"])
    error_of(http.patch(other, json={"name": "x"}, headers=A), 404, "jobId")
    error_of(http.delete(other, headers=A), 404, "jobId")
    assert http.get(other, headers=B).status_code == 200
    reply = http.post(
        JOBS, json={"type": "DATA_CURATION_JOB", "jobDependencies": [{"jobId": orgs["b"]["id"]}]}, headers=A
    )
    error_of(reply, 400, "jobDependencies[0].jobId")


def test_ignore_organization_restrictions_reads_every_organization(orgs: dict, http: httpx.Client) -> None:
    wide = {"featuresOn": ["IGNORE_ORGANIZATION_RESTRICTIONS", "NUMBER_OF_TOTAL"], "limit": 100}
    body = http.get(JOBS, params=wide, headers=A).json()
    assert {job["organizationId"] for job in body["jobs"]} == {"org-a", "org-b", "jobsim_org"}
    assert body["total"] == 5
    only_b = http.get(JOBS, params={**wide, "organizationId": "org-b"}, headers=A).json()["jobs"]
    assert [job["id"] for job in only_b] == [orgs["b"]["id"]]
    assert http.get(JOBS, params={"organizationId": "org-b"}, headers=A).json()["jobs"] == []
    mine = http.get(JOBS, params={"organizationId": "org-a", "user": "alice"}, headers=A).json()["jobs"]
    assert [job["id"] for job in mine] == [orgs["a"]["id"]]
