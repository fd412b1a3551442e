"""docs/cookbook.md is true: every recipe it names is a bundled scenario, and each does what its row says.

Each test runs in a session of its own (the pytest plugin's `jobsim` fixture) and loads its recipe with the
marker the cookbook shows; timed recipes freeze that session's clock and advance it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import OperationFailed, Unauthenticated
from databricks.sdk.service import jobs
from dqops.client import Client
from dqops.client.api.jobs import cancel_job, get_all_jobs, get_job, run_checks, wait_for_run_checks_job
from dqops.client.models import DqoJobStatus, RuleSeverityLevel, RunChecksParameters

from simulator.client import Jobsim
from tests.cdq import helpers as cdq
from tests.collibra.helpers import CORE, DEPRECATED, DQ, STANDARD_KEYS, basic, error_of

ROOT = Path(__file__).resolve().parents[1]
COOKBOOK = ROOT / "docs" / "cookbook.md"
SCENARIOS = ROOT / "scenarios"
APIS = sorted(path.name for path in SCENARIOS.iterdir() if path.is_dir())


def table_names(text: str, section: str) -> dict[str, set[str]]:
    """Backticked names in the first column of the tables under each `## ... (<section>)` heading, by API."""
    heading = re.compile(rf"^## .*\({section}\)\s*$")
    names: dict[str, set[str]] = {}
    api = None
    for line in text.splitlines():
        if line.startswith("## "):
            found = heading.match(line)
            api = found.group(1) if found else None
        elif api and line.startswith("| `"):
            names.setdefault(api, set()).update(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return names


RECIPES = table_names(COOKBOOK.read_text(encoding="utf-8"), r"`([a-z-]+)/\.\.\.`")
DESCRIBED = table_names((SCENARIOS / "README.md").read_text(encoding="utf-8"), r"`api: ([a-z-]+)`")


# --- the cookbook names only bundled scenarios, and every bundled scenario is named ---------------------------


def test_the_cookbook_has_a_recipe_table_per_api() -> None:
    assert sorted(RECIPES) == APIS
    assert all(RECIPES[api] for api in APIS)


@pytest.mark.parametrize("ref", sorted(f"{api}/{name}" for api, names in RECIPES.items() for name in names))
def test_every_recipe_is_a_bundled_scenario_that_loads(jobsim: Jobsim, ref: str) -> None:
    api, name = ref.split("/")
    loaded = jobsim.load_scenario(name=ref)  # POST /_sim/scenarios {"name": "<api>/<name>"}; raises unless 200
    assert (loaded["api"], loaded["name"]) == (api, name)
    assert len(loaded["description"].strip()) > 40, f"{ref} has no description"


def test_every_bundled_scenario_is_in_the_cookbook_or_the_scenarios_readme() -> None:
    for api in APIS:
        bundled = {path.stem for path in (SCENARIOS / api).glob("*.yaml")} - {"default"}
        named = RECIPES.get(api, set()) | DESCRIBED.get(api, set())
        assert bundled <= named, (
            f"{api}: {sorted(bundled - named)} named in neither docs/cookbook.md nor scenarios/README.md"
        )


# --- shared bits -----------------------------------------------------------------------------------------------


@pytest.fixture
def http(jobsim: Jobsim) -> Iterator[httpx.Client]:
    """Plain HTTP on the test's session."""
    with httpx.Client(base_url=jobsim.base_url, timeout=30) as client:
        yield client


def statuses(jobsim: Jobsim, operation: str) -> list[int]:
    return [entry["status"] for entry in jobsim.requests(operation=operation)]


def assert_retry_after_1(reply: httpx.Response) -> None:
    assert reply.status_code == 429, reply.text
    assert reply.headers["retry-after"] == "1"


# --- Databricks (databricks-sdk) -------------------------------------------------------------------------------

DBX = "/api/2.2/jobs"
TASK = jobs.Task(
    task_key="main", notebook_task=jobs.NotebookTask(notebook_path="/Users/me/etl"), existing_cluster_id="0101-abc"
)


def workspace(jobsim: Jobsim) -> WorkspaceClient:
    return WorkspaceClient(host=jobsim.base_url, token="dapi-test")


