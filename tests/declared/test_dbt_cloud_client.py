"""dbt Cloud's Administrative API v2 job runs, declared in apis/dbt-cloud/, driven by the published dbt-cloud-cli.

dbt-cloud-cli builds `https://{DBT_CLOUD_HOST}/api/...` URLs and cannot speak plain http, so jobsim serves TLS here
(`jobsim serve --tls-self-signed DIR`) and the CLI trusts DIR/ca.pem through REQUESTS_CA_BUNDLE, as a user does.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from dbt_cloud.cli import dbt_cloud

from simulator.testing import free_port

FAILING = """\
jobsim: 1
name: failing-nightly
api: dbt-cloud
plans:
  - name: failing-nightly
    match: {cause: "nightly*"}
    steps:
      - {state: Queued, for: 0.1s}
      - {state: Starting, for: 0.1s}
      - {state: Running, for: 0.2s}
      - {state: Error, message: "Database Error in model orders"}
"""
LONG = """\
jobsim: 1
name: long
api: dbt-cloud
plans:
  - name: long
    match: {cause: "long*"}
    steps:
      - {state: Queued, for: 0.1s}
      - {state: Running, for: 1h}
      - {state: Success}
"""


@dataclass
class TlsServer:
    url: str
    host: str
    ca: Path

    def cli(self, *args: str, token: str = "dbtc_jobsim") -> Result:
        """`dbt-cloud ARGS` as a user runs it, in this process (click's runner) to save an interpreter start."""
        env = {
            "REQUESTS_CA_BUNDLE": str(self.ca),
            "DBT_CLOUD_HOST": self.host,
            "DBT_CLOUD_API_TOKEN": token,
            "DBT_CLOUD_ACCOUNT_ID": "1",
        }
        return CliRunner().invoke(dbt_cloud, list(args), env=env, catch_exceptions=False)

    def json(self, *args: str, token: str = "dbtc_jobsim") -> Any:
        done = self.cli(*args, token=token)
        assert done.exit_code == 0, done.stderr
        return json.loads(done.stdout)

    @property
    def verify(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}/_sim/{path}", verify=self.verify, **kwargs)


@pytest.fixture(scope="module")
def dbt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    folder = tmp_path_factory.mktemp("tls")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--tls-self-signed", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = TlsServer(url=f"https://localhost:{port}", host=f"localhost:{port}", ca=folder / "ca.pem")
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{server.url}/_sim/health", verify=server.verify, timeout=1).raise_for_status()
            break
        except (httpx.TransportError, FileNotFoundError, ssl.SSLError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise AssertionError(f"jobsim did not come up: {process.communicate()[0]}") from None
            time.sleep(0.1)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(autouse=True)
def fresh(dbt: TlsServer) -> None:
    dbt.control("POST", "reset").raise_for_status()


def test_plain_https_request_is_verified_with_the_written_ca(dbt: TlsServer) -> None:
    assert httpx.get(f"{dbt.url}/_sim/health", verify=dbt.verify).json()["status"] == "ok"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{dbt.url}/_sim/health")  # the system's trust store does not know jobsim's CA


def test_job_run_waits_for_success(dbt: TlsServer) -> None:
    done = dbt.cli("job", "run", "--job-id", "70001", "--cause", "deploy", "--wait")
    assert done.exit_code == 0, done.stderr
    run = json.loads(done.stdout)["data"]
    assert run["status"] == 10 and run["status_humanized"] == "Success" and run["is_complete"] is True
    assert run["job_definition_id"] == 70001 and run["trigger"]["cause"] == "deploy"
    assert run["finished_at"] is not None and run["run_duration"].count(":") == 2
    assert "SUCCESS" in done.stderr


def test_failure_scenario_ends_in_error(dbt: TlsServer) -> None:
    dbt.control("POST", "scenarios", content=FAILING, headers={"Content-Type": "application/yaml"}).raise_for_status()
    done = dbt.cli("job", "run", "--job-id", "70002", "--cause", "nightly build", "--wait")
    assert done.exit_code == 1
    assert "Job run failed with ERROR status" in done.stderr
    run = json.loads(done.stdout)["data"]
    assert run["status"] == 20 and run["is_error"] is True and run["status_message"] == "Database Error in model orders"
    other = dbt.json("job", "run", "--job-id", "70002", "--cause", "deploy")["data"]
    assert other["status"] in (1, 2, 3)


def test_cancel(dbt: TlsServer) -> None:
    dbt.control("POST", "scenarios", content=LONG, headers={"Content-Type": "application/yaml"}).raise_for_status()
    run = dbt.json("job", "run", "--job-id", "70001", "--cause", "long one")["data"]
    cancelled = dbt.json("run", "cancel", "--run-id", str(run["id"]))["data"]
    assert cancelled["status"] == 30 and cancelled["is_cancelled"] is True
    again = dbt.json("run", "get", "--run-id", str(run["id"]))["data"]
    assert again["status_humanized"] == "Cancelled" and again["finished_at"] is not None


def test_list_runs_filters_and_pages(dbt: TlsServer) -> None:
    made = [dbt.json("job", "run", "--job-id", "70003", "--cause", f"ci {i}")["data"]["id"] for i in range(3)]
    listed = dbt.json("run", "list", "--job-id", "70003", "--limit", "2")
    assert [run["id"] for run in listed["data"]] == made[::-1][:2]  # newest first
    assert listed["extra"]["pagination"] == {"count": 2, "total_count": 3}
    everything = dbt.json("run", "list", "--paginate")
    assert everything["extra"]["pagination"]["count"] == len(everything["data"]) == 5  # with the two samples
    errors = dbt.json("run", "list", "--status", "Failed")
    assert [run["status"] for run in errors["data"]] == [20]  # the sample run that failed


def test_unknown_run_and_job(dbt: TlsServer) -> None:
    missing = dbt.cli("run", "get", "--run-id", "424242")
    assert missing.exit_code != 0
    body = httpx.get(
        f"{dbt.url}/api/v2/accounts/1/runs/424242/", headers={"Authorization": "Token t"}, verify=dbt.verify
    )
    assert body.status_code == 404
    assert body.json() == {
        "status": {
            "code": 404,
            "is_success": False,
            "user_message": "The requested resource was not found.",
            "developer_message": "",
        },
        "data": None,
    }
    refused = dbt.cli("job", "run", "--job-id", "99999", "--cause", "x")
    assert refused.exit_code == 1 and '"code": 404' in refused.stdout


def test_token_is_required(dbt: TlsServer) -> None:
    reply = httpx.get(f"{dbt.url}/api/v2/accounts/1/runs/", verify=dbt.verify)
    assert reply.status_code == 401 and reply.json()["status"]["user_message"] == "Invalid token."


def test_a_token_naming_a_session_keeps_its_runs_apart(dbt: TlsServer) -> None:
    mine = dbt.json("job", "run", "--job-id", "70001", "--cause", "isolated", token="jobsim-session-dbt-ci")["data"]
    listed = dbt.json("run", "list", token="jobsim-session-dbt-ci")["data"]
    assert listed[0]["id"] == mine["id"]  # newest first, in its own session
    assert mine["id"] not in {r["id"] for r in dbt.json("run", "list")["data"]}
