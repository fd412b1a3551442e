"""Data Quality errors: 400/401/403/404/405, each a StandardErrorResponse with exactly its four keys."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.collibra.helpers import DQ, basic, bearer, error_of, scenario
from tests.support import RunningServer

MISSING_RUN = "0b7c2f59-1111-4abc-8def-0123456789ab"


@pytest.fixture
def http(dq_server: RunningServer) -> Iterator[httpx.Client]:
    dq_server.reset()
    with dq_server.client() as client:
        yield client


@pytest.fixture
def users(dq_server: RunningServer) -> Iterator[httpx.Client]:
    """The default scenario plus the bundled with-users scenario: authentication and permissions on."""
    dq_server.reset()
    dq_server.load(scenario("collibra-dq/with-users"))
    with dq_server.client() as client:
        yield client


def some_run(client: httpx.Client, job: str) -> str:
    runs = client.get(f"{DQ}/jobRuns", params={"jobName": job}, headers=basic("admin", "admin")).json()["results"]
    return str(runs[0]["jobRunId"])


# --- 400 ------------------------------------------------------------------------------------------------------
def test_job_name_breaking_the_pattern(http: httpx.Client) -> None:
    assert "jobName" in error_of(http.post(f"{DQ}/jobs/bad%20name!/run"), 400, "invalidRequest")


def test_malformed_json(http: httpx.Client) -> None:
    reply = http.post(
        f"{DQ}/jobs/customer_orders_dq/run", content=b'{"runDate": ', headers={"content-type": "application/json"}
    )
    assert "JSON" in error_of(reply, 400, "invalidRequest")


def test_malformed_run_id(http: httpx.Client) -> None:
    assert "jobRunId" in error_of(http.get(f"{DQ}/jobRuns/not-a-uuid"), 400, "invalidRequest")
    assert "jobRunId" in error_of(http.post(f"{DQ}/jobRuns/12345/cancel"), 400, "invalidRequest")


# --- 404 / 405 ------------------------------------------------------------------------------------------------
def test_not_found(http: httpx.Client) -> None:
    error_of(http.post(f"{DQ}/jobs/ghost_job/run"), 404, "jobNotFound")
    error_of(http.get(f"{DQ}/jobRuns/{MISSING_RUN}"), 404, "jobRunNotFound")
    error_of(http.get(f"{DQ}/jobs"), 404, "notFound")


def test_method_not_allowed_names_the_allowed_method(http: httpx.Client) -> None:
    reply = http.delete(f"{DQ}/jobRuns/{MISSING_RUN}")
    error_of(reply, 405, "methodNotAllowed")
    assert reply.headers["allow"] == "GET"


# --- 401 ------------------------------------------------------------------------------------------------------
def test_unreadable_credentials_are_401_even_without_users(http: httpx.Client) -> None:
    for header in ("Basic !!!", "Basic bm9jb2xvbg==", "Digest abc", "Bearer"):
        error_of(http.get(f"{DQ}/jobRuns", headers={"Authorization": header}), 401, "unauthorized")


def test_without_users_anyone_gets_in_and_is_named_by_the_credentials(http: httpx.Client) -> None:
    assert http.get(f"{DQ}/jobRuns").status_code == 200
    ids = {}
    for name, headers in (("ana", basic("ana")), ("ana-again", basic("ana", "other")), ("bo", basic("bo"))):
        run_id = http.post(f"{DQ}/jobs/customer_orders_dq/run", headers=headers).json()["jobRunId"]
        ids[name] = http.get(f"{DQ}/jobRuns/{run_id}").json()["startedBy"]
    assert ids["ana"] == ids["ana-again"] != ids["bo"]


@pytest.mark.parametrize(
    "headers",
    [{}, basic("admin", "wrong"), basic("nobody", "x"), bearer("not-a-known-token")],
    ids=["none", "bad-password", "unknown-user", "unknown-token"],
)
def test_with_users_missing_or_wrong_credentials_are_401(users: httpx.Client, headers: dict) -> None:
    for reply in (
        users.get(f"{DQ}/jobRuns", headers=headers),
        users.post(f"{DQ}/jobs/customer_orders_dq/run", headers=headers),
        users.get(f"{DQ}/jobRuns/{MISSING_RUN}", headers=headers),
        users.post(f"{DQ}/jobRuns/{MISSING_RUN}/cancel", headers=headers),
    ):
        error_of(reply, 401, "unauthorized")


def test_with_users_credentials_are_checked_before_the_request(users: httpx.Client) -> None:
    """A caller without valid credentials gets 401, not a 400 or 404 that tells them about the API."""
    for reply in (
        users.post(f"{DQ}/jobs/bad%20name!/run"),
        users.post(f"{DQ}/jobs/customer_orders_dq/run", content=b"{not json", headers=basic("admin", "wrong")),
        users.get(f"{DQ}/jobRuns", params={"limit": "-1"}),
        users.get(f"{DQ}/jobRuns/not-a-uuid"),
    ):
        error_of(reply, 401, "unauthorized")
    error_of(users.get(f"{DQ}/jobRuns", params={"limit": "-1"}, headers=basic("admin", "admin")), 400, "invalidRequest")


def test_with_users_the_bearer_token_and_basic_both_work(users: httpx.Client) -> None:
    assert users.get(f"{DQ}/jobRuns", headers=bearer("dq-admin-token")).json()["total"] == 4
    reply = users.post(f"{DQ}/jobs/customer_orders_dq/run", headers=basic("runner", "runner"))
    assert reply.status_code == 202


# --- 403 ------------------------------------------------------------------------------------------------------
def test_data_quality_alone_is_not_enough(users: httpx.Client) -> None:
    outsider = basic("outsider", "outsider")
    run_id = some_run(users, "customer_orders_dq")
    for reply in (
        users.get(f"{DQ}/jobRuns", headers=outsider),
        users.get(f"{DQ}/jobRuns/{run_id}", headers=outsider),
        users.post(f"{DQ}/jobs/customer_orders_dq/run", headers=outsider),
        users.post(f"{DQ}/jobRuns/{run_id}/cancel", headers=outsider),
    ):
        assert "DATA_QUALITY" in error_of(reply, 403, "forbidden")


def test_a_viewer_cannot_run_or_cancel(users: httpx.Client) -> None:
    viewer = basic("viewer", "viewer")
    running = some_run(users, "hr_employees_profile")
    assert "DATA_QUALITY_JOB_RUN" in error_of(
        users.post(f"{DQ}/jobs/sales.daily-checks/run", headers=viewer), 403, "forbidden"
    )
    error_of(users.post(f"{DQ}/jobRuns/{running}/cancel", headers=viewer), 403, "forbidden")
    assert users.get(f"{DQ}/jobRuns/{running}", headers=basic("admin", "admin")).json()["status"] == "RUNNING"


def test_search_shows_only_what_the_user_may_view(users: httpx.Client) -> None:
    viewer = basic("viewer", "viewer")
    page = users.get(f"{DQ}/jobRuns", headers=viewer).json()
    assert page["total"] == 1
    assert [run["jobName"] for run in page["results"]] == ["sales.daily-checks"]
    hidden = some_run(users, "customer_orders_dq")
    assert "customer_orders_dq" in error_of(users.get(f"{DQ}/jobRuns/{hidden}", headers=viewer), 403, "forbidden")
    assert users.get(f"{DQ}/jobRuns", headers=basic("runner", "runner")).json()["total"] == 4


def test_the_manage_all_bypass_runs_and_cancels(users: httpx.Client) -> None:
    admin = bearer("dq-admin-token")
    run_id = users.post(f"{DQ}/jobs/hr_employees_profile/run", headers=admin).json()["jobRunId"]
    assert users.post(f"{DQ}/jobRuns/{run_id}/cancel", headers=admin).status_code == 200
    assert users.get(f"{DQ}/jobRuns/{run_id}", headers=admin).json()["status"] == "CANCELLED"


def test_an_unknown_job_is_404_for_a_permitted_user_and_403_for_others(users: httpx.Client) -> None:
    error_of(users.post(f"{DQ}/jobs/ghost_job/run", headers=basic("runner", "runner")), 404, "jobNotFound")
    error_of(users.post(f"{DQ}/jobs/ghost_job/run", headers=basic("outsider", "outsider")), 403, "forbidden")
