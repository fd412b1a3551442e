"""Task retries and task/job timeouts on the virtual clock, with exact times."""

from __future__ import annotations

import httpx
import pytest

from tests.databricks.helpers import API, create, fails, get_run, holds, last, life, plan, run_now, task, tasks_by_key
from tests.support import RunningServer


@pytest.fixture
def sim(virtual_server: RunningServer) -> httpx.Client:
    virtual_server.reset()
    return virtual_server.client()


def test_retry_waits_then_runs_a_new_attempt(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(fails("{task_key: flaky, attempt: [0, 1]}")))
    flaky = task("flaky", max_retries=3, min_retry_interval_millis=10_000)
    run_id = run_now(sim, create(sim, "retrying", [flaky, task("after", "flaky")]))
    virtual_server.advance(4)  # attempt 0 failed at +3 s; the retry may start 10 s after it started
    run = get_run(sim, run_id)
    waiting = last(run, "flaky")
    assert waiting["attempt_number"] == 0 and life(waiting) == ("WAITING_FOR_RETRY", None)
    assert waiting["status"]["state"] == "WAITING" and waiting["state"]["state_message"].endswith("boom")
    assert life(run) == ("RUNNING", None) and life(last(run, "after")) == ("BLOCKED", None)
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    attempts = tasks_by_key(run)["flaky"]
    assert [a["attempt_number"] for a in attempts] == [0, 1, 2]
    assert [life(a) for a in attempts] == [("TERMINATED", "FAILED")] * 2 + [("TERMINATED", "SUCCESS")]
    first = attempts[0]
    assert {a["original_attempt_run_id"] for a in attempts} == {first["run_id"]}
    assert len({a["run_id"] for a in attempts}) == 3
    assert attempts[1]["start_time"] == first["start_time"] + 10_000
    assert attempts[2]["start_time"] == attempts[1]["start_time"] + 10_000
    assert last(run, "after")["start_time"] == attempts[2]["end_time"]
    assert life(run) == ("TERMINATED", "SUCCESS")
    retry = get_run(sim, attempts[2]["run_id"])
    assert retry["attempt_number"] == 2 and retry["original_attempt_run_id"] == first["run_id"]
    assert retry["trigger"] == "RETRY"


def test_retries_stop_at_max_retries(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(fails("{task_key: broken}")))
    run_id = run_now(sim, create(sim, "gives-up", [task("broken", max_retries=1)]))
    virtual_server.advance(60)
    run = get_run(sim, run_id)
    assert [life(a) for a in tasks_by_key(run)["broken"]] == [("TERMINATED", "FAILED")] * 2
    assert life(run) == ("TERMINATED", "FAILED")
    # retried at once by default: the second attempt starts when the first ends
    first, second = tasks_by_key(run)["broken"]
    assert second["start_time"] == first["end_time"]


def test_max_retries_minus_one_retries_until_success(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(fails("{task_key: stubborn, attempt: [0, 1, 2, 3, 4]}")))
    run_id = run_now(sim, create(sim, "forever", [task("stubborn", max_retries=-1)]))
    virtual_server.advance(3600)
    attempts = tasks_by_key(get_run(sim, run_id))["stubborn"]
    assert [a["attempt_number"] for a in attempts] == [0, 1, 2, 3, 4, 5]
    assert life(attempts[-1]) == ("TERMINATED", "SUCCESS")


def test_internal_error_is_retried_but_timeout_only_with_retry_on_timeout(
    sim: httpx.Client, virtual_server: RunningServer
) -> None:
    virtual_server.load(
        plan(
            holds("{task_key: [slow, slow_retried], attempt: 0}"),
            """\
  - kind: task
    match: {task_key: crashy, attempt: 0}
    steps:
      - {state: PENDING, for: 1s}
      - {state: INTERNAL_ERROR, message: "Cluster terminated unexpectedly."}""",
        )
    )
    tasks = [
        task("slow", timeout_seconds=30, max_retries=2),
        task("slow_retried", timeout_seconds=30, max_retries=2, retry_on_timeout=True),
        task("crashy", max_retries=1),
    ]
    run_id = run_now(sim, create(sim, "timeouts", tasks))
    virtual_server.advance(600)
    run = get_run(sim, run_id)
    by_key = tasks_by_key(run)
    assert [life(a) for a in by_key["slow"]] == [("TERMINATED", "TIMEDOUT")]
    slow = by_key["slow"][0]
    assert slow["end_time"] - slow["start_time"] == 30_000
    assert slow["state"]["state_message"] == "Task slow timed out after 30 seconds."
    assert slow["state"]["user_cancelled_or_timedout"] is True
    assert [life(a) for a in by_key["slow_retried"]] == [("TERMINATED", "TIMEDOUT"), ("TERMINATED", "SUCCESS")]
    assert [life(a) for a in by_key["crashy"]] == [("INTERNAL_ERROR", "FAILED"), ("TERMINATED", "SUCCESS")]
    assert life(run) == ("TERMINATED", "TIMEDOUT") and run["state"]["user_cancelled_or_timedout"] is True


def test_job_timeout_stops_the_run_at_its_deadline(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(holds("{task_key: long}")))
    job_id = create(sim, "job-timeout", [task("long"), task("next", "long")], timeout_seconds=45)
    run_id = run_now(sim, job_id)
    virtual_server.advance(3600)
    run = get_run(sim, run_id)
    assert life(run) == ("TERMINATED", "TIMEDOUT") and run["state"]["user_cancelled_or_timedout"] is True
    assert run["end_time"] - run["start_time"] == 45_000
    assert run["state"]["state_message"] == "Run timed out after 45 seconds."
    assert run["status"]["termination_details"]["code"] == "CANCELED"
    assert life(last(run, "long")) == ("TERMINATED", "TIMEDOUT")
    assert life(last(run, "next")) == ("SKIPPED", "UPSTREAM_CANCELED")


def test_a_new_job_timeout_applies_to_active_runs(sim: httpx.Client, virtual_server: RunningServer) -> None:
    virtual_server.load(plan(holds("{task_key: long}")))
    job_id = create(sim, "retimed", [task("long")])
    run_id = run_now(sim, job_id)
    virtual_server.advance(100)
    assert life(get_run(sim, run_id)) == ("RUNNING", None)
    assert sim.post(f"{API}/update", json={"job_id": job_id, "new_settings": {"timeout_seconds": 20}}).json() == {}
    run = get_run(sim, run_id)
    assert life(run) == ("TERMINATED", "TIMEDOUT")
    assert run["end_time"] - run["start_time"] == 100_000  # already past the new deadline: it ends at the update
    other = run_now(sim, job_id)
    virtual_server.advance(100)
    run = get_run(sim, other)
    assert life(run) == ("TERMINATED", "TIMEDOUT") and run["end_time"] - run["start_time"] == 20_000
