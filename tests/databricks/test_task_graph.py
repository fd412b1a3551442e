"""Multi-task runs on the virtual clock: depends_on, run_if, condition tasks, cancels, and the parent's result."""

from __future__ import annotations

import httpx
import pytest

from tests.databricks.helpers import (
    API,
    PENDING_MS,
    RUNNING_MS,
    TASK_MS,
    create,
    fails,
    get_run,
    holds,
    last,
    life,
    plan,
    run_now,
    task,
    tasks_by_key,
)
from tests.support import RunningServer


@pytest.fixture
def sim(virtual_server: RunningServer) -> httpx.Client:
    virtual_server.reset()
    return virtual_server.client()


def test_tasks_start_when_their_last_dependency_ends(sim: httpx.Client, virtual_server: RunningServer) -> None:
    job_id = create(sim, "diamond", [task("a"), task("b", "a"), task("c", "a"), task("d", "b", "c")])
    run_id = run_now(sim, job_id)
    run = get_run(sim, run_id)
    assert life(run) == ("PENDING", None)
    assert [life(last(run, key))[0] for key in "abcd"] == ["PENDING", "BLOCKED", "BLOCKED", "BLOCKED"]
    assert last(run, "b")["status"]["state"] == "BLOCKED" and last(run, "b")["start_time"] == 0
    virtual_server.advance(1)
    assert life(get_run(sim, run_id)) == ("RUNNING", None)
    virtual_server.advance(60)  # one jump: every start below is computed from the plan, not from this read
    run = get_run(sim, run_id)
    start = run["start_time"]
    a, b, c, d = (last(run, key) for key in "abcd")
    assert (a["start_time"], a["end_time"]) == (start, start + TASK_MS)
    assert a["setup_duration"] == PENDING_MS and a["execution_duration"] == RUNNING_MS and a["run_duration"] == TASK_MS
    assert b["start_time"] == c["start_time"] == a["end_time"]
    assert d["start_time"] == max(b["end_time"], c["end_time"]) == start + 2 * TASK_MS
    assert run["end_time"] == d["end_time"] == start + 3 * TASK_MS
    assert life(run) == ("TERMINATED", "SUCCESS") and run["run_duration"] == 3 * TASK_MS
    assert len({entry["run_id"] for entry in run["tasks"]} | {run_id}) == 5
    assert all(entry["job_run_id"] == run_id and entry["attempt_number"] == 0 for entry in run["tasks"])


RUN_IFS = ("ALL_SUCCESS", "AT_LEAST_ONE_SUCCESS", "NONE_FAILED", "ALL_DONE", "AT_LEAST_ONE_FAILED", "ALL_FAILED")


def _run_if_job(sim: httpx.Client, name: str) -> int:
    tasks = [task("a"), task("b")]
    tasks += [task(run_if.lower(), "a", "b", run_if=run_if) for run_if in RUN_IFS]
    return create(sim, name, tasks)


def test_run_if_with_one_failed_dependency(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(fails("{name: run-if-mixed, task_key: a}")))
    run_id = run_now(sim, _run_if_job(sim, "run-if-mixed"))
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert life(last(run, "a")) == ("TERMINATED", "FAILED")
    skipped = last(run, "all_success")
    assert life(skipped) == ("SKIPPED", "UPSTREAM_FAILED")
    assert skipped["state"]["state_message"] == "An upstream task failed."
    assert skipped["start_time"] == 0 and skipped["end_time"] == last(run, "a")["end_time"]
    assert skipped["status"] == {
        "state": "TERMINATED",
        "termination_details": {"code": "SKIPPED", "type": "CLIENT_ERROR", "message": "An upstream task failed."},
    }
    assert life(last(run, "none_failed")) == ("SKIPPED", "UPSTREAM_FAILED")
    assert life(last(run, "all_failed")) == ("SKIPPED", "EXCLUDED")
    for ran in ("at_least_one_success", "all_done", "at_least_one_failed"):
        assert life(last(run, ran)) == ("TERMINATED", "SUCCESS"), ran
    assert life(run) == ("TERMINATED", "FAILED")
    assert run["state"]["state_message"].startswith("Task a failed with message: boom.")
    assert run["status"]["termination_details"]["code"] == "RUN_EXECUTION_ERROR"


