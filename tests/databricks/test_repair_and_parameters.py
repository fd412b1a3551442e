"""runs/repair rules and history, and run parameters, on the virtual clock."""

from __future__ import annotations

import httpx
import pytest

from tests.databricks.helpers import (
    API,
    TASK_MS,
    create,
    error_of,
    fails,
    get_run,
    last,
    life,
    plan,
    run_now,
    task,
    tasks_by_key,
)
from tests.support import RunningServer

FIRST_ROUND_FAILS = plan(fails("{name: repairable, task_key: b, repair: 0}"))


@pytest.fixture
def sim(virtual_server: RunningServer) -> httpx.Client:
    virtual_server.reset()
    return virtual_server.client()


def repair(http: httpx.Client, run_id: int, **body: object) -> httpx.Response:
    return http.post(f"{API}/runs/repair", json={"run_id": run_id, **body})


def failed_run(sim: httpx.Client, server: RunningServer) -> tuple[int, int]:
    server.load(FIRST_ROUND_FAILS)
    job_id = create(sim, "repairable", [task("a"), task("b", "a"), task("c", "b"), task("side", "a")])
    run_id = run_now(sim, job_id)
    error_of(repair(sim, run_id, rerun_tasks=["b"]), "in progress", code="INVALID_STATE")
    server.advance(60)
    assert life(get_run(sim, run_id)) == ("TERMINATED", "FAILED")
    return job_id, run_id


def test_repair_request_rules(sim: httpx.Client, virtual_server: RunningServer) -> None:
    _, run_id = failed_run(sim, virtual_server)
    error_of(repair(sim, run_id, rerun_tasks=["b"], rerun_all_failed_tasks=True), "rerun_tasks")
    error_of(repair(sim, run_id, rerun_tasks=["b", "b"]), "duplicate")
    error_of(repair(sim, run_id, rerun_tasks=["nope"]), "nope")
    error_of(repair(sim, run_id), "Nothing to repair")
    error_of(repair(sim, run_id, rerun_tasks=["b"], latest_repair_id=1), "latest_repair_id")
    first = repair(sim, run_id, rerun_tasks=["b"]).json()["repair_id"]
    virtual_server.advance(60)
    message = error_of(repair(sim, run_id, rerun_tasks=["c"]), "latest_repair_id")
    assert str(first) in message
    error_of(repair(sim, run_id, rerun_tasks=["c"], latest_repair_id=first + 1), "latest_repair_id")
    second = repair(sim, run_id, rerun_tasks=["c"], latest_repair_id=first)
    assert second.status_code == 200 and second.json()["repair_id"] != first
    error_of(repair(sim, last(get_run(sim, run_id), "a")["run_id"], rerun_tasks=["a"]), "task run")


def test_repair_reruns_failed_tasks_and_keeps_history(sim: httpx.Client, virtual_server: RunningServer) -> None:
    _, run_id = failed_run(sim, virtual_server)
    before = get_run(sim, run_id)
    assert life(last(before, "c")) == ("SKIPPED", "UPSTREAM_FAILED")
    assert life(last(before, "side")) == ("TERMINATED", "SUCCESS")
    virtual_server.advance(100)
    repaired_at = round(sim.get("/_sim/clock").json()["now"] * 1000)
    repair_id = repair(sim, run_id, rerun_all_failed_tasks=True).json()["repair_id"]
    active = get_run(sim, run_id)
    assert life(active) == ("PENDING", None) and active["end_time"] == 0
    virtual_server.advance(60)
    run = get_run(sim, run_id, include_history="true")
    assert life(run) == ("TERMINATED", "SUCCESS")
    by_key = tasks_by_key(run)
    assert [life(e) for e in by_key["b"]] == [("TERMINATED", "FAILED"), ("TERMINATED", "SUCCESS")]
    assert [life(e) for e in by_key["c"]] == [("SKIPPED", "UPSTREAM_FAILED"), ("TERMINATED", "SUCCESS")]
    assert by_key["side"] == before_entries(before, "side")  # not rerun: same task run, same outcome
    original, repaired = run["repair_history"]
    assert original["type"] == "ORIGINAL" and "id" not in original
    assert original["state"]["result_state"] == "FAILED" and original["end_time"] == before["end_time"]
    assert original["task_run_ids"] == [e["run_id"] for e in before["tasks"]]
    assert repaired["type"] == "REPAIR" and repaired["id"] == repair_id
    assert repaired["state"]["result_state"] == "SUCCESS"
    assert repaired["task_run_ids"] == [by_key["b"][1]["run_id"], by_key["c"][1]["run_id"]]
    assert repaired["start_time"] == repaired_at
    assert by_key["b"][1]["start_time"] == repaired["start_time"]
    assert run["end_time"] == repaired["end_time"] == repaired["start_time"] + 2 * TASK_MS
    assert run["run_duration"] == (original["end_time"] - original["start_time"]) + 2 * TASK_MS


def before_entries(run: dict, key: str) -> list[dict]:
    return tasks_by_key(run)[key]


