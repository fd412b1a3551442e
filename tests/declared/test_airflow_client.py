"""Airflow 3's REST API (/api/v2), declared in apis/airflow/, driven by the published apache-airflow-client."""

from __future__ import annotations

import time
from collections.abc import Iterator

import airflow_client.client as airflow
import httpx
import pytest
from airflow_client.client.api import dag_api, dag_run_api
from airflow_client.client.exceptions import NotFoundException, UnauthorizedException

from tests.support import RunningServer, running_server

FAILING = """\
jobsim: 1
name: failing-etl
api: airflow
plans:
  - name: failing-etl
    kind: dag_run
    match: {dag_id: example_etl}
    steps:
      - {state: queued, for: 0.1s}
      - {state: running, for: 0.2s}
      - {state: failed, message: "Task load_warehouse failed."}
"""


def token(url: str) -> str:
    """What an Airflow 3 user does first: a JWT from /auth/token (jobsim takes any username and password)."""
    reply = httpx.post(f"{url}/auth/token", json={"username": "admin", "password": "admin"})
    assert reply.status_code == 201
    return str(reply.json()["access_token"])


@pytest.fixture
def api(server: RunningServer) -> Iterator[airflow.ApiClient]:
    server.reset()
    config = airflow.Configuration(host=server.url, access_token=token(server.url))
    with airflow.ApiClient(config) as client:
        yield client


def wait_for(runs: dag_run_api.DagRunApi, dag_id: str, run_id: str, states: set[str]) -> airflow.DAGRunResponse:
    deadline = time.monotonic() + 10
    while True:
        run = runs.get_dag_run(dag_id, run_id)
        if run.state.value in states or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


def test_sample_dags_are_listed_with_paging_and_tags(api: airflow.ApiClient) -> None:
    dags = dag_api.DAGApi(api)
    everything = dags.get_dags()
    assert everything.total_entries == 4
    assert [d.dag_id for d in everything.dags] == sorted(d.dag_id for d in everything.dags)
    first = dags.get_dags(limit=2, offset=0)
    second = dags.get_dags(limit=2, offset=2)
    assert len(first.dags) == len(second.dags) == 2
    assert {d.dag_id for d in first.dags}.isdisjoint(d.dag_id for d in second.dags)
    daily = dags.get_dags(tags=["daily"])
    assert {d.dag_id for d in daily.dags} == {"example_etl", "example_report"}
    paused = dags.patch_dag("example_report", airflow.DAGPatchBody(is_paused=True))
    assert paused.is_paused is True and dags.get_dag("example_report").is_paused is True
    assert {d.dag_id for d in dags.get_dags(paused=True).dags} == {"example_paused", "example_report"}
    etl = dags.get_dag("example_etl")
    assert [tag.name for tag in etl.tags] == ["etl", "daily"]
    assert etl.is_paused is False and dags.get_dag("example_paused").is_paused is True


def test_trigger_runs_to_success(api: airflow.ApiClient) -> None:
    runs = dag_run_api.DagRunApi(api)
    run = runs.trigger_dag_run("example_etl", airflow.TriggerDAGRunPostBody(conf={"day": "2026-01-01"}, note="hi"))
    assert run.state.value == "queued" and run.dag_id == "example_etl"
    assert run.dag_run_id.startswith("manual__") and run.conf == {"day": "2026-01-01"} and run.note == "hi"
    assert run.end_date is None and run.duration is None
    done = wait_for(runs, "example_etl", run.dag_run_id, {"success", "failed"})
    assert done.state.value == "success"
    assert done.start_date is not None and done.end_date is not None and done.end_date >= done.start_date
    assert done.duration is not None and done.duration > 0


def test_failure_scenario(api: airflow.ApiClient, server: RunningServer) -> None:
    server.load(FAILING)
    runs = dag_run_api.DagRunApi(api)
    failing = runs.trigger_dag_run("example_etl", airflow.TriggerDAGRunPostBody(dag_run_id="nightly-1"))
    other = runs.trigger_dag_run("example_report", airflow.TriggerDAGRunPostBody())
    assert failing.dag_run_id == "nightly-1"
    assert wait_for(runs, "example_etl", "nightly-1", {"success", "failed"}).state.value == "failed"
    assert wait_for(runs, "example_report", other.dag_run_id, {"success", "failed"}).state.value == "success"
    failed = runs.get_dag_runs("~", state=["failed"])
    assert "nightly-1" in {r.dag_run_id for r in failed.dag_runs}
    assert all(r.state.value == "failed" for r in failed.dag_runs)


