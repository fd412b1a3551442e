"""databricks-sdk, unmodified, against a real jobsim server."""

from __future__ import annotations

import time

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, OperationFailed, ResourceDoesNotExist
from databricks.sdk.service import jobs

from tests.support import RunningServer, running_server

NOTEBOOK_TASK = jobs.Task(
    task_key="main", notebook_task=jobs.NotebookTask(notebook_path="/Users/me/nb"), existing_cluster_id="0101-abc"
)


def client(server: RunningServer) -> WorkspaceClient:
    return WorkspaceClient(host=server.url, token="dapi-test")


@pytest.fixture(scope="module")
def w(server: RunningServer) -> WorkspaceClient:
    return client(server)


def test_create_then_get(w: WorkspaceClient) -> None:
    created = w.jobs.create(name="sdk-create", tasks=[NOTEBOOK_TASK], tags={"team": "qa"})
    job = w.jobs.get(created.job_id)
    assert job.job_id == created.job_id
    assert job.settings.name == "sdk-create"
    assert job.settings.tags == {"team": "qa"}
    assert [t.task_key for t in job.settings.tasks] == ["main"]
    assert job.created_time > 0


def test_list_pages_until_the_last_page(w: WorkspaceClient, server: RunningServer) -> None:
    names = {f"paging-{i}" for i in range(5)}
    for name in sorted(names):
        w.jobs.create(name=name, tasks=[NOTEBOOK_TASK])
    seen = [job.settings.name for job in w.jobs.list(limit=2) if job.settings.name in names]
    assert sorted(seen) == sorted(names)
    assert len(seen) == len(set(seen))


def test_list_filters_by_name_case_insensitively(w: WorkspaceClient) -> None:
    w.jobs.create(name="Exact-Name-Filter", tasks=[NOTEBOOK_TASK])
    found = list(w.jobs.list(name="exact-name-filter"))
    assert [job.settings.name for job in found] == ["Exact-Name-Filter"]


def test_run_now_result_succeeds_within_seconds(w: WorkspaceClient) -> None:
    job = w.jobs.create(name="sdk-run", tasks=[NOTEBOOK_TASK])
    started = time.monotonic()
    run = w.jobs.run_now(job.job_id).result(timeout=__import__("datetime").timedelta(seconds=20))
    elapsed = time.monotonic() - started
    assert run.state.life_cycle_state == jobs.RunLifeCycleState.TERMINATED
    assert run.state.result_state == jobs.RunResultState.SUCCESS
    assert run.status.state == jobs.RunLifecycleStateV2State.TERMINATED
    assert run.end_time >= run.start_time > 0
    assert [t.task_key for t in run.tasks] == ["main"]
    assert elapsed < 3.0


def test_submit_result_succeeds(w: WorkspaceClient) -> None:
    run = w.jobs.submit(
        run_name="adhoc",
        tasks=[
            jobs.SubmitTask(task_key="t", notebook_task=jobs.NotebookTask(notebook_path="/x"), existing_cluster_id="c")
        ],
    ).result()
    assert run.run_type == jobs.RunType.SUBMIT_RUN
    assert run.state.result_state == jobs.RunResultState.SUCCESS


def test_cancel_run_result_is_canceled(w: WorkspaceClient) -> None:
    job = w.jobs.create(name="sdk-cancel", tasks=[NOTEBOOK_TASK])
    waiter = w.jobs.run_now(job.job_id)
    active = w.jobs.get_run(waiter.run_id)
    assert active.state.life_cycle_state in (jobs.RunLifeCycleState.PENDING, jobs.RunLifeCycleState.RUNNING)
    run = w.jobs.cancel_run(waiter.run_id).result()
    assert run.state.life_cycle_state == jobs.RunLifeCycleState.TERMINATED
    assert run.state.result_state == jobs.RunResultState.CANCELED
    assert run.state.user_cancelled_or_timedout is True


def test_missing_ids_raise_resource_does_not_exist(w: WorkspaceClient) -> None:
    with pytest.raises(ResourceDoesNotExist, match="Job 987654 does not exist"):
        w.jobs.get(987654)
    with pytest.raises(ResourceDoesNotExist, match="Run 987654 does not exist"):
        w.jobs.get_run(987654)
    with pytest.raises(InvalidParameterValue):
        w.jobs.delete(987654)


