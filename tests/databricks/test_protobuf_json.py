"""Databricks reads request JSON as protobuf JSON: integers as numbers or decimal strings, `null` as an absent member,
a GET's parameters in a JSON body. What Airflow's provider (every number a string), prefect-databricks (`null` for
every unset member) and Airflow's async hook (runs/get with a JSON body) send must get the answer the plain body
gets; what protobuf JSON still refuses keeps its 400 naming the field."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.contract.schema import to_json_schema
from simulator.server.app import create_app
from tests.support import RunningServer, running_server

API = "/api/2.1/jobs"
_RUNTIME = create_app(load_defaults=False).runtime
_DOCUMENTS = [doc for doc in _RUNTIME.documents if doc.api == "databricks"]  # Jobs 2.1/2.2, and Jobs 2.0
_DEFINITIONS = {  # operationId -> the schemas of its document
    op.operation_id: {name: to_json_schema(s) for name, s in doc.raw["components"]["schemas"].items()}
    for doc in _DOCUMENTS
    for op in doc.operations
}
_OPERATIONS = {op.operation_id: op for doc in _DOCUMENTS for op in doc.operations if op.server != "/api/2.2"}
_sessions = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=7, clock_mode="virtual") as running:
        yield running


@pytest.fixture(scope="module")
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def error_of(reply: httpx.Response) -> str:
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    return str(body["message"])


# --- the wire habits, one by one -------------------------------------------------------------------------------
def test_airflow_numbers_as_strings_reach_the_job_as_numbers(http: httpx.Client) -> None:
    body = {
        "name": "airflow-style",
        "timeout_seconds": "600",
        "max_concurrent_runs": "2",
        "tasks": [
            {
                "task_key": "t",
                "notebook_task": {"notebook_path": "/x"},
                "existing_cluster_id": "0101-000000-test",
                "max_retries": "0",
                "min_retry_interval_millis": "2000",
                "timeout_seconds": "-0",
            }
        ],
        "health": {"rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": "9223372036854775807"}]},
    }
    created = http.post(f"{API}/create", json=body)
    assert created.status_code == 200, created.text
    settings_ = http.get(f"{API}/get", params={"job_id": created.json()["job_id"]}).json()["settings"]
    assert settings_["timeout_seconds"] == 600 and settings_["max_concurrent_runs"] == 2
    task = settings_["tasks"][0]
    assert (task["max_retries"], task["min_retry_interval_millis"], task["timeout_seconds"]) == (0, 2000, 0)
    assert settings_["health"]["rules"][0]["value"] == 2**63 - 1


def test_prefect_nulls_are_absent_members(http: httpx.Client) -> None:
    task = {
        "task_key": "t",
        "notebook_task": {"notebook_path": "/x", "base_parameters": None, "source": None},
        "existing_cluster_id": "0101-000000-test",
        "dbt_task": None,
        "libraries": None,
        "timeout_seconds": None,
        "depends_on": None,
        "email_notifications": None,
    }
    submitted = http.post(f"{API}/runs/submit", json={"run_name": "prefect-style", "tasks": [task], "git_source": None})
    assert submitted.status_code == 200, submitted.text
    run = http.get(f"{API}/runs/get", params={"run_id": submitted.json()["run_id"]}).json()
    assert set(run["tasks"][0]) >= {"task_key", "notebook_task"}
    assert "dbt_task" not in run["tasks"][0] and "libraries" not in run["tasks"][0]
    assert "base_parameters" not in run["tasks"][0]["notebook_task"]


def test_a_null_member_the_request_does_not_declare_is_absent_too(http: httpx.Client) -> None:
    """runs/submit has no spark_submit_params (run-now has): sent as null, it is absent like any other null."""
    for api in (API, "/api/2.0/jobs"):
        submitted = http.post(f"{api}/runs/submit", json={"run_name": "nulls", "spark_submit_params": None})
        assert submitted.status_code == 200, submitted.text
        run = http.get(f"{api}/runs/get", params={"run_id": submitted.json()["run_id"]}).json()
        assert "spark_submit_params" not in str(run)


def test_a_required_member_sent_as_null_is_missing(http: httpx.Client) -> None:
    message = error_of(http.post(f"{API}/run-now", json={"job_id": None}))
    assert "job_id" in message and "Missing" in message


def test_get_parameters_in_a_json_body(http: httpx.Client) -> None:
    job_id = http.post(f"{API}/create", json={"name": "body-get"}).json()["job_id"]
    run_id = http.post(f"{API}/run-now", json={"job_id": job_id}).json()["run_id"]
    # As Airflow's async hook sends it: GET, Content-Type application/json, the parameters as the body, no query.
    by_body = http.request("GET", f"{API}/runs/get", json={"run_id": run_id})
    assert by_body.status_code == 200, by_body.text
    assert by_body.json() == http.get(f"{API}/runs/get", params={"run_id": run_id}).json()
    as_string = http.request("GET", f"{API}/runs/get", json={"run_id": str(run_id), "include_history": True})
    assert as_string.status_code == 200 and as_string.json()["run_id"] == run_id
    job = http.request("GET", f"{API}/get", json={"job_id": job_id})
    assert job.status_code == 200 and job.json()["settings"]["name"] == "body-get"
    # The query string wins for a name given in both.
    unknown = http.request("GET", f"{API}/runs/get", params={"run_id": 999999}, json={"run_id": run_id})
    assert "999999" in error_of(unknown)


def test_what_protobuf_json_refuses_is_still_refused(http: httpx.Client) -> None:
    task = {"task_key": "t", "notebook_task": {"notebook_path": "/x"}, "max_retries": "three"}
    assert "tasks[0].max_retries" in error_of(http.post(f"{API}/create", json={"name": "bad", "tasks": [task]}))
    assert "timeout_seconds" in error_of(http.post(f"{API}/create", json={"name": "b", "timeout_seconds": "1.5"}))
    assert "timeout_seconds" in error_of(http.post(f"{API}/create", json={"name": "b", "timeout_seconds": "1e3x"}))
    # Booleans are JSON true/false only in protobuf JSON ("true" as a string is refused by its parsers).
    assert "retry_on_timeout" in error_of(
        http.post(
            f"{API}/create", json={"name": "b", "tasks": [{**task, "max_retries": 1, "retry_on_timeout": "true"}]}
        )
    )
    # Enums by name, as spelled.
    assert "op" in error_of(
        http.post(
            f"{API}/create",
            json={"name": "b", "health": {"rules": [{"metric": "RUN_DURATION_SECONDS", "op": "greater", "value": 1}]}},
        )
    )
    # An integer still has its limits when it comes as a string.
    assert "max_concurrent_runs" in error_of(
        http.post(f"{API}/create", json={"name": "b", "max_concurrent_runs": "1001"})
    )
    # Decimal means ASCII digits: Arabic-Indic digits and a trailing newline are not an integer.
    assert "job_id" in error_of(http.post(f"{API}/run-now", json={"job_id": "\u0661\u0662"}))
    assert "job_id" in error_of(http.post(f"{API}/run-now", json={"job_id": "12\n"}))
    assert "run_id" in error_of(http.request("GET", f"{API}/runs/get", json={"run_id": "abc"}))
    assert "run_id" in error_of(http.request("GET", f"{API}/runs/get", json={"run_id": None}))


# --- property: the same answer whatever the habit --------------------------------------------------------------
Schemas = dict[str, Any]


def _resolve(schema: Any, defs: Schemas) -> dict[str, Any]:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema if isinstance(schema, dict) else {}


def _members(schema: Any, defs: Schemas) -> tuple[dict[str, Any], set[str]]:
    """Declared properties and required names of an object schema, through $ref and allOf."""
    schema = _resolve(schema, defs)
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, needed = _members(part, defs)
        properties.update(more)
        required |= needed
    return properties, required


def _admits_null(schema: Any, defs: Schemas) -> bool:
    schema = _resolve(schema, defs)
    kind = schema.get("type")
    return (
        kind == "null"
        or (isinstance(kind, list) and "null" in kind)
        or any(_admits_null(s, defs) for s in schema.get("anyOf", []) + schema.get("oneOf", []))
    )


Habit = Callable[[], bool]


def _as_the_integrations_send(value: Any, schema: Any, defs: Schemas, coin: Habit) -> Any:
    """`value` with (coin permitting) each integer as a decimal string and each absent optional member as null."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if coin() else value
    if isinstance(value, list):
        items = _resolve(schema, defs).get("items", {})
        return [_as_the_integrations_send(item, items, defs, coin) for item in value]
    if isinstance(value, dict):
        properties, required = _members(schema, defs)
        out = {name: _as_the_integrations_send(v, properties.get(name, {}), defs, coin) for name, v in value.items()}
        for name in sorted(set(properties) - set(value) - required):
            if not _admits_null(properties[name], defs) and coin():
                out[name] = None
        return out
    return value


