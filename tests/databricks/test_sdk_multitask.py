"""databricks-sdk, unmodified, on multi-task runs in real time: repair, retries, queueing, cancel-all, output."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service import jobs

from tests.support import running_server

WAIT = datetime.timedelta(seconds=30)
FAST = """\
jobsim: 1
name: sdk-multitask
api: databricks
plans:
  - name: fast
    steps:
      - {state: PENDING, for: 0.1s}
      - {state: RUNNING, for: 0.2s}
      - {state: TERMINATED, result: SUCCESS}
  - kind: task
    match: {name: sdk-repair, task_key: b, repair: 0}
    steps:
      - {state: PENDING, for: 0.1s}
      - {state: RUNNING, for: 0.2s}
      - {state: TERMINATED, result: FAILED, message: "ValueError: bad input"}
  - kind: task
    match: {name: sdk-retry, attempt: 0}
    steps:
      - {state: PENDING, for: 0.1s}
      - {state: TERMINATED, result: FAILED, message: "flaky"}
  - kind: task
    match: {task_key: hold}
    steps:
      - {state: PENDING, for: 0.1s}
      - {state: RUNNING, message: held}
  - kind: task
    match: {name: sdk-output, task_key: report}
    steps:
      - {state: PENDING, for: 0.1s}
      - {state: RUNNING, for: 0.2s}
      - {state: TERMINATED, result: SUCCESS, attrs: {output: "42 rows"}}