def test_rerun_dependent_tasks(sim: httpx.Client, virtual_server: RunningServer) -> None:
    job_id = create(sim, "dependents", [task("a"), task("b", "a"), task("c", "b"), task("other")])
    run_id = run_now(sim, job_id)
    virtual_server.advance(60)
    new_b = task("b", "a", description="changed between the run and the repair")
    sim.post(f"{API}/update", json={"job_id": job_id, "new_settings": {"tasks": [new_b]}})
    assert repair(sim, run_id, rerun_tasks=["b"], rerun_dependent_tasks=True).status_code == 200
    virtual_server.advance(60)
    by_key = tasks_by_key(get_run(sim, run_id))
    assert (len(by_key["a"]), len(by_key["b"]), len(by_key["c"]), len(by_key["other"])) == (1, 2, 2, 1)
    assert by_key["b"][1]["description"] == "changed between the run and the repair"  # current job settings


PARAMETERS = [{"name": "table", "default": "users"}, {"name": "day", "default": "today"}]


def test_job_parameters_and_overrides_are_kept_on_the_run(sim: httpx.Client, virtual_server: RunningServer) -> None:
    notebook = task("nb")
    notebook["notebook_task"]["base_parameters"] = {"source": "{{job.parameters.table}}", "fixed": "x"}
    wheel = {
        "task_key": "wheel",
        "python_wheel_task": {"package_name": "p", "entry_point": "main", "parameters": ["--run={{job.run_id}}"]},
        "existing_cluster_id": "c",
    }
    job_id = create(sim, "parameters", [notebook, wheel], parameters=PARAMETERS)
    run_id = run_now(sim, job_id, job_parameters={"table": "customers"}, notebook_params={"fixed": "y"})
    run = get_run(sim, run_id, include_resolved_values="true")
    assert run["job_parameters"] == [
        {"name": "table", "default": "users", "value": "customers"},
        {"name": "day", "default": "today", "value": "today"},
    ]
    assert run["overriding_parameters"] == {"notebook_params": {"fixed": "y"}}
    resolved = last(run, "nb")["resolved_values"]["notebook_task"]["base_parameters"]
    assert resolved == {"source": "customers", "fixed": "y", "table": "customers", "day": "today"}
    wheel_values = last(run, "wheel")["resolved_values"]["python_wheel_task"]
    assert wheel_values["parameters"] == [f"--run={run_id}"]
    assert "resolved_values" not in last(get_run(sim, run_id), "nb")
    virtual_server.advance(60)
    repair(sim, run_id, rerun_tasks=["nb"], job_parameters={"day": "yesterday"}, notebook_params={"fixed": "z"})
    run = get_run(sim, run_id)
    assert run["job_parameters"][1] == {"name": "day", "default": "today", "value": "yesterday"}
    assert run["overriding_parameters"] == {"notebook_params": {"fixed": "z"}}


def test_parameter_rules_from_the_docs(sim: httpx.Client) -> None:
    job_id = create(sim, "param-rules", [task("a"), task("b", "a")])
    error_of(
        sim.post(f"{API}/run-now", json={"job_id": job_id, "jar_params": ["1"], "notebook_params": {}}), "jar_params"
    )
    error_of(sim.post(f"{API}/run-now", json={"job_id": job_id, "python_params": ["café"]}), "python_params")
    big = {"k": "v" * 10_001}
    error_of(sim.post(f"{API}/run-now", json={"job_id": job_id, "notebook_params": big}), "notebook_params")
    error_of(sim.post(f"{API}/run-now", json={"job_id": job_id, "only": ["zzz"]}), "only")


def test_run_now_only_runs_the_given_tasks(sim: httpx.Client, virtual_server: RunningServer) -> None:
    job_id = create(sim, "subset", [task("a"), task("b", "a"), task("c")])
    run_id = run_now(sim, job_id, only=["b", "c"])
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert sorted(tasks_by_key(run)) == ["b", "c"]
    assert last(run, "b")["start_time"] == run["start_time"]  # its dependency is not part of this run
    assert life(run) == ("TERMINATED", "SUCCESS")


def test_runs_list_shows_a_finished_run_as_it_is_after_a_repair(
    sim: httpx.Client, virtual_server: RunningServer
) -> None:
    job_id, run_id = failed_run(sim, virtual_server)

    def listed(**query: object) -> dict:
        runs = sim.get(f"{API}/runs/list", params={"job_id": job_id, **query}).json()["runs"]
        return next(run for run in runs if run["run_id"] == run_id)

    before = listed()
    for _ in range(2):  # read again while nothing changed: the same entries
        assert listed() == before and life(before) == ("TERMINATED", "FAILED") and "tasks" not in before
        assert life(last(listed(expand_tasks="true"), "b")) == ("TERMINATED", "FAILED")
    assert repair(sim, run_id, rerun_tasks=["b"], rerun_dependent_tasks=True).status_code == 200
    assert life(listed())[0] in ("PENDING", "RUNNING")  # the finished run's kept entry is not shown any more
    virtual_server.advance(60)
    after = listed(expand_tasks="true")
    assert life(after) == ("TERMINATED", "SUCCESS") and life(listed()) == ("TERMINATED", "SUCCESS")
    assert [life(t) for t in tasks_by_key(after)["b"]] == [("TERMINATED", "FAILED"), ("TERMINATED", "SUCCESS")]
    assert listed()["end_time"] == after["end_time"] > before["end_time"]
