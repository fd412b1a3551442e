"""A refused request's message names the field and the rule it breaks, however large the value it quotes."""

from __future__ import annotations

from tests.support import RunningServer

TASK = {"task_key": "t", "notebook_task": {"notebook_path": "/n"}, "existing_cluster_id": "c"}


def test_a_long_value_is_quoted_short_and_the_reason_is_kept(server: RunningServer) -> None:
    tasks = [{**TASK, "task_key": f"task_{i}"} for i in range(101)]
    with server.client() as http:
        # Jobs 2.1 keeps the limit of 100 tasks (2.2 takes 1,000)
        too_many = http.post("/api/2.1/jobs/create", json={"name": "big", "tasks": tasks})
        too_long = http.post("/api/2.2/jobs/create", json={"name": "n" * 5000, "tasks": [TASK]})
    assert too_many.status_code == 400 and too_long.status_code == 400
    many, long = too_many.json(), too_long.json()
    assert many["error_code"] == long["error_code"] == "INVALID_PARAMETER_VALUE"
    assert many["message"].startswith("Invalid value for field 'tasks': [{")
    assert many["message"].endswith("... (truncated) has more than 100 items")
    assert long["message"].startswith("Invalid value for field 'name': \"nnn")
    assert long["message"].endswith("... (truncated) is longer than 4096 characters")
    assert len(many["message"]) < 400 and len(long["message"]) < 400


def test_a_short_value_is_quoted_whole(server: RunningServer) -> None:
    with server.client() as http:
        answer = http.post("/api/2.2/jobs/create", json={"name": "ok", "tasks": [TASK], "max_concurrent_runs": "2x"})
    assert answer.status_code == 400
    assert answer.json()["message"] == 'Invalid value for field \'max_concurrent_runs\': "2x" is not of type "integer"'