def start(w: WorkspaceClient, name: str = "cookbook") -> Any:
    """run_now on a new one-task job: the SDK's Wait (its run_id is the job run)."""
    return w.jobs.run_now(w.jobs.create(name=name, tasks=[TASK]).job_id)


def life(run: jobs.Run) -> tuple[jobs.RunLifeCycleState | None, jobs.RunResultState | None]:
    return run.state.life_cycle_state, run.state.result_state


@pytest.mark.jobsim_scenario("databricks/task-failure")
def test_databricks_task_failure(jobsim: Jobsim) -> None:
    jobsim.freeze()
    w = workspace(jobsim)
    waiting = start(w)
    jobsim.advance("1m")
    run = waiting.result()
    assert life(run) == (jobs.RunLifeCycleState.TERMINATED, jobs.RunResultState.FAILED)
    assert "NameError" in run.state.state_message
    output = w.jobs.get_run_output(run.tasks[0].run_id)
    assert "NameError" in output.error and "Traceback" in output.error_trace


@pytest.mark.jobsim_scenario("databricks/internal-error")
def test_databricks_internal_error(jobsim: Jobsim) -> None:
    jobsim.freeze()
    waiting = start(workspace(jobsim))
    jobsim.advance("1m")
    with pytest.raises(OperationFailed) as failed:
        waiting.result()
    assert str(failed.value).startswith("failed to reach TERMINATED or SKIPPED, got RunLifeCycleState.INTERNAL_ERROR")


@pytest.mark.jobsim_scenario("databricks/timeout")
def test_databricks_timeout(jobsim: Jobsim) -> None:
    jobsim.freeze()
    waiting = start(workspace(jobsim))
    jobsim.advance("1m")
    run = waiting.result()
    assert life(run) == (jobs.RunLifeCycleState.TERMINATED, jobs.RunResultState.TIMEDOUT)
    assert run.state.user_cancelled_or_timedout is True


@pytest.mark.jobsim_scenario("databricks/stuck-until-cancelled")
def test_databricks_stuck_until_cancelled(jobsim: Jobsim) -> None:
    jobsim.freeze()
    w = workspace(jobsim)
    run_id = start(w).run_id
    jobsim.advance("2h")
    assert life(w.jobs.get_run(run_id)) == (jobs.RunLifeCycleState.RUNNING, None)
    jobsim.real_time()  # TERMINATING lasts 0.3 s: let the clock run while the SDK's waiter polls
    run = w.jobs.cancel_run(run_id).result()
    assert life(run) == (jobs.RunLifeCycleState.TERMINATED, jobs.RunResultState.CANCELED)


@pytest.mark.jobsim_scenario("databricks/slow-queue")
def test_databricks_slow_queue(jobsim: Jobsim) -> None:
    jobsim.freeze()
    w = workspace(jobsim)
    waiting = start(w)
    jobsim.advance("290s")
    pending = w.jobs.get_run(waiting.run_id)
    assert life(pending) == (jobs.RunLifeCycleState.PENDING, None)
    assert pending.state.state_message == "Waiting for cluster"
    jobsim.advance("20s")
    assert life(w.jobs.get_run(waiting.run_id)) == (jobs.RunLifeCycleState.RUNNING, None)
    jobsim.advance("2m")
    assert life(waiting.result()) == (jobs.RunLifeCycleState.TERMINATED, jobs.RunResultState.SUCCESS)


@pytest.mark.jobsim_scenario("databricks/failure-after-minutes")
def test_databricks_failure_after_minutes(jobsim: Jobsim) -> None:
    jobsim.freeze()
    w = workspace(jobsim)
    waiting = start(w)
    jobsim.advance("1m")
    assert life(w.jobs.get_run(waiting.run_id)) == (jobs.RunLifeCycleState.RUNNING, None)
    jobsim.advance("14m")  # 14.5 minutes into RUNNING
    assert life(w.jobs.get_run(waiting.run_id)) == (jobs.RunLifeCycleState.RUNNING, None)
    jobsim.advance("1m")
    run = waiting.result()
    assert life(run) == (jobs.RunLifeCycleState.TERMINATED, jobs.RunResultState.FAILED)
    assert "SparkException" in run.state.state_message


