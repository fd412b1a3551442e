"""max_concurrent_runs, queueing and cancel-all on the virtual clock."""

from __future__ import annotations

import httpx
import pytest

from tests.databricks.helpers import API, TASK_MS, create, get_run, holds, last, life, plan, run_now, task
from tests.support import RunningServer


@pytest.fixture
def sim(virtual_server: RunningServer) -> httpx.Client:
    virtual_server.reset()
    return virtual_server.client()


def test_a_queued_run_starts_when_the_active_one_ends(sim: httpx.Client, virtual_server: RunningServer) -> None:
    job_id = create(sim, "one-at-a-time", [task("t")], queue={"enabled": True})
    first = run_now(sim, job_id)
    second = run_now(sim, job_id)
    queued = get_run(sim, second)
    assert queued["state"] == {
        "life_cycle_state": "QUEUED",
        "state_message": "Queued due to reaching maximum concurrent runs of 1.",
        "user_cancelled_or_timedout": False,
        "queue_reason": "Queued due to reaching maximum concurrent runs of 1.",
    }
    assert queued["status"]["state"] == "QUEUED"
    assert queued["status"]["queue_details"]["code"] == "ACTIVE_RUNS_LIMIT_REACHED"
    assert life(last(queued, "t")) == ("QUEUED", None) and last(queued, "t")["start_time"] == 0
    virtual_server.advance(60)
    one, two = get_run(sim, first), get_run(sim, second)
    assert life(two) == ("TERMINATED", "SUCCESS")
    assert last(two, "t")["start_time"] == one["end_time"]  # started the moment the slot freed, not when read
    assert two["queue_duration"] == TASK_MS and "queue_duration" not in one
    assert two["end_time"] - two["start_time"] == 2 * TASK_MS and two["run_duration"] == 2 * TASK_MS


def test_queued_runs_start_in_order(sim: httpx.Client, virtual_server: RunningServer) -> None:
    job_id = create(sim, "fifo", [task("t")], max_concurrent_runs=2)
    runs = [run_now(sim, job_id) for _ in range(5)]
    states = [life(get_run(sim, r))[0] for r in runs]
    assert states == ["PENDING", "PENDING", "QUEUED", "QUEUED", "QUEUED"]
    listed = sim.get(f"{API}/runs/list", params={"job_id": job_id, "active_only": "true"}).json()["runs"]
    assert len(listed) == 5  # queued runs are active
    virtual_server.advance(600)
    starts = [last(get_run(sim, r), "t")["start_time"] for r in runs]
    base = starts[0]
    assert [s - base for s in starts] == [0, 0, TASK_MS, TASK_MS, 2 * TASK_MS]


@pytest.mark.parametrize(
    ("version", "queue", "second"),
    [
        ("2.2", None, "QUEUED"),  # the Jobs API 2.2 queues a job without queue settings
        ("2.1", None, "SKIPPED"),  # 2.0/2.1 did not
        ("2.1", {"enabled": True}, "QUEUED"),
    ],
)
def test_queueing_by_default_follows_the_api_version_the_job_came_through(
    sim: httpx.Client, version: str, queue: dict | None, second: str
) -> None:
    settings = {"name": f"via-{version}", "tasks": [task("t")], **({"queue": queue} if queue else {})}
    job_id = sim.post(f"/api/{version}/jobs/create", json=settings).json()["job_id"]
    run_now(sim, job_id)  # runs through 2.2 either way: the job's own default decides
    assert life(get_run(sim, run_now(sim, job_id)))[0] == second


def test_a_refused_reset_leaves_the_job_as_it_was(sim: httpx.Client) -> None:
    job_id = create(sim, "kept", [task("t")])  # through 2.2: queues by default
    refused = sim.post(
        "/api/2.1/jobs/reset",
        json={"job_id": job_id, "new_settings": {"name": "kept", "tasks": [task("t"), task("t")]}},
    )
    assert refused.status_code == 400 and "task keys must be unique" in refused.json()["message"]
    assert sim.get(f"{API}/get", params={"job_id": job_id}).json()["settings"]["tasks"] == [task("t")]
    run_now(sim, job_id)
    assert life(get_run(sim, run_now(sim, job_id)))[0] == "QUEUED"  # still the 2.2 default, not 2.1's