def test_set_state_is_airflows_cancel(api: airflow.ApiClient, server: RunningServer) -> None:
    server.load(FAILING.replace("- {state: running, for: 0.2s}", "- {state: running, for: 1h}"))
    runs = dag_run_api.DagRunApi(api)
    run = runs.trigger_dag_run("example_etl", airflow.TriggerDAGRunPostBody())
    wait_for(runs, "example_etl", run.dag_run_id, {"running"})
    changed = runs.patch_dag_run("example_etl", run.dag_run_id, airflow.DAGRunPatchBody(state="failed", note="stop"))
    assert changed.state.value == "failed" and changed.note == "stop" and changed.end_date is not None
    # The client's own model refuses state=running before sending it; the server refuses it too, as Airflow does.
    refused = httpx.patch(
        f"{server.url}/api/v2/dags/example_etl/dagRuns/{run.dag_run_id}",
        json={"state": "running"},
        headers={"Authorization": f"Bearer {token(server.url)}"},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][0] == "body"


def test_list_runs_pages_with_offset_and_cursor(api: airflow.ApiClient) -> None:
    runs = dag_run_api.DagRunApi(api)
    made = [runs.trigger_dag_run("example_report", airflow.TriggerDAGRunPostBody(dag_run_id=f"r{i}")) for i in range(5)]
    assert [r.dag_run_id for r in made] == ["r0", "r1", "r2", "r3", "r4"]
    page1 = runs.get_dag_runs("example_report", limit=2, offset=0)
    page2 = runs.get_dag_runs("example_report", limit=2, offset=2)
    assert page1.total_entries == 5
    assert [r.dag_run_id for r in page1.dag_runs + page2.dag_runs] == ["r0", "r1", "r2", "r3"]
    newest = runs.get_dag_runs("example_report", order_by=["-id"], limit=1)
    assert newest.dag_runs[0].dag_run_id == "r4"
    seen, cursor = [], ""
    while cursor is not None:
        page = runs.get_dag_runs("example_report", limit=2, cursor=cursor)
        seen += [r.dag_run_id for r in page.dag_runs]
        cursor = page.next_cursor
    assert seen == ["r0", "r1", "r2", "r3", "r4"]


def test_unknown_ids_and_delete(api: airflow.ApiClient) -> None:
    dags, runs = dag_api.DAGApi(api), dag_run_api.DagRunApi(api)
    with pytest.raises(NotFoundException) as missing_dag:
        dags.get_dag("no_such_dag")
    assert missing_dag.value.status == 404
    assert "no_such_dag" in missing_dag.value.body and '"detail"' in missing_dag.value.body
    with pytest.raises(NotFoundException):
        runs.trigger_dag_run("no_such_dag", airflow.TriggerDAGRunPostBody())
    run = runs.trigger_dag_run("example_etl", airflow.TriggerDAGRunPostBody(dag_run_id="to-delete"))
    with pytest.raises(airflow.ApiException) as taken:
        runs.trigger_dag_run("example_etl", airflow.TriggerDAGRunPostBody(dag_run_id="to-delete"))
    assert taken.value.status == 409
    runs.delete_dag_run("example_etl", run.dag_run_id)
    with pytest.raises(NotFoundException) as gone:
        runs.get_dag_run("example_etl", run.dag_run_id)
    assert "to-delete" in gone.value.body


def test_credentials_are_required(server: RunningServer) -> None:
    with (
        airflow.ApiClient(airflow.Configuration(host=server.url)) as anonymous,
        pytest.raises(UnauthorizedException) as refused,
    ):
        dag_api.DAGApi(anonymous).get_dags()
    assert refused.value.status == 401 and '"Not authenticated"' in refused.value.body


def test_credentials_are_checked_before_the_request_is_read(server: RunningServer) -> None:
    # as Airflow's FastAPI dependencies do: no token, no word about the body
    reply = httpx.post(f"{server.url}/api/v2/dags/example_etl/dagRuns", json={"conf": "not an object"})
    assert reply.status_code == 401 and reply.json() == {"detail": "Not authenticated"}
    assert reply.headers["www-authenticate"] == "Bearer"


def test_the_token_endpoint_is_public_even_with_auth_tokens() -> None:
    with running_server(auth_tokens=frozenset({"only-this"})) as narrowed:
        assert httpx.post(f"{narrowed.url}/auth/token", json={}).status_code == 201
        assert httpx.get(f"{narrowed.url}/api/v2/dags", headers={"Authorization": "Bearer other"}).status_code == 401
        ok = httpx.get(f"{narrowed.url}/api/v2/dags", headers={"Authorization": "Bearer only-this"})
        assert ok.status_code == 200