def test_update_reset_delete(w: WorkspaceClient) -> None:
    job = w.jobs.create(name="sdk-edit", tasks=[NOTEBOOK_TASK], tags={"a": "1"}, timeout_seconds=10)
    second = jobs.Task(
        task_key="second",
        notebook_task=jobs.NotebookTask(notebook_path="/y"),
        depends_on=[jobs.TaskDependency(task_key="main")],
        existing_cluster_id="c",
    )
    w.jobs.update(
        job.job_id, new_settings=jobs.JobSettings(tasks=[second], timeout_seconds=60), fields_to_remove=["tags"]
    )
    updated = w.jobs.get(job.job_id).settings
    assert [t.task_key for t in updated.tasks] == ["main", "second"]
    assert updated.timeout_seconds == 60
    assert updated.tags is None
    w.jobs.reset(job.job_id, new_settings=jobs.JobSettings(name="sdk-reset", tasks=[NOTEBOOK_TASK]))
    reset = w.jobs.get(job.job_id).settings
    assert reset.name == "sdk-reset"
    assert reset.timeout_seconds == 0
    w.jobs.delete(job.job_id)
    with pytest.raises(ResourceDoesNotExist):
        w.jobs.get(job.job_id)


def test_list_runs_filters(w: WorkspaceClient) -> None:
    job = w.jobs.create(name="sdk-list-runs", tasks=[NOTEBOOK_TASK])
    first = w.jobs.run_now(job.job_id).result()
    second = w.jobs.run_now(job.job_id)
    listed = [r.run_id for r in w.jobs.list_runs(job_id=job.job_id, limit=1)]
    assert listed == [second.run_id, first.run_id]  # newest first, paged one by one
    completed = [r.run_id for r in w.jobs.list_runs(job_id=job.job_id, completed_only=True)]
    assert first.run_id in completed
    active = [r.run_id for r in w.jobs.list_runs(job_id=job.job_id, active_only=True)]
    assert active == [second.run_id]
    w.jobs.cancel_run(second.run_id).result()


def test_failure_scenario_is_visible_through_the_sdk() -> None:
    with running_server(scenarios=("databricks/task-failure",)) as failing:
        w = client(failing)
        job = w.jobs.create(name="doomed", tasks=[NOTEBOOK_TASK])
        run = w.jobs.run_now(job.job_id).result()
        assert run.state.life_cycle_state == jobs.RunLifeCycleState.TERMINATED
        assert run.state.result_state == jobs.RunResultState.FAILED
        assert "NameError" in run.state.state_message
        assert run.status.termination_details.type == jobs.TerminationTypeType.CLIENT_ERROR


def test_internal_error_scenario_raises_operation_failed() -> None:
    with running_server(scenarios=("databricks/internal-error",)) as failing:
        w = client(failing)
        job = w.jobs.create(name="broken", tasks=[NOTEBOOK_TASK])
        with pytest.raises(OperationFailed, match="INTERNAL_ERROR"):
            w.jobs.run_now(job.job_id).result()


def test_timeout_scenario() -> None:
    with running_server(scenarios=("databricks/timeout",)) as slow:
        run = (
            client(slow)
            .jobs.submit(
                run_name="slow",
                tasks=[
                    jobs.SubmitTask(
                        task_key="t", notebook_task=jobs.NotebookTask(notebook_path="/x"), existing_cluster_id="c"
                    )
                ],
            )
            .result()
        )
        assert run.state.result_state == jobs.RunResultState.TIMEDOUT
        assert run.state.user_cancelled_or_timedout is True


def test_stuck_run_stays_running_until_cancelled() -> None:
    with running_server(scenarios=("databricks/stuck-until-cancelled",)) as stuck:
        w = client(stuck)
        job = w.jobs.create(name="stuck", tasks=[NOTEBOOK_TASK])
        run_id = w.jobs.run_now(job.job_id).run_id
        time.sleep(1.5)
        assert w.jobs.get_run(run_id).state.life_cycle_state == jobs.RunLifeCycleState.RUNNING
        assert w.jobs.cancel_run(run_id).result().state.result_state == jobs.RunResultState.CANCELED