@pytest.mark.jobsim_scenario("databricks/flaky-5xx")
def test_databricks_flaky_5xx(jobsim: Jobsim, http: httpx.Client) -> None:
    run = start(workspace(jobsim)).result()
    assert life(run) == (jobs.RunLifeCycleState.TERMINATED, jobs.RunResultState.SUCCESS)
    assert statuses(jobsim, "jobsGetRun")[:3] == [503, 503, 200]
    jobsim.load_scenario(name="databricks/flaky-5xx")  # again: the fault counts from zero, for a look at the wire
    for _ in range(2):
        reply = http.get(f"{DBX}/runs/get", params={"run_id": run.run_id})
        assert reply.status_code == 503
        assert reply.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert http.get(f"{DBX}/runs/get", params={"run_id": run.run_id}).status_code == 200


@pytest.mark.jobsim_scenario("databricks/rate-limited")
def test_databricks_rate_limited(jobsim: Jobsim, http: httpx.Client) -> None:
    assert "nightly-etl" in {job.settings.name for job in workspace(jobsim).jobs.list()}
    assert statuses(jobsim, "jobsList") == [429, 429, 429, 200]
    jobsim.load_scenario(name="databricks/rate-limited")
    for _ in range(3):
        reply = http.get(f"{DBX}/list")
        assert_retry_after_1(reply)
        assert reply.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert http.get(f"{DBX}/list").status_code == 200


