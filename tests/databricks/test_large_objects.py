"""Arrays over 100 elements: paged by jobs/get and runs/get, followed by databricks-sdk's JobsExt."""

from __future__ import annotations

import httpx
import pytest
import yaml
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.compute import ClusterSpec
from databricks.sdk.service.jobs import JobCluster, NotebookTask, SubmitTask, Task

from tests.databricks.helpers import API, create, error_of, fails, get_run, plan, run_now, task
from tests.support import RunningServer

WIDE = 150


def wide_scenario() -> str:
    tasks = [{"task_key": f"t{i:03d}", "notebook_task": {"notebook_path": f"/n/{i}"}} for i in range(WIDE)]
    clusters = [{"job_cluster_key": f"c{i:03d}", "new_cluster": {"num_workers": 1}} for i in range(120)]
    parameters = [{"name": f"p{i:03d}", "default": str(i)} for i in range(101)]
    settings = {"name": "wide", "tasks": tasks, "job_clusters": clusters, "parameters": parameters}
    return yaml.safe_dump(
        {"jobsim": 1, "name": "wide", "api": "databricks", "data": {"jobs": [{"settings": settings}]}}
    )


@pytest.fixture
def sim(virtual_server: RunningServer) -> httpx.Client:
    virtual_server.reset()
    virtual_server.load(wide_scenario())
    return virtual_server.client()


@pytest.fixture
def w(virtual_server: RunningServer) -> WorkspaceClient:
    return WorkspaceClient(host=virtual_server.url, token="dapi-test")


def wide_job_id(http: httpx.Client) -> int:
    return int(http.get(f"{API}/list", params={"name": "wide"}).json()["jobs"][0]["job_id"])


def test_jobs_get_pages_the_settings_arrays(sim: httpx.Client) -> None:
    job_id = wide_job_id(sim)
    first = sim.get(f"{API}/get", params={"job_id": job_id}).json()
    settings = first["settings"]
    assert (len(settings["tasks"]), len(settings["job_clusters"]), len(settings["parameters"])) == (100, 100, 100)
    second = sim.get(f"{API}/get", params={"job_id": job_id, "page_token": first["next_page_token"]}).json()
    assert [len(second["settings"].get(k, [])) for k in ("tasks", "job_clusters", "parameters")] == [50, 20, 1]
    assert "next_page_token" not in second
    error_of(sim.get(f"{API}/get", params={"job_id": job_id, "page_token": "nope"}), "page_token")


def test_sdk_reads_every_task_of_a_large_job(sim: httpx.Client, w: WorkspaceClient) -> None:
    job = w.jobs.get(wide_job_id(sim))
    assert [t.task_key for t in job.settings.tasks] == [f"t{i:03d}" for i in range(WIDE)]
    assert len(job.settings.job_clusters) == 120 and len(job.settings.parameters) == 101
    listed = [j for j in w.jobs.list(expand_tasks=True, name="wide")]
    assert len(listed) == 1 and len(listed[0].settings.tasks) == WIDE
    raw = sim.get(f"{API}/list", params={"name": "wide", "expand_tasks": "true"}).json()["jobs"][0]
    assert raw["has_more"] is True and len(raw["settings"]["tasks"]) == 100
    plain = sim.get(f"{API}/list", params={"name": "wide"}).json()["jobs"][0]
    assert "has_more" not in plain and "tasks" not in plain["settings"]


def test_sdk_reads_every_task_run_of_a_large_run(
    sim: httpx.Client, w: WorkspaceClient, virtual_server: RunningServer
) -> None:
    job_id = wide_job_id(sim)
    run_id = w.jobs.run_now(job_id).run_id
    virtual_server.advance(60)
    run = w.jobs.get_run(run_id)
    assert len(run.tasks) == WIDE and len({t.run_id for t in run.tasks}) == WIDE
    assert len(run.job_parameters) == 101
    raw = get_run(sim, run_id)
    assert len(raw["tasks"]) == 100 and "next_page_token" in raw
    listed = next(iter(w.jobs.list_runs(job_id=job_id, expand_tasks=True)))
    assert len(listed.tasks) == WIDE
    item = sim.get(f"{API}/runs/list", params={"job_id": job_id, "expand_tasks": "true"}).json()["runs"][0]
    assert item["has_more"] is True and len(item["tasks"]) == 100


def test_retries_can_push_a_run_over_100_task_runs(
    sim: httpx.Client, w: WorkspaceClient, virtual_server: RunningServer
) -> None:
    virtual_server.load(plan(fails("{name: retried-wide, attempt: 0}"), name="first-attempts-fail"))
    job_id = create(sim, "retried-wide", [task(f"r{i:02d}", max_retries=1) for i in range(60)])
    run_id = run_now(sim, job_id)
    virtual_server.advance(60)
    run = w.jobs.get_run(run_id, include_history=True)
    assert len(run.tasks) == 120
    assert sorted(t.attempt_number for t in run.tasks) == [0] * 60 + [1] * 60
    assert run.state.result_state.value == "SUCCESS" and len(run.repair_history) == 1


def test_jobs_2_2_takes_1000_tasks_and_the_sdk_reads_them_all(
    sim: httpx.Client, w: WorkspaceClient, virtual_server: RunningServer
) -> None:
    tasks = [Task(task_key=f"k{i:04d}", notebook_task=NotebookTask(notebook_path=f"/n/{i}")) for i in range(1000)]
    clusters = [JobCluster(job_cluster_key=f"c{i:04d}", new_cluster=ClusterSpec(num_workers=1)) for i in range(1000)]
    job_id = w.jobs.create(name="thousand", tasks=tasks, job_clusters=clusters).job_id
    job = w.jobs.get(job_id)
    assert [t.task_key for t in job.settings.tasks] == [t.task_key for t in tasks]
    assert len(job.settings.job_clusters) == 1000
    pages = 0
    token = None
    while True:  # ten pages of 100, the last without next_page_token
        query = {"job_id": job_id, **({"page_token": token} if token else {})}
        body = sim.get(f"{API}/get", params=query).json()
        assert len(body["settings"]["tasks"]) == 100
        pages += 1
        token = body.get("next_page_token")
        if token is None:
            break
    assert pages == 10
    listed = sim.get(f"{API}/list", params={"name": "thousand", "expand_tasks": "true"}).json()["jobs"][0]
    assert listed["has_more"] is True and len(listed["settings"]["tasks"]) == 100
    one_time = [SubmitTask(task_key=t.task_key, notebook_task=t.notebook_task) for t in tasks]
    run_id = w.jobs.submit(run_name="thousand-once", tasks=one_time).run_id
    virtual_server.advance(60)
    run = w.jobs.get_run(run_id)
    assert len(run.tasks) == 1000 and run.state.result_state.value == "SUCCESS"
    # The same job read through Jobs API 2.1 is paged the same way; 2.1 itself still refuses over 100 on writes.
    assert len(sim.get("/api/2.1/jobs/get", params={"job_id": job_id}).json()["settings"]["tasks"]) == 100
