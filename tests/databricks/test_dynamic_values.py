"""Dynamic value references in condition tasks and task parameters, driven with databricks-sdk on the virtual clock."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.jobs import ConditionTask, ConditionTaskOp, JobParameterDefinition, NotebookTask, Task
from databricks.sdk.service.jobs import TaskDependency as Dep

from tests.databricks.helpers import API, fails, plan
from tests.support import RunningServer

COUNT_PUBLISHES = """\
jobsim: 1
name: task-values
api: databricks
plans:
  - kind: task
    match: {task_key: count}
    steps:
      - {state: PENDING, for: 1s}
      - {state: RUNNING, for: 2s}
      - {state: TERMINATED, result: SUCCESS, attrs: {values: {row_count: 42, quality: good}}}
"""


@pytest.fixture
def w(virtual_server: RunningServer) -> WorkspaceClient:
    virtual_server.reset()
    virtual_server.load(COUNT_PUBLISHES)
    return WorkspaceClient(host=virtual_server.url, token="dapi-test")


def notebook(key: str, *after: str, **base: str) -> Task:
    return Task(
        task_key=key,
        notebook_task=NotebookTask(notebook_path=f"/n/{key}", base_parameters=base or None),
        existing_cluster_id="0101-c",
        depends_on=[Dep(task_key=a) for a in after] or None,
    )


def condition(key: str, left: str, op: ConditionTaskOp, right: str, *after: str) -> Task:
    return Task(
        task_key=key,
        condition_task=ConditionTask(left=left, op=op, right=right),
        depends_on=[Dep(task_key=a) for a in after] or None,
    )


def branch_job(w: WorkspaceClient) -> int:
    tasks = [
        notebook("count"),
        condition(
            "enough",
            "{{tasks.count.values.row_count}}",
            ConditionTaskOp.GREATER_THAN,
            "{{job.parameters.min_rows}}",
            "count",
        ),
        Task(
            task_key="load",
            notebook_task=NotebookTask(notebook_path="/n/load"),
            existing_cluster_id="0101-c",
            depends_on=[Dep(task_key="enough", outcome="true")],
        ),
        Task(
            task_key="alert",
            notebook_task=NotebookTask(notebook_path="/n/alert"),
            existing_cluster_id="0101-c",
            depends_on=[Dep(task_key="enough", outcome="false")],
        ),
    ]
    parameters = [JobParameterDefinition(name="min_rows", default="10")]
    return w.jobs.create(name="branching", tasks=tasks, parameters=parameters).job_id


def by_key(run: object) -> dict[str, object]:
    return {t.task_key: t for t in run.tasks}  # type: ignore[attr-defined]


def test_a_condition_compares_task_values_with_job_parameters(
    w: WorkspaceClient, virtual_server: RunningServer
) -> None:
    job_id = branch_job(w)
    default_run = w.jobs.run_now(job_id).run_id
    strict_run = w.jobs.run_now(job_id, job_parameters={"min_rows": "100"}).run_id
    virtual_server.advance(120)
    tasks = by_key(w.jobs.get_run(default_run))
    assert tasks["enough"].condition_task.outcome == "true"  # 42 > 10
    assert tasks["load"].state.result_state.value == "SUCCESS"
    assert tasks["alert"].state.result_state.value == "EXCLUDED"
    tasks = by_key(w.jobs.get_run(strict_run))
    assert tasks["enough"].condition_task.outcome == "false"  # 42 > 100 is false: compared as numbers
    assert tasks["enough"].condition_task.left == "{{tasks.count.values.row_count}}"  # the settings stay as written
    assert tasks["load"].state.result_state.value == "EXCLUDED"
    assert tasks["alert"].state.result_state.value == "SUCCESS"
    resolved = w.jobs.get_run(strict_run, include_resolved_values=True)
    enough = by_key(resolved)["enough"].resolved_values.condition_task
    assert (enough.left, enough.right) == ("42", "100")


@pytest.mark.parametrize(
    ("left", "op", "right", "outcome"),
    [
        ("9", ConditionTaskOp.LESS_THAN, "10", "true"),  # numbers: 9 < 10 (as strings "9" > "10")
        ("9.0", ConditionTaskOp.EQUAL_TO, "9", "true"),
        ("abc", ConditionTaskOp.LESS_THAN, "abd", "true"),  # strings compare as strings
        ("{{job.name}}", ConditionTaskOp.EQUAL_TO, "operands", "true"),
        ("{{job.trigger.type}}", ConditionTaskOp.EQUAL_TO, "one_time", "true"),
        ("{{tasks.count.result_state}}", ConditionTaskOp.EQUAL_TO, "success", "true"),
        ("{{tasks.count.values.quality}}", ConditionTaskOp.NOT_EQUAL, "good", "false"),
        ("{{job.nope}}", ConditionTaskOp.EQUAL_TO, "{{job.nope}}", "true"),  # unknown: kept as written
    ],
)
def test_condition_operands(
    w: WorkspaceClient, virtual_server: RunningServer, left: str, op: ConditionTaskOp, right: str, outcome: str
) -> None:
    job_id = w.jobs.create(name="operands", tasks=[notebook("count"), condition("check", left, op, right, "count")])
    run_id = w.jobs.run_now(job_id.job_id).run_id
    virtual_server.advance(60)
    assert by_key(w.jobs.get_run(run_id))["check"].condition_task.outcome == outcome


def test_references_resolve_in_task_parameters(w: WorkspaceClient, virtual_server: RunningServer) -> None:
    base = {
        "run": "job_{{job.run_id}}",
        "job": "{{job.id}}/{{job.name}}",
        "day": "{{job.start_time.iso_date}}",
        "hour": "{{ job.start_time.hour }}",
        "weekday": "{{job.start_time.is_weekday}}",
        "ms": "{{job.start_time.timestamp_ms}}",
        "upstream": "{{tasks.count.result_state}}:{{tasks.count.error_code}}:{{tasks.count.run_id}}",
        "rows": "{{tasks.`count`.values.row_count}}",
        "me": "{{task.name}}#{{task.run_id}}#{{task.execution_count}}",
        "repairs": "{{job.repair_count}}",
        "env": "{{job.parameters.env}}",
        "unknown": "{{job.notebook_url}} {{whatever}}",
    }
    tasks = [notebook("count"), notebook("report", "count", **base)]
    job_id = w.jobs.create(
        name="refs", tasks=tasks, parameters=[JobParameterDefinition(name="env", default="dev-{{job.run_id}}")]
    ).job_id
    run_id = w.jobs.run_now(job_id).run_id
    virtual_server.advance(60)
    run = w.jobs.get_run(run_id, include_resolved_values=True)
    count, report = by_key(run)["count"], by_key(run)["report"]
    started = datetime.fromtimestamp(run.start_time / 1000, tz=UTC)
    got = report.resolved_values.notebook_task.base_parameters
    assert got["run"] == f"job_{run_id}" and got["job"] == f"{job_id}/refs"
    assert got["day"] == started.date().isoformat() and got["hour"] == str(started.hour)
    assert got["weekday"] == ("true" if started.isoweekday() <= 5 else "false")
    assert got["ms"] == str(run.start_time)
    assert got["upstream"] == f"success::{count.run_id}" and got["rows"] == "42"
    assert got["me"] == f"report#{report.run_id}#1" and got["repairs"] == "0"
    assert got["env"] == f"dev-{run_id}"  # a job parameter's value resolves its own references
    assert got["unknown"] == "{{job.notebook_url}} {{whatever}}"
    # without the flag, runs/get shows the parameters as configured
    plain = httpx.get(
        f"{virtual_server.url}{API}/runs/get", params={"run_id": run_id}, headers={"Authorization": "Bearer x"}
    ).json()
    assert all("resolved_values" not in t for t in plain["tasks"])


def test_counts_follow_retries_and_repairs(w: WorkspaceClient, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(fails("{task_key: flaky, attempt: 0}"), name="first-attempt-fails"))
    flaky = notebook("flaky", me="{{task.execution_count}}")
    flaky.max_retries = 1
    report = notebook("report", "flaky", runs="{{tasks.flaky.execution_count}}", repairs="{{job.repair_count}}")
    job_id = w.jobs.create(name="counted", tasks=[flaky, report]).job_id
    run_id = w.jobs.run_now(job_id).run_id
    virtual_server.advance(60)
    run = w.jobs.get_run(run_id, include_resolved_values=True)
    attempts = [t for t in run.tasks if t.task_key == "flaky"]
    assert [t.resolved_values.notebook_task.base_parameters["me"] for t in attempts] == ["1", "2"]
    last_report = [t for t in run.tasks if t.task_key == "report"][-1]
    assert last_report.resolved_values.notebook_task.base_parameters == {"runs": "2", "repairs": "0"}
    w.jobs.repair_run(run_id, rerun_tasks=["report"])
    virtual_server.advance(60)
    run = w.jobs.get_run(run_id, include_resolved_values=True)
    reports = [t.resolved_values.notebook_task.base_parameters for t in run.tasks if t.task_key == "report"]
    assert reports == [{"runs": "2", "repairs": "0"}, {"runs": "2", "repairs": "1"}]  # each as of its own round