@pytest.mark.jobsim_scenario("databricks/auth-expired")
def test_databricks_auth_expired(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()  # the run stays PENDING: the waiter keeps polling
    w = workspace(jobsim)
    waiting = start(w)
    for _ in range(2):
        assert life(w.jobs.get_run(waiting.run_id)) == (jobs.RunLifeCycleState.PENDING, None)
    with pytest.raises(Unauthenticated):
        waiting.result()  # its first poll is the third runs/get (200), its second the fourth (401)
    assert statuses(jobsim, "jobsGetRun") == [200, 200, 200, 401]  # the 401 is not retried
    reply = http.get(f"{DBX}/runs/get", params={"run_id": waiting.run_id})
    assert reply.status_code == 401 and reply.json()["error_code"] == "UNAUTHORIZED"
    jobsim.clear_faults()
    assert life(w.jobs.get_run(waiting.run_id)) == (jobs.RunLifeCycleState.PENDING, None)


# --- Collibra Data Quality -------------------------------------------------------------------------------------


def dq_trigger(http: httpx.Client, job: str = "customer_orders_dq") -> str:
    reply = http.post(f"{DQ}/jobs/{job}/run")
    assert reply.status_code == 202, reply.text
    return str(reply.json()["jobRunId"])


def dq_run(http: httpx.Client, run_id: str) -> dict[str, Any]:
    reply = http.get(f"{DQ}/jobRuns/{run_id}")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def dq_status(http: httpx.Client, run_id: str) -> tuple[str, str]:
    run = dq_run(http, run_id)
    return run["status"], run["activity"]


COLLIBRA_CODES = {429: "tooManyRequests", 503: "serviceUnavailable"}


def standard_error(reply: httpx.Response, status: int) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == STANDARD_KEYS and body["statusCode"] == status and body["userMessage"], body
    assert body["errorCode"] == COLLIBRA_CODES[status], body


@pytest.mark.jobsim_scenario("collibra-dq/run-failure")
def test_collibra_dq_run_failure(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = dq_trigger(http)
    jobsim.advance("1m")
    run = dq_run(http, run_id)
    assert run["status"] == "FAILED" and run["exception"]


@pytest.mark.jobsim_scenario("collibra-dq/stuck-until-cancelled")
def test_collibra_dq_stuck_until_cancelled(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = dq_trigger(http)
    jobsim.advance("2h")
    assert dq_status(http, run_id)[0] == "RUNNING"
    assert http.post(f"{DQ}/jobRuns/{run_id}/cancel").status_code < 300
    assert dq_status(http, run_id)[0] == "CANCELLED"


@pytest.mark.jobsim_scenario("collibra-dq/slow-queue")
def test_collibra_dq_slow_queue(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = dq_trigger(http)
    seen = []
    for step in ["110s", "20s", "30s", "1m", "1m", "1m", "1m"]:  # at 1:50, 2:10, 2:40, 3:40, 4:40, 5:40, 6:40
        jobsim.advance(step)
        seen.append(dq_status(http, run_id)[0])
    assert seen == ["WAITING", "DISPATCHED", "SETUP", "RUNNING", "RUNNING", "RUNNING", "FINISHED"]


@pytest.mark.jobsim_scenario("collibra-dq/failure-after-minutes")
def test_collibra_dq_failure_after_minutes(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = dq_trigger(http)
    jobsim.advance("1m")
    assert dq_status(http, run_id) == ("RUNNING", "RULES")
    jobsim.advance("14m")
    assert dq_status(http, run_id) == ("RUNNING", "RULES")
    jobsim.advance("1m")
    run = dq_run(http, run_id)
    assert run["status"] == "FAILED" and "OutOfMemoryError" in run["exception"]


@pytest.mark.jobsim_scenario("collibra-dq/flaky-5xx")
def test_collibra_dq_flaky_5xx(http: httpx.Client) -> None:
    run_id = dq_trigger(http)
    for _ in range(2):
        standard_error(http.get(f"{DQ}/jobRuns/{run_id}"), 503)
    assert dq_run(http, run_id)["jobRunId"] == run_id


@pytest.mark.jobsim_scenario("collibra-dq/rate-limited")
def test_collibra_dq_rate_limited(http: httpx.Client) -> None:
    for _ in range(3):
        reply = http.get(f"{DQ}/jobRuns")
        assert_retry_after_1(reply)
        standard_error(reply, 429)
    assert http.get(f"{DQ}/jobRuns").status_code == 200


@pytest.mark.jobsim_scenario("collibra-dq/auth-expired")
def test_collibra_dq_auth_expired(jobsim: Jobsim, http: httpx.Client) -> None:
    run_id = dq_trigger(http)
    for _ in range(3):
        dq_run(http, run_id)
    for _ in range(2):
        error_of(http.get(f"{DQ}/jobRuns/{run_id}"), 401, "unauthorized")
    jobsim.clear_faults()
    dq_run(http, run_id)


@pytest.mark.jobsim_scenario("collibra-dq/unknown-status")
def test_collibra_dq_unknown_status(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = dq_trigger(http)
    jobsim.advance("1h")
    assert dq_status(http, run_id)[0] == "UNKNOWN"


@pytest.mark.jobsim_scenario("collibra-dq/with-users")
def test_collibra_dq_with_users(http: httpx.Client) -> None:
    error_of(http.get(f"{DQ}/jobRuns"), 401, "unauthorized")
    error_of(http.get(f"{DQ}/jobRuns", headers=basic("outsider", "outsider")), 403, "forbidden")
    assert http.get(f"{DQ}/jobRuns", headers=basic("admin", "admin")).status_code == 200


# --- Collibra DGC --------------------------------------------------------------------------------------------


def dgc_job(http: httpx.Client, job_id: str) -> dict[str, Any]:
    reply = http.get(f"{CORE}/jobs/{job_id}")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def dgc_job_named(http: httpx.Client, name: str, headers: dict[str, str] | None = None) -> str:
    reply = http.get(f"{CORE}/jobs", headers=headers)
    assert reply.status_code == 200, reply.text
    found = [job["id"] for job in reply.json()["results"] if job["name"] == name]
    assert len(found) == 1, found
    return str(found[0])


def dgc_state(http: httpx.Client, job_id: str) -> tuple[str, str]:
    job = dgc_job(http, job_id)
    return job["state"], job["result"]


@pytest.mark.jobsim_scenario("collibra-dgc/job-failure")
def test_collibra_dgc_job_failure(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    jobsim.advance("1m")
    job = dgc_job(http, "0f2d9c1e-6a0b-4f4e-8a51-3c2d1e0f9a8b")
    assert (job["state"], job["result"], job["progressPercentage"]) == ("ERROR", "FAILURE", 60)
    assert job["message"]


@pytest.mark.jobsim_scenario("collibra-dgc/cancel-stuck")
def test_collibra_dgc_cancel_stuck(jobsim: Jobsim, http: httpx.Client) -> None:
    job_id = "5c0b2a3e-1b7e-4c55-9d2f-0a1b2c3d4e5f"
    jobsim.freeze()
    jobsim.advance("1m")
    assert dgc_state(http, job_id)[0] == "RUNNING"
    assert http.post(f"{CORE}/jobs/{job_id}/canceled", headers=basic("alice")).status_code == 202
    jobsim.advance("1h")
    assert dgc_state(http, job_id)[0] == "CANCELING"


@pytest.mark.jobsim_scenario("collibra-dgc/slow-queue")
def test_collibra_dgc_slow_queue(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = dgc_job_named(http, "Nightly import (queued)")
    jobsim.advance("290s")
    assert dgc_state(http, job_id)[0] == "WAITING"
    jobsim.advance("20s")
    assert dgc_state(http, job_id)[0] == "RUNNING"
    jobsim.advance("2m")
    assert dgc_state(http, job_id) == ("COMPLETED", "SUCCESS")


@pytest.mark.jobsim_scenario("collibra-dgc/failure-after-minutes")
def test_collibra_dgc_failure_after_minutes(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = dgc_job_named(http, "Long synchronization")
    jobsim.advance("1m")
    assert dgc_state(http, job_id)[0] == "RUNNING"
    jobsim.advance("19m")
    running = dgc_job(http, job_id)
    assert running["state"] == "RUNNING" and 0 < running["progressPercentage"] < 80
    jobsim.advance("1m")
    job = dgc_job(http, job_id)
    assert (job["state"], job["result"], job["progressPercentage"]) == ("ERROR", "FAILURE", 80)


@pytest.mark.jobsim_scenario("collibra-dgc/flaky-5xx")
def test_collibra_dgc_flaky_5xx(http: httpx.Client) -> None:
    job_id = dgc_job_named(http, "Import assets from CSV")
    for _ in range(2):
        reply = http.get(f"{CORE}/jobs/{job_id}")
        standard_error(reply, 503)
        assert reply.headers["Deprecation"] == DEPRECATED and "Sunset" in reply.headers  # a /rest/2.0 answer, faulted
    assert dgc_job(http, job_id)["id"] == job_id


@pytest.mark.jobsim_scenario("collibra-dgc/rate-limited")
def test_collibra_dgc_rate_limited(http: httpx.Client) -> None:
    for _ in range(3):
        reply = http.get(f"{CORE}/jobs")
        assert_retry_after_1(reply)
        standard_error(reply, 429)
    assert http.get(f"{CORE}/jobs").status_code == 200


@pytest.mark.jobsim_scenario("collibra-dgc/auth-expired")
def test_collibra_dgc_auth_expired(jobsim: Jobsim, http: httpx.Client) -> None:
    job_id = dgc_job_named(http, "Import assets from CSV")
    for _ in range(3):
        dgc_job(http, job_id)
    for _ in range(2):
        error_of(http.get(f"{CORE}/jobs/{job_id}"), 401, "unauthorized")
    assert http.get(f"/rest/jobs/v1/jobs/{job_id}").status_code == 200
    jobsim.clear_faults()
    dgc_job(http, job_id)


@pytest.mark.jobsim_scenario("collibra-dgc/with-users")
def test_collibra_dgc_with_users(http: httpx.Client) -> None:
    error_of(http.get(f"{CORE}/jobs"), 401, "unauthorized", extra_keys=frozenset({"helpMessage"}))
    bobs = dgc_job_named(http, "Validate data quality rules", basic("Admin", "admin"))
    error_of(
        http.post(f"{CORE}/jobs/{bobs}/canceled", headers=basic("alice", "alice")),
        403,
        "forbidden",
        extra_keys=frozenset({"helpMessage"}),
    )
    assert http.post(f"{CORE}/jobs/{bobs}/canceled", headers=basic("bob", "bob")).status_code == 202


# --- DQOps (the published dqops client where the cookbook names it) ------------------------------------------

RUNCHECKS = "/api/jobs/runchecks"


def dqops(jobsim: Jobsim) -> Client:
    return Client(base_url=jobsim.base_url)


def dqops_start(http: httpx.Client) -> int:
    reply = http.post(RUNCHECKS, params={"wait": "false"}, json={})
    assert reply.status_code == 200, reply.text
    return int(reply.json()["jobId"]["jobId"])


def dqops_job(http: httpx.Client, job_id: int) -> dict[str, Any]:
    reply = http.get(f"/api/jobs/jobs/{job_id}")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def spring_error(reply: httpx.Response, status: int) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert {"timestamp", "status", "error", "message", "path"} <= set(body) and body["status"] == status, body
    assert body["path"] == vendor_path(reply), body


def vendor_path(reply: httpx.Response) -> str:
    """The path the client called, as the vendor sees it (without jobsim's `/s/<session>` prefix)."""
    return re.sub(r"^/s/[^/]+", "", reply.request.url.path)


@pytest.mark.jobsim_scenario("dqops/checks-with-errors")
def test_dqops_checks_with_errors(jobsim: Jobsim) -> None:
    answer = run_checks.sync(client=dqops(jobsim), json_body=RunChecksParameters(), wait=True)
    assert answer.status == DqoJobStatus.FINISHED
    assert answer.result.errors == 2 and answer.result.highest_severity == RuleSeverityLevel.ERROR


@pytest.mark.jobsim_scenario("dqops/failing-job")
def test_dqops_failing_job(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = dqops_start(http)
    jobsim.advance("1m")
    job = dqops_job(http, job_id)
    assert job["status"] == "failed" and job["errorMessage"]
    changes = http.get("/api/jobs/jobchangessince/0").json()["jobChanges"]
    failed = [c for c in changes if c["jobId"]["jobId"] == job_id and c["status"] == "failed"]
    assert failed and failed[0]["updatedModel"]["errorMessage"] == job["errorMessage"]


@pytest.mark.jobsim_scenario("dqops/slow-job")
def test_dqops_slow_job(jobsim: Jobsim, http: httpx.Client) -> None:
    client = dqops(jobsim)
    job_id = dqops_start(http)
    waited = wait_for_run_checks_job.sync(str(job_id), client=client, wait_timeout=1)
    assert waited.status == DqoJobStatus.RUNNING and not waited.result
    assert cancel_job.sync_detailed(str(job_id), client=client).status_code == 204
    assert get_job.sync(str(job_id), client=client).status == DqoJobStatus.CANCELLED


@pytest.mark.jobsim_scenario("dqops/slow-queue")
def test_dqops_slow_queue(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = dqops_start(http)
    jobsim.advance("110s")
    assert dqops_job(http, job_id)["status"] == "queued"
    jobsim.advance("20s")
    assert dqops_job(http, job_id)["status"] == "running"
    jobsim.advance("1m")
    assert dqops_job(http, job_id)["status"] == "finished"


@pytest.mark.jobsim_scenario("dqops/failure-after-minutes")
def test_dqops_failure_after_minutes(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = dqops_start(http)
    jobsim.advance("9m")
    assert dqops_job(http, job_id)["status"] == "running"
    jobsim.advance("2m")
    job = dqops_job(http, job_id)
    assert job["status"] == "failed" and job["errorMessage"]


@pytest.mark.jobsim_scenario("dqops/scheduled-checks")
def test_dqops_scheduled_checks(jobsim: Jobsim) -> None:
    jobsim.freeze()
    jobsim.advance("3m")
    queued = get_all_jobs.sync(client=dqops(jobsim)).jobs
    assert "run_scheduled_checks_cron" in {job.job_type.value for job in queued}


@pytest.mark.jobsim_scenario("dqops/flaky-5xx")
def test_dqops_flaky_5xx(jobsim: Jobsim, http: httpx.Client) -> None:
    client = dqops(jobsim)
    job_id = dqops_start(http)
    assert [get_job.sync(str(job_id), client=client) for _ in range(2)] == [None, None]
    assert get_job.sync(str(job_id), client=client).job_id.job_id == job_id
    assert statuses(jobsim, "getJob") == [500, 500, 200]


@pytest.mark.jobsim_scenario("dqops/rate-limited")
def test_dqops_rate_limited(http: httpx.Client) -> None:
    for _ in range(3):
        reply = http.post(RUNCHECKS, params={"wait": "false"}, json={})
        assert_retry_after_1(reply)
        spring_error(reply, 429)
    dqops_start(http)


@pytest.mark.jobsim_scenario("dqops/auth-expired")
def test_dqops_auth_expired(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = dqops_start(http)
    dqops_job(http, job_id)
    dqops_job(http, job_id)
    assert http.get(f"/api/jobs/jobs/{job_id}/wait", params={"waitTimeout": 0}).status_code == 200
    spring_error(http.get(f"/api/jobs/jobs/{job_id}"), 401)
    spring_error(http.get(f"/api/jobs/jobs/{job_id}/wait", params={"waitTimeout": 0}), 401)
    dqops_start(http)  # only reads are refused
    jobsim.clear_faults()
    dqops_job(http, job_id)


# --- CDQ -------------------------------------------------------------------------------------------------------


def cdq_status(http: httpx.Client, job_id: str) -> str:
    return str(cdq.get(http, job_id)["jobStatus"])


@pytest.mark.parametrize(("ref", "status", "progress"), [("cdq/failing", "FAILED", 40), ("cdq/dying", "DIED", 60)])
def test_cdq_failing_and_dying(jobsim: Jobsim, http: httpx.Client, ref: str, status: str, progress: int) -> None:
    jobsim.load_scenario(name=ref)
    jobsim.freeze()
    job_id = cdq.create(http)["id"]
    jobsim.advance("1m")
    job = cdq.get(http, job_id)
    assert (job["jobStatus"], job["progress"]) == (status, progress)
    assert job["finishedAt"]


@pytest.mark.jobsim_scenario("cdq/slow-progress")
def test_cdq_slow_progress(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = cdq.create(http)["id"]
    progress = []
    for _ in range(3):
        jobsim.advance("30s")
        job = cdq.get(http, job_id)
        assert job["jobStatus"] == "RUNNING"
        progress.append(job["progress"])
    assert 0 < progress[0] < progress[1] < progress[2] < 100
    jobsim.advance("2m")
    assert cdq_status(http, job_id) == "FINISHED"


@pytest.mark.jobsim_scenario("cdq/slow-queue")
def test_cdq_slow_queue(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = cdq.create(http)["id"]
    seen = []
    for step in ["110s", "1m", "20s", "3m"]:  # at 1:50, 2:50, 3:10, 6:10
        jobsim.advance(step)
        seen.append(cdq_status(http, job_id))
    assert seen == ["WAITING", "SCHEDULED", "RUNNING", "FINISHED"]


@pytest.mark.jobsim_scenario("cdq/failure-after-minutes")
def test_cdq_failure_after_minutes(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = cdq.create(http)["id"]
    jobsim.advance("9m")
    assert cdq_status(http, job_id) == "RUNNING"
    jobsim.advance("2m")
    job = cdq.get(http, job_id)
    assert (job["jobStatus"], job["progress"]) == ("FAILED", 70)


@pytest.mark.jobsim_scenario("cdq/invalid-input")
def test_cdq_invalid_input(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    job_id = cdq.create(http, inputUri="https://files.example.com/invalid.csv")["id"]
    jobsim.advance("1m")
    assert cdq_status(http, job_id) == "CANCELED"


@pytest.mark.jobsim_scenario("cdq/flaky-5xx")
def test_cdq_flaky_5xx(http: httpx.Client) -> None:
    job_id = cdq.create(http)["id"]
    for _ in range(2):
        cdq.error_of(http.get(f"{cdq.JOBS}/{job_id}"), 503)
    assert cdq.get(http, job_id)["id"] == job_id


@pytest.mark.jobsim_scenario("cdq/rate-limited")
def test_cdq_rate_limited(http: httpx.Client) -> None:
    for _ in range(3):
        reply = http.get(cdq.JOBS)
        assert_retry_after_1(reply)
        assert cdq.error_of(reply, 429)["path"] == vendor_path(reply)
    assert http.get(cdq.JOBS).status_code == 200


@pytest.mark.jobsim_scenario("cdq/auth-expired")
def test_cdq_auth_expired(jobsim: Jobsim, http: httpx.Client) -> None:
    job_id = cdq.create(http)["id"]
    for _ in range(3):
        cdq.get(http, job_id)
    for _ in range(2):
        cdq.error_of(http.get(f"{cdq.JOBS}/{job_id}"), 401)
    jobsim.clear_faults()
    cdq.get(http, job_id)


# --- declared APIs: Airflow (plain HTTP, as its client speaks it) and dbt Cloud -----------------------------------

AIRFLOW_RUNS = "/api/v2/dags/example_etl/dagRuns"
BEARER = {"Authorization": "Bearer jobsim"}


def airflow_trigger(http: httpx.Client) -> str:
    reply = http.post(AIRFLOW_RUNS, json={}, headers=BEARER)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["dag_run_id"])


@pytest.mark.jobsim_scenario("airflow/failing")
def test_airflow_failing(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = airflow_trigger(http)
    jobsim.advance("1s")
    run = http.get(f"{AIRFLOW_RUNS}/{run_id}", headers=BEARER).json()
    assert run["state"] == "failed" and run["end_date"] is not None and run["duration"] == pytest.approx(0.5)


@pytest.mark.jobsim_scenario("airflow/stuck-queued")
def test_airflow_stuck_queued(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = airflow_trigger(http)
    jobsim.advance("2h")
    assert http.get(f"{AIRFLOW_RUNS}/{run_id}", headers=BEARER).json()["state"] == "queued"
    patched = http.patch(f"{AIRFLOW_RUNS}/{run_id}", json={"state": "success"}, headers=BEARER).json()
    assert patched["state"] == "success"


@pytest.mark.jobsim_scenario("airflow/flaky-5xx")
@pytest.mark.jobsim_scenario("airflow/rate-limited")
def test_airflow_flaky_and_rate_limited(jobsim: Jobsim, http: httpx.Client) -> None:
    run_id = airflow_trigger(http)
    reads = [http.get(f"{AIRFLOW_RUNS}/{run_id}", headers=BEARER) for _ in range(3)]
    assert [r.status_code for r in reads] == [503, 503, 200]
    assert reads[0].json() == {"detail": "Service Unavailable"}
    lists = [http.get(AIRFLOW_RUNS, headers=BEARER) for _ in range(4)]
    assert [r.status_code for r in lists] == [429, 429, 429, 200]
    assert_retry_after_1(lists[0])


DBT_RUNS = "/api/v2/accounts/1/runs"
TOKEN = {"Authorization": "Token dbtc"}


def dbt_trigger(http: httpx.Client) -> int:
    reply = http.post("/api/v2/accounts/1/jobs/70001/run/", json={"cause": "cookbook"}, headers=TOKEN)
    assert reply.status_code == 200, reply.text
    return int(reply.json()["data"]["id"])


@pytest.mark.jobsim_scenario("dbt-cloud/failing")
def test_dbt_cloud_failing(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = dbt_trigger(http)
    jobsim.advance("1s")
    run = http.get(f"{DBT_RUNS}/{run_id}/", headers=TOKEN).json()["data"]
    assert (run["status"], run["status_humanized"]) == (20, "Error")
    assert run["status_message"] == "Database Error in model orders" and run["is_error"] is True


@pytest.mark.jobsim_scenario("dbt-cloud/long-running")
def test_dbt_cloud_long_running(jobsim: Jobsim, http: httpx.Client) -> None:
    jobsim.freeze()
    run_id = dbt_trigger(http)
    jobsim.advance("30m")
    assert http.get(f"{DBT_RUNS}/{run_id}/", headers=TOKEN).json()["data"]["status"] == 3
    cancelled = http.post(f"{DBT_RUNS}/{run_id}/cancel/", headers=TOKEN).json()["data"]
    assert (cancelled["status"], cancelled["is_cancelled"]) == (30, True)


@pytest.mark.jobsim_scenario("dbt-cloud/rate-limited")
def test_dbt_cloud_rate_limited(jobsim: Jobsim, http: httpx.Client) -> None:
    run_id = dbt_trigger(http)
    reads = [http.get(f"{DBT_RUNS}/{run_id}", headers=TOKEN) for _ in range(4)]
    assert [r.status_code for r in reads] == [429, 429, 429, 200]
    assert_retry_after_1(reads[0])
    assert reads[0].json()["status"] == {
        "code": 429,
        "is_success": False,
        "user_message": "Too many requests, please slow down.",
        "developer_message": "",
    }
