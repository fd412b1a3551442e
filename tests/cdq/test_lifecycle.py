"""Jobs move through CDQ's statuses on the virtual clock: progress, timestamps, failures and dependencies."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.cdq.helpers import JOBS, create, get, when
from tests.support import RunningServer

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "cdq"


def load(sim: RunningServer, name: str) -> None:
    sim.load((SCENARIOS / f"{name}.yaml").read_text())


def poll(sim: RunningServer, http: httpx.Client, job_id: str, step: float, times: int) -> list[dict]:
    seen = []
    for _ in range(times):
        sim.advance(step)
        seen.append(get(http, job_id))
    return seen


def test_created_job_reaches_finished_with_progress_rising(sim: RunningServer, http: httpx.Client) -> None:
    job = create(http, name="curate", storageId="st-1")
    assert job["jobStatus"] == "CREATED" and job["progress"] == 0
    assert "lastJobStatus" not in job and "startedAt" not in job and "finishedAt" not in job
    seen = poll(sim, http, job["id"], 0.1, 16)
    statuses = [j["jobStatus"] for j in seen]
    order = ["CREATED", "PERSISTED", "WAITING", "SCHEDULED", "RUNNING", "FINISHED"]
    assert [s for s in order if s in statuses] == order[1:]
    assert statuses == sorted(statuses, key=order.index)
    running = [j for j in seen if j["jobStatus"] == "RUNNING"]
    progress = [j["progress"] for j in running]
    assert len(running) >= 3 and progress == sorted(progress) and progress[0] < progress[-1] < 100
    assert all(isinstance(j["processedItems"], int) and j["totalItems"] == 100 for j in running)
    assert running[0]["locks"] == [{"name": "storage-st-1"}]
    done = seen[-1]
    assert done["jobStatus"] == "FINISHED" and done["lastJobStatus"] == "RUNNING"
    assert done["progress"] == 100 and done["processedItems"] == 100 and done["failedItems"] == 0
    assert "locks" not in done and done["reportUri"].endswith(f"/jobs/{job['id']}/report.html")
    assert when(job["createdAt"]) < when(done["startedAt"]) < when(done["finishedAt"]) <= when(done["modifiedAt"])
    assert (when(done["expiresAt"]) - when(done["createdAt"])).days == 30


def test_default_timing_is_about_one_and_a_half_seconds(sim: RunningServer, http: httpx.Client) -> None:
    job = create(http)
    sim.advance(1.45)
    assert get(http, job["id"])["jobStatus"] == "RUNNING"
    sim.advance(0.1)
    done = get(http, job["id"])
    assert done["jobStatus"] == "FINISHED"
    total = (when(done["finishedAt"]) - when(done["createdAt"])).total_seconds()
    active = (when(done["finishedAt"]) - when(done["startedAt"])).total_seconds()
    assert 1.3 <= total <= 1.7 and active >= 0.3


def test_failing_job_ends_failed_with_its_message(sim: RunningServer, http: httpx.Client) -> None:
    load(sim, "failing")
    job = create(http)
    seen = poll(sim, http, job["id"], 0.2, 7)
    assert "RUNNING" in [j["jobStatus"] for j in seen]
    failed = seen[-1]
    assert failed["jobStatus"] == "FAILED" and failed["lastJobStatus"] == "RUNNING"
    assert failed["message"] == "The job failed because storage is empty."
    assert failed["progress"] == 40 and failed["totalItems"] == 200 and failed["processedItems"] == 80
    assert failed["failedItems"] == 30 and "finishedAt" in failed and "reportUri" not in failed


def test_dying_job_ends_died_with_progress_frozen(sim: RunningServer, http: httpx.Client) -> None:
    load(sim, "dying")
    job = create(http)
    sim.advance(0.65)
    running = get(http, job["id"])
    assert running["jobStatus"] == "RUNNING" and 0 < running["progress"] < 60
    sim.advance(1)
    died = get(http, job["id"])
    assert died["jobStatus"] == "DIED" and died["lastJobStatus"] == "RUNNING" and died["progress"] == 60
    assert "died unexpectedly" in died["message"]
    sim.advance(60)
    assert get(http, job["id"])["progress"] == 60


def test_slow_progress_moves_one_percent_every_few_reads(sim: RunningServer, http: httpx.Client) -> None:
    load(sim, "slow-progress")
    job = create(http)
    sim.advance(2 + 60)
    half = get(http, job["id"])
    assert half["jobStatus"] == "RUNNING" and half["progress"] == 50 and half["processedItems"] == 6000
    assert half["failedItems"] == 30
    sim.advance(61)
    assert get(http, job["id"])["jobStatus"] == "FINISHED"


def test_invalid_input_is_canceled_and_never_runs(sim: RunningServer, http: httpx.Client) -> None:
    load(sim, "invalid-input")
    bad = create(http, inputUri="s3://bucket/invalid.csv")
    good = create(http, inputUri="s3://bucket/partners.csv")
    sim.advance(5)
    canceled = get(http, bad["id"])
    assert canceled["jobStatus"] == "CANCELED" and canceled["lastJobStatus"] == "PERSISTED"
    assert "invalid" in canceled["message"] and "startedAt" not in canceled and canceled["progress"] == 0
    assert get(http, good["id"])["jobStatus"] == "FINISHED"


def test_dependent_job_waits_then_runs_from_when_its_dependency_finished(
    sim: RunningServer, http: httpx.Client
) -> None:
    first = create(http, storageId="st-dep")
    second = create(http, storageId="st-dep", jobDependencies=[{"jobId": first["id"]}])
    sim.advance(1.0)
    waiting = get(http, second["id"])
    assert get(http, first["id"])["jobStatus"] == "RUNNING"
    assert waiting["jobStatus"] == "WAITING" and "depends on" in waiting["message"]
    sim.advance(0.45)
    assert get(http, second["id"])["jobStatus"] == "WAITING"
    sim.advance(10)  # observed long after: the outcome does not depend on when it is looked at
    done = get(http, second["id"])
    upstream = get(http, first["id"])
    assert done["jobStatus"] == "FINISHED"
    gap = (when(done["startedAt"]) - when(upstream["finishedAt"])).total_seconds()
    assert 0.15 <= gap <= 0.25  # SCHEDULED 0.2 s after the dependency finished
    assert done["jobDependencies"] == [{"jobId": first["id"]}]


def test_dependency_chain_is_evaluated_lazily(sim: RunningServer, http: httpx.Client) -> None:
    a = create(http)
    b = create(http, jobDependencies=[{"jobId": a["id"]}])
    c = create(http, jobDependencies=[{"jobId": b["id"]}])
    sim.advance(30)
    last = get(http, c["id"])
    middle = get(http, b["id"])
    assert last["jobStatus"] == middle["jobStatus"] == "FINISHED"
    assert when(last["startedAt"]) > when(middle["finishedAt"]) > when(get(http, a["id"])["finishedAt"])


def test_failed_dependency_cancels_the_dependent_job(sim: RunningServer, http: httpx.Client) -> None:
    load(sim, "failing")
    first = create(http)
    second = create(http, jobDependencies=[{"jobId": first["id"]}])
    sim.advance(5)
    canceled = get(http, second["id"])
    assert canceled["jobStatus"] == "CANCELED" and canceled["lastJobStatus"] == "WAITING"
    assert first["id"] in canceled["message"] and "FAILED" in canceled["message"]
    assert canceled["finishedAt"] == get(http, first["id"])["finishedAt"]


def test_deleting_an_unfinished_dependency_cancels_the_dependent(sim: RunningServer, http: httpx.Client) -> None:
    first = create(http)
    second = create(http, jobDependencies=[{"jobId": first["id"]}])
    finished = create(http)
    third = create(http, jobDependencies=[{"jobId": finished["id"]}])
    sim.advance(0.5)
    assert http.delete(f"{JOBS}/{first['id']}").status_code == 204
    sim.advance(1.5)
    assert http.delete(f"{JOBS}/{finished['id']}").status_code == 204  # deleted after it FINISHED
    sim.advance(5)
    canceled = get(http, second["id"])
    assert canceled["jobStatus"] == "CANCELED" and "deleted" in canceled["message"]
    assert get(http, third["id"])["jobStatus"] == "FINISHED"


def test_sample_jobs_of_the_default_scenario(sim: RunningServer, http: httpx.Client) -> None:
    finished = get(http, "35f23c03-1c22-45fe-9484-3ffe769325de")
    running = get(http, "6b1f0a8e-2d4c-4e7a-9f3b-8c5d2e1a0b47")
    waiting = get(http, "9c2e4d6f-8a1b-4c3d-8e5f-7a9b0c1d2e3f")
    assert finished["jobStatus"] == "FINISHED" and finished["failedItems"] == 12
    assert running["jobStatus"] == "RUNNING" and waiting["jobStatus"] == "WAITING"
    sim.advance(100)
    later = get(http, running["id"])
    assert later["processedItems"] == running["processedItems"] + 500 and later["progress"] < 100


def test_a_long_dependency_chain_resolves_without_recursion_limits(sim: RunningServer, http: httpx.Client) -> None:
    previous = create(http)["id"]
    chain = [previous]
    for _ in range(400):
        previous = create(http, jobDependencies=[{"jobId": previous}])["id"]
        chain.append(previous)
    sim.advance(400 * 1.2 + 10)
    last = get(http, chain[-1])
    assert last["jobStatus"] == "FINISHED"
    assert when(last["startedAt"]) > when(get(http, chain[-2])["finishedAt"])
