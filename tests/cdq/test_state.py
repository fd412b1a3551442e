"""A CDQ session survives a snapshot (GET then PUT /_sim/state) exactly, and its jobs show in /_sim/metrics."""

from __future__ import annotations

import httpx

from tests.cdq.helpers import JOBS, create, get
from tests.support import RunningServer


def test_snapshot_restores_jobs_dependencies_and_cursors(sim: RunningServer, http: httpx.Client) -> None:
    first = create(http, tags=["snap"])
    waiting = create(http, tags=["snap"], jobDependencies=[{"jobId": first["id"]}])
    gone = create(http, tags=["snap"])
    assert http.delete(f"{JOBS}/{gone['id']}").status_code == 204
    sim.advance(1.0)
    page = http.get(JOBS, params={"tag": "snap", "limit": 1}).json()
    before = {job_id: get(http, job_id) for job_id in (first["id"], waiting["id"])}
    snapshot = http.get("/_sim/state").json()

    sim.reset()
    assert http.get(f"{JOBS}/{first['id']}").status_code == 404
    assert http.put("/_sim/state", json=snapshot).status_code == 200

    assert {job_id: get(http, job_id) for job_id in before} == before
    rest = http.get(JOBS, params={"tag": "snap", "limit": 5, "startAfter": page["nextStartAfter"]}).json()
    assert [job["id"] for job in rest["jobs"]] == [waiting["id"]]
    assert http.get(f"{JOBS}/{gone['id']}").status_code == 404
    sim.advance(5)
    assert get(http, waiting["id"])["jobStatus"] == "FINISHED"


def test_metrics_count_jobs_by_status(sim: RunningServer, http: httpx.Client) -> None:
    create(http)
    sim.advance(5)
    create(http)
    text = http.get("/_sim/metrics").text
    lines = {
        line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1]) for line in text.splitlines() if "jobsim_runs{" in line
    }
    cdq = {key: n for key, n in lines.items() if 'api="cdq"' in key and 'session="default"' in key}
    assert cdq['jobsim_runs{session="default",api="cdq",state="FINISHED"}'] == 2  # the sample one and ours
    assert cdq['jobsim_runs{session="default",api="cdq",state="CREATED"}'] == 1
    assert cdq['jobsim_runs{session="default",api="cdq",state="WAITING"}'] == 1  # the sample validation job