def test_queue_disabled_skips_the_run(sim: httpx.Client, virtual_server: RunningServer) -> None:
    job_id = create(sim, "no-queue", [task("t")], queue={"enabled": False})
    first = run_now(sim, job_id)
    skipped = get_run(sim, run_now(sim, job_id))
    assert life(skipped) == ("SKIPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED")
    assert skipped["state"]["state_message"] == (
        "Skipping this run because the limit of 1 maximum concurrent runs has been reached."
    )
    assert skipped["status"]["termination_details"]["code"] == "MAX_CONCURRENT_RUNS_EXCEEDED"
    assert skipped["end_time"] == skipped["start_time"]
    assert life(last(skipped, "t")) == ("SKIPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED")
    # run-now's own queue setting wins over the job's
    assert life(get_run(sim, run_now(sim, job_id, queue={"enabled": True}))) == ("QUEUED", None)
    virtual_server.advance(60)
    assert life(get_run(sim, first)) == ("TERMINATED", "SUCCESS")


def test_zero_concurrent_runs_skips_every_run(sim: httpx.Client) -> None:
    job_id = create(sim, "paused", [task("t")], max_concurrent_runs=0)
    run = get_run(sim, run_now(sim, job_id))
    assert life(run) == ("SKIPPED", "MAXIMUM_CONCURRENT_RUNS_REACHED")
    assert "limit of 0 maximum concurrent runs" in run["state"]["state_message"]


def test_raising_the_limit_starts_queued_runs_then(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(holds("{name: widen}")))
    job_id = create(sim, "widen", [task("t")])
    first, second = run_now(sim, job_id), run_now(sim, job_id)
    virtual_server.advance(30)
    assert life(get_run(sim, second)) == ("QUEUED", None)
    sim.post(f"{API}/update", json={"job_id": job_id, "new_settings": {"max_concurrent_runs": 2}})
    run = get_run(sim, second)
    assert life(run) == ("PENDING", None)
    assert run["queue_duration"] == 30_000
    assert life(get_run(sim, first)) == ("RUNNING", None)


def test_cancel_a_queued_run(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(holds("{name: busy}")))
    job_id = create(sim, "busy", [task("t")])
    run_now(sim, job_id)
    queued = run_now(sim, job_id)
    virtual_server.advance(5)
    sim.post(f"{API}/runs/cancel", json={"run_id": queued})
    run = get_run(sim, queued)
    assert life(run) == ("TERMINATED", "CANCELED") and run["state"]["user_cancelled_or_timedout"] is True
    assert run["queue_duration"] == 5000 and run["end_time"] - run["start_time"] == 5000
    assert life(last(run, "t")) == ("TERMINATED", "CANCELED") and last(run, "t")["start_time"] == 0


def test_cancel_all_queued_runs_of_the_workspace(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(holds("{name: [red, blue]}")))
    red, blue = create(sim, "red", [task("t")]), create(sim, "blue", [task("t")])
    runs = {name: [run_now(sim, job), run_now(sim, job)] for name, job in (("red", red), ("blue", blue))}
    reply = sim.post(f"{API}/runs/cancel-all", json={"all_queued_runs": True})
    assert reply.status_code == 200 and reply.json() == {}
    for active, queued in runs.values():
        assert life(get_run(sim, active)) == ("PENDING", None)
        assert life(get_run(sim, queued)) == ("TERMINATED", "CANCELED")


def test_cancel_all_runs_of_a_job(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(holds("{name: [target, bystander]}")))
    target = create(sim, "target", [task("t")], max_concurrent_runs=2)
    bystander = create(sim, "bystander", [task("t")])
    runs = [run_now(sim, target) for _ in range(3)]
    other = run_now(sim, bystander)
    virtual_server.advance(5)
    assert sim.post(f"{API}/runs/cancel-all", json={"job_id": target}).json() == {}
    virtual_server.advance(1)
    assert [life(get_run(sim, r)) for r in runs] == [("TERMINATED", "CANCELED")] * 3
    assert life(get_run(sim, other)) == ("RUNNING", None)
    reply = sim.post(f"{API}/runs/cancel-all", json={})
    assert reply.status_code == 400 and "job_id" in reply.json()["message"]
    again = run_now(sim, target)  # cancel-all does not stop new runs from starting
    assert life(get_run(sim, again)) == ("PENDING", None)
