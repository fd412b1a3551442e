"""Each action and template feature of the declared format, on a small API written by the test, on a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import RunningServer, running_server

DOCUMENT = """\
openapi: 3.0.3
info: {title: Widgets, version: "1"}
servers: [{url: /w}]
paths:
  /jobs:
    post:
      operationId: createJob
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}, tags: {type: array, items: {type: string}}}}
      responses: {"201": {description: ok, content: {application/json: {schema: {type: object}}}}}
    get:
      operationId: listJobs
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1}}
        - {name: min_id, in: query, schema: {type: integer}}
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
  /jobs/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get:
      operationId: getJob
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
    patch:
      operationId: renameJob
      requestBody:
        content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
    delete:
      operationId: deleteJob
      responses:
        "204": {description: gone}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
  /jobs/{id}/runs:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    post:
      operationId: runJob
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
  /runs/{run}:
    parameters: [{name: run, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getRun
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
    put:
      operationId: setRun
      requestBody:
        content: {application/json: {schema: {type: object, properties: {to: {type: string}}}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
  /runs/{run}/cancel:
    parameters: [{name: run, in: path, required: true, schema: {type: string}}]
    post:
      operationId: cancelRun
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
  /version:
    get:
      operationId: version
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
"""

LEGACY = """\
openapi: 3.0.3
info: {title: Widgets v0, version: "0"}
servers: [{url: /v0}]
paths:
  /runs/{run}:
    get:
      operationId: getRunV0
      parameters: [{name: run, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
"""

DECLARATION = """\
jobsim: 1
name: widgets
document: [openapi.yaml, legacy.yaml]
timestamps: iso
resources:
  job:
    id: {style: sequence, start: 10}
    fields: {name: "job ${id}", tags: []}
  run:
    parent: {resource: job, field: job_id}
    id: {style: uuid}
    lifecycle:
      states: [WAIT, WORK, OK, BAD]
      terminal: [OK, BAD]
      phases: {WAIT: queued, WORK: running, OK: success, BAD: failure}
      plan:
        - {state: WAIT, reads: 2}
        - {state: WORK, for: 10s}
        - {state: OK}
      cancel: [{state: WORK, for: 5s}, {state: BAD, message: cancelled}]
      cancel_from: {WAIT: [{state: BAD, message: cancelled before it started}]}
operations:
  createJob: {action: create, resource: job, status: 201, input: {name: $request.body.name, tags: $request.body.tags}}
  getJob: {action: get, resource: job, id: $request.path.id}
  renameJob: {action: update, resource: job, id: $request.path.id, input: {name: $request.body.name}}
  deleteJob: {action: delete, resource: job, id: $request.path.id}
  listJobs:
    action: list
    resource: job
    filter: [{field: id, value: $request.query.min_id, op: gte}]
    order: {default: id, keys: {id: id}}
    paging: {style: page, page: $request.query.page, limit: $request.query.per_page, default_limit: 2}
    body: {jobs: $items, page: $page, more: $has_more, total: $total}
  runJob: {action: trigger, resource: run, parent: $request.path.id}
  getRun: {action: get, resource: run, id: $request.path.run}
  setRun:
    action: set-state
    resource: run
    id: $request.path.run
    state: $request.body.to
    settable: [WAIT, BAD]
    require: [{test: {$is: $state, in: [WAIT, WORK, OK]}, kind: conflict, message: "run ${id} is ${state}"}]
  cancelRun: {action: cancel, resource: run, id: $request.path.run}
  getRunV0: {action: get, resource: run, id: $request.path.run, view: run_v0}
  version: {action: respond, body: {version: "$$1.0", now: $time.now}}
render:
  job:
    id: $id
    name: $fields.name
    tags: {$each: $fields.tags, as: t, do: {label: $t}}
    tag_count: {$count: $fields.tags}
    nickname: {$default: $fields.nickname, else: "${fields.name}!"}
  run:
    id: $id
    job: $parent.name
    state: $state
    done: {$is: $phase, in: [success, failure]}
    moves: {$count: $history}
    started?: $time.started
    progress: {$map: $state, values: {WORK: {$lerp: $step.fraction, from: 0, to: 100}, OK: 100}, default: 0}
    message?: $message
  run_v0:
    run_id: $id
    status: {$map: $state, values: {WAIT: PENDING, WORK: PENDING, OK: DONE, BAD: DONE}}
errors:
  not_found: {body: {oops: $error.message, kind: $error.kind}}
  default: {body: {oops: $error.message}}
"""


@pytest.fixture(scope="module")
def widgets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder: Path = tmp_path_factory.mktemp("widgets")
    (folder / "openapi.yaml").write_text(DOCUMENT)
    (folder / "api.yaml").write_text(DECLARATION)
    (folder / "legacy.yaml").write_text(LEGACY)
    with running_server(api_folders=(folder,), clock_mode="virtual", seed=5) as server:
        yield server


@pytest.fixture
def http(widgets: RunningServer) -> Iterator[httpx.Client]:
    widgets.reset()
    with widgets.client() as client:
        yield client


def test_create_get_update_delete(http: httpx.Client) -> None:
    made = http.post("/w/jobs", json={"tags": ["a", "b"]})
    assert made.status_code == 201
    job = made.json()
    assert job == {
        "id": 10,
        "name": "job 10",
        "tags": [{"label": "a"}, {"label": "b"}],
        "tag_count": 2,
        "nickname": "job 10!",
    }
    renamed = http.patch("/w/jobs/10", json={"name": "nightly"}).json()
    assert renamed["name"] == "nightly" and http.get("/w/jobs/10").json()["name"] == "nightly"
    gone = http.delete("/w/jobs/10")
    assert gone.status_code == 204 and gone.content == b""
    missing = http.get("/w/jobs/10")
    assert missing.status_code == 404 and missing.json() == {"oops": "job 10 not found", "kind": "not_found"}


def test_page_paging_and_a_gte_filter(http: httpx.Client) -> None:
    for name in "abcde":
        http.post("/w/jobs", json={"name": name})
    first = http.get("/w/jobs").json()
    assert [j["name"] for j in first["jobs"]] == ["a", "b"] and first["more"] is True and first["total"] == 5
    last = http.get("/w/jobs", params={"page": 3}).json()
    assert [j["name"] for j in last["jobs"]] == ["e"] and last["more"] is False and last["page"] == 3
    assert [j["id"] for j in http.get("/w/jobs", params={"min_id": 13, "per_page": 10}).json()["jobs"]] == [13, 14]


def test_a_run_waits_for_reads_then_time_and_set_state_restarts_the_plan(
    widgets: RunningServer, http: httpx.Client
) -> None:
    http.post("/w/jobs", json={"name": "j"})
    run = http.post("/w/jobs/10/runs").json()
    assert run["state"] == "WAIT" and run["job"] == "j" and "started" not in run
    states = [http.get(f"/w/runs/{run['id']}").json()["state"] for _ in range(3)]
    assert states == ["WAIT", "WAIT", "WORK"]  # two reads held it, the third moved it on
    widgets.advance(10)
    done = http.get(f"/w/runs/{run['id']}").json()
    assert done["state"] == "OK" and done["done"] is True and done["moves"] == 3 and done["started"].endswith("Z")
    again = http.put(f"/w/runs/{run['id']}", json={"to": "WAIT"}).json()
    assert again["state"] == "WAIT" and again["done"] is False  # back to the plan's WAIT step, reads and all
    refused = http.put(f"/w/runs/{run['id']}", json={"to": "OK"})
    assert refused.status_code == 400 and "WAIT" in refused.json()["oops"]


def test_respond_escapes_and_uuids_are_seeded(widgets: RunningServer, http: httpx.Client) -> None:
    ids = []
    for _ in range(2):
        widgets.reset()
        assert http.get("/w/version").json()["version"] == "$1.0"
        http.post("/w/jobs", json={})
        ids.append(http.post("/w/jobs/10/runs").json()["id"])
    assert ids[0] == ids[1]  # with a seed, a session's uuids repeat from a reset
    assert http.post("/w/jobs/99/runs").json() == {"oops": "job 99 not found", "kind": "not_found"}


def test_progress_moves_with_the_clock_and_a_second_document_has_its_own_words(
    widgets: RunningServer, http: httpx.Client
) -> None:
    http.post("/w/jobs", json={})
    run = http.post("/w/jobs/10/runs").json()["id"]
    assert [http.get(f"/w/runs/{run}").json()["progress"] for _ in range(3)] == [0, 0, 0.0]  # WORK starts at 0
    widgets.advance(2.5)
    assert http.get(f"/w/runs/{run}").json()["progress"] == 25.0
    assert http.get(f"/v0/runs/{run}").json() == {"run_id": run, "status": "PENDING"}  # the same run, v0's words
    widgets.advance(10)
    assert http.get(f"/w/runs/{run}").json()["progress"] == 100
    assert http.get(f"/v0/runs/{run}").json()["status"] == "DONE"


def test_the_cancel_path_depends_on_the_state_and_guards_refuse(widgets: RunningServer, http: httpx.Client) -> None:
    http.post("/w/jobs", json={})
    waiting = http.post("/w/jobs/10/runs").json()["id"]
    early = http.post(f"/w/runs/{waiting}/cancel").json()
    assert (early["state"], early["message"]) == ("BAD", "cancelled before it started")
    working = http.post("/w/jobs/10/runs").json()["id"]
    for _ in range(3):
        http.get(f"/w/runs/{working}")
    late = http.post(f"/w/runs/{working}/cancel").json()
    assert late["state"] == "WORK"  # it winds down for 5 s first
    widgets.advance(5)
    assert http.get(f"/w/runs/{working}").json()["state"] == "BAD"
    refused = http.put(f"/w/runs/{working}", json={"to": "WAIT"})
    assert refused.status_code == 409 and refused.json() == {"oops": f"run {working} is BAD"}
