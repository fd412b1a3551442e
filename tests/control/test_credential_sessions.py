"""Sessions picked by credentials, for clients that keep only host and port (Airflow's Databricks hook, the
Databricks JavaScript SDK): a token (or API key, or HTTP Basic user name) `jobsim-session-<id>` picks session <id>,
and `jobsim serve --session-per-token` gives every distinct token a session of its own. The path `/s/<id>` and the
header `X-Jobsim-Session` still come first. Driven with the published clients against real servers."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import PermissionDenied, Unauthenticated
from dqops.client import AuthenticatedClient
from dqops.client.api.jobs import run_checks
from dqops.client.models import DqoJobStatus, RunChecksParameters

from tests.support import RunningServer, running_server, start_jobsim

JOBS = "/api/2.2/jobs"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=5) as running:
        yield running


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def job_names(http: httpx.Client, path: str = JOBS, **headers: str) -> set[str]:
    reply = http.get(f"{path}/list", params={"limit": 100}, headers=headers)
    assert reply.status_code == 200, reply.text
    return {job["settings"]["name"] for job in reply.json().get("jobs", [])}


def journal(http: httpx.Client, session: str) -> list[dict[str, object]]:
    return list(http.get(f"/s/{session}/_sim/requests").json()["requests"])


def test_the_databricks_sdk_picks_its_session_by_token(server: RunningServer, http: httpx.Client) -> None:
    alpha = WorkspaceClient(host=server.url, token="jobsim-session-alpha")
    beta = WorkspaceClient(host=server.url, token="jobsim-session-beta")
    alpha.jobs.create(name="made-by-alpha")
    assert "made-by-alpha" in {job.settings.name for job in alpha.jobs.list() if job.settings}
    assert "made-by-alpha" not in {job.settings.name for job in beta.jobs.list() if job.settings}
    # The same session by path and by header; nothing of it in the default session.
    assert "made-by-alpha" in job_names(http, f"/s/alpha{JOBS}")
    assert "made-by-alpha" in job_names(http, **{"X-Jobsim-Session": "alpha"})
    assert "made-by-alpha" not in job_names(http)
    # The reply names the session the token picked; the journal keeps the token hidden.
    reply = http.get(f"{JOBS}/list", headers={"Authorization": "Bearer jobsim-session-alpha"})
    assert reply.headers["X-Jobsim-Session"] == "alpha"
    tokens = [entry["headers"].get("authorization") for entry in journal(http, "alpha")]  # type: ignore[attr-defined]
    assert tokens.count("***") >= 3 and set(tokens) <= {"***", None}


def test_path_then_header_then_credentials(http: httpx.Client) -> None:
    token = {"Authorization": "Bearer jobsim-session-gamma"}
    assert http.post(f"{JOBS}/create", json={"name": "in-gamma"}, headers=token).status_code == 200
    assert http.post(f"/s/delta{JOBS}/create", json={"name": "in-delta"}, headers=token).status_code == 200
    assert http.post(f"{JOBS}/create", json={"name": "in-eps"}, headers={**token, "X-Jobsim-Session": "eps"}).is_success
    assert "in-gamma" in job_names(http, f"/s/gamma{JOBS}")
    assert "in-delta" in job_names(http, f"/s/delta{JOBS}") and "in-delta" not in job_names(http, f"/s/gamma{JOBS}")
    assert "in-eps" in job_names(http, f"/s/eps{JOBS}") and "in-eps" not in job_names(http, f"/s/gamma{JOBS}")
    # A reply to a session picked by path or header carries no session header.
    assert "X-Jobsim-Session" not in http.get(f"/s/delta{JOBS}/list", headers=token).headers
    # A token of the session form with a bad id is refused like a bad id in the path.
    bad = http.get(f"{JOBS}/list", headers={"Authorization": "Bearer jobsim-session-no/slash"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_session"
    # The control API is not routed by credentials (its callers name the session by path or header).
    assert http.get("/_sim/requests", headers=token).json()["requests"] == journal(http, "default")


def test_dqops_collibra_and_cdq_credentials(server: RunningServer, http: httpx.Client) -> None:
    client = AuthenticatedClient(base_url=server.url, token="jobsim-session-dq")
    answer = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=True)
    assert answer is not None and answer.status == DqoJobStatus.FINISHED
    assert any(entry["path"] == "/api/jobs/runchecks" for entry in journal(http, "dq"))
    assert not any(entry["path"] == "/api/jobs/runchecks" for entry in journal(http, "default"))
    # Collibra: an HTTP Basic user name of the session form.
    basic = "Basic " + base64.b64encode(b"jobsim-session-dqrun:any-password").decode()
    run = http.post("/rest/dq/1.0/jobs/customer_orders_dq/run", json={}, headers={"Authorization": basic})
    assert run.status_code == 202 and run.headers["X-Jobsim-Session"] == "dqrun"
    assert any(entry["path"].startswith("/rest/dq/1.0/jobs/") for entry in journal(http, "dqrun"))
    # CDQ: an X-API-KEY of the session form.
    cdq = http.get("/jobs/v2/jobs", headers={"X-API-KEY": "jobsim-session-cdq1"})
    assert cdq.headers.get("X-Jobsim-Session") == "cdq1", cdq.text
    assert journal(http, "cdq1")


def _session_of(token: str) -> str:
    return "tok-" + hashlib.sha256(f"bearer {token}".encode()).hexdigest()[:16]


def test_serve_session_per_token_with_auth_tokens() -> None:
    process, url = start_jobsim(
        "--session-per-token",
        "--auth-token",
        "dapi-team-a",
        "--auth-token",
        "dapi-team-b",
        "--auth-token",
        "jobsim-session-shared",
    )
    try:
        team_a = WorkspaceClient(host=url, token="dapi-team-a")
        team_b = WorkspaceClient(host=url, token="dapi-team-b")
        team_a.jobs.create(name="team-a-job")
        assert "team-a-job" not in {job.settings.name for job in team_b.jobs.list() if job.settings}
        with httpx.Client(base_url=url, timeout=10) as http:
            reply = http.get(f"{JOBS}/list", headers={"Authorization": "Bearer dapi-team-a"})
            assert reply.headers["X-Jobsim-Session"] == _session_of("dapi-team-a")
            assert "team-a-job" in job_names(
                http, f"/s/{_session_of('dapi-team-a')}{JOBS}", Authorization="Bearer dapi-team-a"
            )
            # --auth-token still decides who gets in: an unlisted token, even of the session form, is refused.
            for token in ("dapi-someone-else", "jobsim-session-sneaky"):
                refused = http.get(f"{JOBS}/list", headers={"Authorization": f"Bearer {token}"})
                assert refused.status_code == 401, refused.text
            # A listed token of the session form picks its named session.
            shared = http.post(
                f"{JOBS}/create", json={"name": "s"}, headers={"Authorization": "Bearer jobsim-session-shared"}
            )
            assert shared.status_code == 200 and shared.headers["X-Jobsim-Session"] == "shared"
            sessions = http.get("/_sim/sessions").json()["sessions"]
            assert {"shared", _session_of("dapi-team-a"), _session_of("dapi-team-b")} <= set(sessions)
            assert not any("dapi" in session for session in sessions)  # a session id never shows the token
        with pytest.raises((Unauthenticated, PermissionDenied)):
            WorkspaceClient(host=url, token="dapi-nobody").jobs.create(name="x")
    finally:
        process.terminate()
        process.wait(timeout=10)
