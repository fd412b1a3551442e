"""`--watch`: a fixed scenario file is picked up without a restart; a broken one is refused, the old stays."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support import running_server

API = "/api/2.2/jobs"
SCENARIO = """\
jobsim: 1
name: watched
api: databricks
plans:
  - name: {plan}
    steps:
      - {{state: PENDING, for: 1s}}
      - {{state: TERMINATED, result: {result}}}
"""


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def plans(url: str) -> list[str]:
    loaded = httpx.get(f"{url}/_sim/scenarios").json()["loaded"]
    return [p for s in loaded if s["name"] == "watched" for p in s["plans"]]


def test_reload_accepts_a_fix_and_refuses_a_broken_file(tmp_path: Path, caplog) -> None:
    path = tmp_path / "watched.yaml"
    path.write_text(SCENARIO.format(plan="first", result="FAILED"))
    with running_server(scenarios=(str(path),), watch=True, clock_mode="virtual") as server:
        assert plans(server.url) == ["first"]
        time.sleep(0.3)  # let the watcher start
        path.write_text(SCENARIO.format(plan="second", result="SUCCESS"))
        assert wait_for(lambda: plans(server.url) == ["second"]), plans(server.url)
        http = server.client()
        job_id = http.post(f"{API}/create", json={"name": "x"}).json()["job_id"]
        run_id = http.post(f"{API}/run-now", json={"job_id": job_id}).json()["run_id"]
        server.advance(2)
        assert http.get(f"{API}/runs/get", params={"run_id": run_id}).json()["state"]["result_state"] == "SUCCESS"
        with caplog.at_level(logging.ERROR, logger="jobsim"):
            path.write_text(SCENARIO.format(plan="third", result="GREAT"))
            assert wait_for(lambda: "scenario reload refused" in caplog.text)
        assert f"{path}:8:" in caplog.text and "GREAT" in caplog.text
        assert plans(server.url) == ["second"]