"""


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkspaceClient]:
    path = Path(tmp_path_factory.mktemp("scenarios")) / "sdk-multitask.yaml"
    path.write_text(FAST)
    with running_server(scenarios=(str(path),)) as server:
        yield WorkspaceClient(host=server.url, token="dapi-test")


def notebook(key: str, *after: str, **fields: object) -> jobs.Task:
    return jobs.Task(
        task_key=key,
        notebook_task=jobs.NotebookTask(notebook_path=f"/Users/me/{key}"),
        existing_cluster_id="0101-abc",
        depends_on=[jobs.TaskDependency(task_key=name) for name in after] or None,
        **fields,
    )


def by_key(run: jobs.Run) -> dict[str, list[jobs.RunTask]]:
    out: dict[str, list[jobs.RunTask]] = {}
    for item in run.tasks:
        out.setdefault(item.task_key, []).append(item)
    return out


def test_failed_task_skips_downstream_then_repair_succeeds(w: WorkspaceClient) -> None:
    job = w.jobs.create(name="sdk-repair", tasks=[notebook("a"), notebook("b", "a"), notebook("c", "b")])
    run = w.jobs.run_now(job.job_id).result(timeout=WAIT)
    assert run.state.life_cycle_state == jobs.RunLifeCycleState.TERMINATED
    assert run.state.result_state == jobs.RunResultState.FAILED
    assert "ValueError: bad input" in run.state.state_message
    tasks = {t.task_key: t for t in run.tasks}
    assert tasks["a"].state.result_state == jobs.RunResultState.SUCCESS
    assert tasks["b"].state.result_state == jobs.RunResultState.FAILED
    assert tasks["c"].state.life_cycle_state == jobs.RunLifeCycleState.SKIPPED
    assert tasks["c"].state.result_state == jobs.RunResultState.UPSTREAM_FAILED
    assert tasks["c"].state.state_message == "An upstream task failed."
    repaired = w.jobs.repair_run(run.run_id, rerun_all_failed_tasks=True).result(timeout=WAIT)
    assert repaired.run_id == run.run_id
    assert repaired.state.result_state == jobs.RunResultState.SUCCESS
    history = w.jobs.get_run(run.run_id, include_history=True).repair_history
    assert [item.type for item in history] == [jobs.RepairHistoryItemType.ORIGINAL, jobs.RepairHistoryItemType.REPAIR]
    assert history[0].state.result_state == jobs.RunResultState.FAILED
    assert history[1].state.result_state == jobs.RunResultState.SUCCESS and history[1].id is not None
    assert sorted(history[1].task_run_ids) == sorted(
        t.run_id for t in by_key(repaired)["b"][1:] + by_key(repaired)["c"][1:]
    )
    assert repaired.run_duration >= (history[0].end_time - history[0].start_time)


def test_retry_then_success(w: WorkspaceClient) -> None:
    job = w.jobs.create(name="sdk-retry", tasks=[notebook("flaky", max_retries=2)])
    run = w.jobs.run_now(job.job_id).result(timeout=WAIT)
    assert run.state.result_state == jobs.RunResultState.SUCCESS
    attempts = by_key(run)["flaky"]
    assert [a.attempt_number for a in attempts] == [0, 1]
    assert [a.state.result_state for a in attempts] == [jobs.RunResultState.FAILED, jobs.RunResultState.SUCCESS]
    retry = w.jobs.get_run(attempts[1].run_id)
    assert retry.original_attempt_run_id == attempts[0].run_id and retry.attempt_number == 1
    assert retry.trigger == jobs.TriggerType.RETRY


def test_queue_enabled_waits_for_the_slot(w: WorkspaceClient) -> None:
    job = w.jobs.create(
        name="sdk-queue", tasks=[notebook("hold"), notebook("quick")], queue=jobs.QueueSettings(enabled=True)
    )
    first = w.jobs.run_now(job.job_id, only=["hold"])
    second = w.jobs.run_now(job.job_id, only=["quick"])
    queued = w.jobs.get_run(second.run_id)
    assert queued.state.life_cycle_state == jobs.RunLifeCycleState.QUEUED
    assert queued.state.queue_reason == "Queued due to reaching maximum concurrent runs of 1."
    assert queued.status.state == jobs.RunLifecycleStateV2State.QUEUED
    assert queued.status.queue_details.code == jobs.QueueDetailsCodeCode.ACTIVE_RUNS_LIMIT_REACHED
    w.jobs.cancel_run(first.run_id).result(timeout=WAIT)
    done = second.result(timeout=WAIT)
    assert done.state.result_state == jobs.RunResultState.SUCCESS
    assert done.queue_duration > 0


def test_queue_disabled_skips_the_new_run(w: WorkspaceClient) -> None:
    job = w.jobs.create(
        name="sdk-no-queue", tasks=[notebook("hold"), notebook("quick")], queue=jobs.QueueSettings(enabled=False)
    )
    first = w.jobs.run_now(job.job_id, only=["hold"])
    skipped = w.jobs.run_now(job.job_id, only=["quick"]).result(timeout=WAIT)
    assert skipped.state.life_cycle_state == jobs.RunLifeCycleState.SKIPPED
    assert skipped.state.result_state == jobs.RunResultState.MAXIMUM_CONCURRENT_RUNS_REACHED
    assert skipped.status.termination_details.code == jobs.TerminationCodeCode.MAX_CONCURRENT_RUNS_EXCEEDED
    w.jobs.cancel_run(first.run_id).result(timeout=WAIT)


def test_cancel_all_runs(w: WorkspaceClient) -> None:
    job = w.jobs.create(name="sdk-cancel-all", tasks=[notebook("hold")], max_concurrent_runs=2)
    run_ids = [w.jobs.run_now(job.job_id).run_id for _ in range(3)]
    lives = [w.jobs.get_run(r).state.life_cycle_state for r in run_ids]
    assert lives[2] == jobs.RunLifeCycleState.QUEUED
    w.jobs.cancel_all_runs(job_id=job.job_id)
    for run_id in run_ids:
        run = w.jobs.wait_get_run_job_terminated_or_skipped(run_id, timeout=WAIT)
        assert run.state.result_state == jobs.RunResultState.CANCELED
        assert run.state.user_cancelled_or_timedout is True
    other = w.jobs.create(name="sdk-cancel-queued", tasks=[notebook("hold")])
    active, queued = (w.jobs.run_now(other.job_id).run_id for _ in range(2))
    w.jobs.cancel_all_runs(all_queued_runs=True)
    assert w.jobs.get_run(queued).state.result_state == jobs.RunResultState.CANCELED
    assert w.jobs.get_run(active).state.life_cycle_state in (
        jobs.RunLifeCycleState.PENDING,
        jobs.RunLifeCycleState.RUNNING,
    )
    w.jobs.cancel_run(active).result(timeout=WAIT)


def test_get_run_output_of_a_task_run(w: WorkspaceClient) -> None:
    script = jobs.Task(
        task_key="script", spark_python_task=jobs.SparkPythonTask(python_file="/x.py"), existing_cluster_id="c"
    )
    job = w.jobs.create(name="sdk-output", tasks=[notebook("report"), script])
    run = w.jobs.run_now(job.job_id).result(timeout=WAIT)
    tasks = {t.task_key: t for t in run.tasks}
    report = w.jobs.get_run_output(tasks["report"].run_id)
    assert report.notebook_output.result == "42 rows" and report.notebook_output.truncated is False
    assert report.metadata.run_id == tasks["report"].run_id
    assert report.metadata.state.result_state == jobs.RunResultState.SUCCESS
    logs = w.jobs.get_run_output(tasks["script"].run_id)
    assert logs.logs and logs.logs_truncated is False
    with pytest.raises(InvalidParameterValue, match="multiple tasks"):
        w.jobs.get_run_output(run.run_id)


def test_export_run(w: WorkspaceClient) -> None:
    job = w.jobs.create(name="sdk-export", tasks=[notebook("report")])
    run = w.jobs.run_now(job.job_id).result(timeout=WAIT)
    exported = w.jobs.export_run(run.run_id, views_to_export=jobs.ViewsToExport.ALL)
    assert [v.type for v in exported.views] == [jobs.ViewType.NOTEBOOK, jobs.ViewType.DASHBOARD]
    assert exported.views[0].name == "report" and exported.views[0].content.startswith("<!DOCTYPE html>")
    code = w.jobs.export_run(run.tasks[0].run_id)
    assert [v.type for v in code.views] == [jobs.ViewType.NOTEBOOK]
