"""A declared API's sessions kept in Redis (`jobsim serve --store`): a SIGTERM restart loses no run, as for coded
APIs; each run is saved as an item of its own."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import redis

from tests.scale.support import redis_server, replicas

RUNS = "/api/v2/dags/example_etl/dagRuns"
BEARER = {"Authorization": "Bearer jobsim"}


def test_declared_runs_survive_a_restart_through_redis(tmp_path: Path) -> None:
    with redis_server(tmp_path) as store, replicas(store, "r-declared") as (replica,):
        http = httpx.Client(base_url=replica.url, timeout=30, headers=BEARER)
        made = [http.post(f"/s/etl{RUNS}", json={"dag_run_id": f"run-{i}"}).json()["dag_run_id"] for i in range(3)]
        time.sleep(2)  # default timing: they succeed
        before = http.get(f"/s/etl{RUNS}").json()
        replica.stop()
        replica.start()
        http = httpx.Client(base_url=replica.url, timeout=30, headers=BEARER)
        after = http.get(f"/s/etl{RUNS}").json()
        client = redis.Redis.from_url(store)
        keys = [
            field.decode()
            for key in client.scan_iter("*")
            if client.type(key) == b"hash"
            for field in client.hkeys(key)
            if field.startswith(b"airflow:stores.dag_run:")
        ]
    assert [r["dag_run_id"] for r in after["dag_runs"]][-3:] == made
    assert after == before
    assert len(keys) >= 5, keys  # the two sample runs and three new ones, each an item of its own