def _body_schema(operation_id: str) -> dict[str, Any]:
    source = _OPERATIONS[operation_id].body_schema
    assert source is not None
    return source.source


def _normalised(value: Any) -> Any:
    """An answer without what differs between two sessions' worlds anyway: the clock's times."""
    if isinstance(value, dict):
        return {k: (0 if k.endswith("_time") or k == "timestamp" else _normalised(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


def _task(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "task_key": key,
        "notebook_task": {"notebook_path": f"/Repos/t/{key}"},
        "existing_cluster_id": "0101-000000-test",
        **fields,
    }


def _journey(server: RunningServer, http: httpx.Client, habit: Callable[[str, Any], Any]) -> list[Any]:
    """Every Databricks operation with a body, in an order that makes each one valid, in a fresh session of its own;
    `habit(operation_id, body)` is how the client writes each body. Returns every answer, normalised."""
    pick = {"X-Jobsim-Session": f"pbjson-{next(_sessions)}"}
    answers: list[Any] = []

    def call(operation_id: str, body: dict[str, Any]) -> Any:
        op = _OPERATIONS[operation_id]
        reply = http.post(op.path, json=habit(operation_id, body), headers=pick)
        answers.append((operation_id, reply.status_code, _normalised(reply.json())))
        return reply.json()

    def look(path: str, **query: Any) -> None:
        reply = http.get(f"{API}/{path}", params=query, headers=pick)
        answers.append((path, reply.status_code, _normalised(reply.json())))

    def advance(seconds: int) -> None:
        assert http.post("/_sim/clock/advance", json={"seconds": seconds}, headers=pick).status_code == 200

    job = {
        "name": "habits",
        "timeout_seconds": 3600,
        "max_concurrent_runs": 3,
        "tags": {"team": "data"},
        "tasks": [
            _task("a", max_retries=1, min_retry_interval_millis=1000, timeout_seconds=600),
            _task("b", depends_on=[{"task_key": "a"}], max_retries=0),
        ],
        "health": {"rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 7200}]},
        "queue": {"enabled": True},
    }
    job_id = call("jobsCreate", job)["job_id"]
    call("jobsUpdate", {"job_id": job_id, "new_settings": {"timeout_seconds": 1800, "max_concurrent_runs": 2}})
    call("jobsReset", {"job_id": job_id, "new_settings": {**job, "timeout_seconds": 900}})
    look("get", job_id=job_id)
    run_id = call("jobsRunNow", {"job_id": job_id, "job_parameters": {"day": "1"}})["run_id"]
    submitted = call(
        "jobsSubmit", {"run_name": "once", "timeout_seconds": 300, "tasks": [_task("only", timeout_seconds=120)]}
    )["run_id"]
    call("jobsCancelRun", {"run_id": run_id})
    advance(600)
    look("runs/get", run_id=run_id)
    call("jobsRepairRun", {"run_id": run_id, "rerun_tasks": ["a"]})
    call("jobsCancelAllRuns", {"job_id": job_id})
    advance(600)
    call("jobsDeleteRun", {"run_id": submitted})
    look("runs/list", job_id=job_id)
    call("jobsDelete", {"job_id": job_id})
    # Jobs API 2.0 (the legacy CLI's default; prefect-databricks' runs/export): single-task settings at the root.
    legacy = {
        "name": "habits-2.0",
        "notebook_task": {"notebook_path": "/Repos/t/legacy"},
        "existing_cluster_id": "0101-000000-test",
        "timeout_seconds": 3600,
        "max_retries": 1,
        "min_retry_interval_millis": 1000,
        "max_concurrent_runs": 2,
    }
    old_id = call("jobs20Create", legacy)["job_id"]
    call("jobs20Update", {"job_id": old_id, "new_settings": {"timeout_seconds": 1800, "max_retries": 0}})
    call("jobs20Reset", {"job_id": old_id, "new_settings": {**legacy, "timeout_seconds": 900}})
    old_run = call("jobs20RunNow", {"job_id": old_id, "notebook_params": {"day": "1"}})["run_id"]
    old_once = call("jobs20Submit", {"run_name": "once-2.0", "timeout_seconds": 300, **_task("x")})["run_id"]
    call("jobs20CancelRun", {"run_id": old_run})
    call("jobs20CancelAllRuns", {"job_id": old_id})
    advance(600)
    call("jobs20DeleteRun", {"run_id": old_once})
    call("jobs20Delete", {"job_id": old_id})
    return answers


def test_every_body_operation_is_in_the_journey() -> None:
    with_body = {op.operation_id for op in _OPERATIONS.values() if op.body_schema is not None}
    journey = {
        "jobsCreate",
        "jobsUpdate",
        "jobsReset",
        "jobsRunNow",
        "jobsSubmit",
        "jobsCancelRun",
        "jobsRepairRun",
        "jobsCancelAllRuns",
        "jobsDeleteRun",
        "jobsDelete",
        *("jobs20Create", "jobs20Update", "jobs20Reset", "jobs20RunNow", "jobs20Submit"),
        *("jobs20CancelRun", "jobs20CancelAllRuns", "jobs20DeleteRun", "jobs20Delete"),
    }
    assert with_body == journey


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(coins=st.data())
def test_integers_as_strings_and_nulls_get_the_same_answers(
    server: RunningServer, http: httpx.Client, coins: st.DataObject
) -> None:
    plain = _journey(server, http, lambda _op, body: body)

    def habit(operation_id: str, body: Any) -> Any:
        schema, defs = _body_schema(operation_id), _DEFINITIONS[operation_id]
        return _as_the_integrations_send(body, schema, defs, lambda: coins.draw(st.booleans()))

    assert _journey(server, http, habit) == plain
    assert all(status == 200 for _, status, _ in plain), plain


def test_get_parameters_in_a_body_under_a_fault_that_reads_the_answer(http: httpx.Client) -> None:
    """A fault rule matching runs/get's normal answer makes the fault layer run the request first; the GET's body
    must still reach the dispatcher."""
    session = {"X-Jobsim-Session": "body-get-fault"}
    run_id = http.post(f"{API}/runs/submit", json={"run_name": "x"}, headers=session).json()["run_id"]
    rule = {
        "api": "databricks",
        "operation": "jobsGetRun",
        "response": {"state": {"life_cycle_state": "NEVER"}},
        "error": {"status": 500},
    }
    added = http.post("/_sim/faults", json=rule, headers=session)
    assert added.status_code in (200, 201), added.text
    reply = http.request("GET", f"{API}/runs/get", json={"run_id": run_id}, headers=session)
    assert reply.status_code == 200 and reply.json()["run_id"] == run_id, reply.text