def test_run_if_when_every_dependency_succeeds(sim: httpx.Client, virtual_server: RunningServer) -> None:
    run_id = run_now(sim, _run_if_job(sim, "run-if-green"))
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    for key in ("all_success", "at_least_one_success", "none_failed", "all_done"):
        assert life(last(run, key)) == ("TERMINATED", "SUCCESS"), key
    for key in ("at_least_one_failed", "all_failed"):
        excluded = last(run, key)
        assert life(excluded) == ("SKIPPED", "EXCLUDED"), key
        assert excluded["status"]["termination_details"]["code"] == "SKIPPED"
    assert life(run) == ("TERMINATED", "SUCCESS")  # excluded tasks are no failure


def test_run_if_all_failed_runs_when_every_dependency_failed(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(fails("{name: all-red, task_key: [a, b]}")))
    run_id = run_now(sim, create(sim, "all-red", [task("a"), task("b"), task("h", "a", "b", run_if="ALL_FAILED")]))
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert life(last(run, "h")) == ("TERMINATED", "SUCCESS")
    assert life(run) == ("TERMINATED", "SUCCESS_WITH_FAILURES")


def test_leaf_success_despite_failures_is_success_with_failures(
    sim: httpx.Client, virtual_server: RunningServer
) -> None:
    virtual_server.load(plan(fails("{task_key: load}")))
    job_id = create(sim, "with-handler", [task("load"), task("on_failure", "load", run_if="AT_LEAST_ONE_FAILED")])
    run_id = run_now(sim, job_id)
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert life(last(run, "on_failure")) == ("TERMINATED", "SUCCESS")
    assert life(run) == ("TERMINATED", "SUCCESS_WITH_FAILURES")
    assert run["status"]["termination_details"] == {
        "code": "SUCCESS_WITH_FAILURES",
        "type": "SUCCESS",
        "message": run["state"]["state_message"],
    }


def test_condition_task_outcome_picks_the_branch(sim: httpx.Client, virtual_server: RunningServer) -> None:
    check = {"task_key": "check", "condition_task": {"op": "GREATER_THAN", "left": "10", "right": "9"}}
    yes = task("yes", depends_on=[{"task_key": "check", "outcome": "true"}])
    no = task("no", depends_on=[{"task_key": "check", "outcome": "false"}])
    run_id = run_now(sim, create(sim, "branch", [check, yes, no]))
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert life(last(run, "check")) == ("TERMINATED", "SUCCESS")
    assert last(run, "check")["end_time"] - last(run, "check")["start_time"] == 50  # no cluster to wait for
    assert life(last(run, "yes")) == ("TERMINATED", "SUCCESS")
    assert life(last(run, "no")) == ("SKIPPED", "EXCLUDED")
    assert life(run) == ("TERMINATED", "SUCCESS")


def test_cancel_mid_run_cancels_running_tasks_and_skips_the_rest(
    sim: httpx.Client, virtual_server: RunningServer
) -> None:
    virtual_server.load(plan(holds("{task_key: extract}")))
    run_id = run_now(sim, create(sim, "to-cancel", [task("extract"), task("load", "extract")]))
    virtual_server.advance(5)
    assert sim.post(f"{API}/runs/cancel", json={"run_id": run_id}).json() == {}
    run = get_run(sim, run_id)
    assert life(run) == ("TERMINATING", None) and life(last(run, "extract")) == ("TERMINATING", None)
    virtual_server.advance(1)
    run = get_run(sim, run_id)
    assert life(run) == ("TERMINATED", "CANCELED") and run["state"]["user_cancelled_or_timedout"] is True
    assert run["status"]["termination_details"]["code"] == "USER_CANCELED"
    assert life(last(run, "extract")) == ("TERMINATED", "CANCELED")
    load = last(run, "load")
    assert life(load) == ("SKIPPED", "UPSTREAM_CANCELED") and load["end_time"] == run["end_time"]
    assert run["end_time"] - run["start_time"] == 5300
    assert sim.post(f"{API}/runs/cancel", json={"run_id": run_id}).json() == {}  # cancelling again: no change
    assert get_run(sim, run_id)["end_time"] == run["end_time"]


def test_cancel_one_task_run(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(holds("{task_key: slow}")))
    run_id = run_now(sim, create(sim, "task-cancel", [task("slow"), task("fast"), task("after", "slow")]))
    virtual_server.advance(5)
    slow_id = last(get_run(sim, run_id), "slow")["run_id"]
    assert sim.post(f"{API}/runs/cancel", json={"run_id": slow_id}).json() == {}
    virtual_server.advance(5)
    run = get_run(sim, run_id)
    assert life(last(run, "slow")) == ("TERMINATED", "CANCELED")
    assert life(last(run, "fast")) == ("TERMINATED", "SUCCESS")
    assert life(last(run, "after")) == ("SKIPPED", "UPSTREAM_CANCELED")
    assert life(run) == ("TERMINATED", "CANCELED")


def test_runs_get_accepts_a_task_run_id(sim: httpx.Client, virtual_server: RunningServer) -> None:
    job_id = create(sim, "by-task-id", [task("one"), task("two", "one")])
    run_id = run_now(sim, job_id)
    two = last(get_run(sim, run_id), "two")
    blocked = get_run(sim, two["run_id"])
    assert blocked["run_id"] == two["run_id"] and blocked["task_key"] == "two"
    assert blocked["job_run_id"] == run_id and blocked["job_id"] == job_id
    assert life(blocked) == ("BLOCKED", None) and blocked["status"]["state"] == "BLOCKED"
    virtual_server.advance(10)
    done = get_run(sim, two["run_id"])
    assert life(done) == ("TERMINATED", "SUCCESS") and done["attempt_number"] == 0
    assert done["original_attempt_run_id"] == two["run_id"]
    assert [t["task_key"] for t in done["tasks"]] == ["two"]


def test_a_job_without_tasks_follows_its_run_plan(sim: httpx.Client, virtual_server: RunningServer) -> None:
    run_id = run_now(sim, create(sim, "no-tasks", []))
    assert life(get_run(sim, run_id)) == ("PENDING", None)
    virtual_server.advance(2)
    run = get_run(sim, run_id)
    assert life(run) == ("TERMINATED", "SUCCESS") and run["tasks"] == []
    assert tasks_by_key(run) == {}


def test_a_run_keeps_the_tasks_its_job_had_when_it_was_triggered(sim: httpx.Client) -> None:
    job_id = create(
        sim,
        "versions",
        [task("load"), task("report", "load", description="v1")],
        max_retries=1,
        description="first",
        timeout_seconds=3600,
    )
    before = [run_now(sim, job_id) for _ in range(2)]  # two runs of one version of the settings
    new_settings = {"tasks": [task("report", description="v2"), task("check", "report")], "description": "second"}
    assert sim.post(f"{API}/reset", json={"job_id": job_id, "new_settings": new_settings}).status_code == 200
    after = run_now(sim, job_id)
    for run_id in before:
        run = get_run(sim, run_id)
        assert [t["task_key"] for t in run["tasks"]] == ["load", "report"]
        assert last(run, "report")["description"] == "v1"
        assert last(run, "report")["depends_on"] == [{"task_key": "load"}]
        assert run["description"] == "first"
    run = get_run(sim, after)
    assert [t["task_key"] for t in run["tasks"]] == ["report", "check"]
    assert last(run, "report")["description"] == "v2" and "depends_on" not in last(run, "report")
    assert run["description"] == "second"
    # Task run ids come in job order, after the run's own id, whatever the dependency order.
    ids = [last(get_run(sim, run_id), key)["run_id"] for run_id in before for key in ("load", "report")]
    assert ids == [before[0] + 1, before[0] + 2, before[1] + 1, before[1] + 2]
    assert get_run(sim, before[0])["tasks"][0]["run_id"] < get_run(sim, before[1])["run_id"]
