"""The format's general features that re-expressing a coded API needed, each on a small API written by the test:
carried step values and computed run values, cancel steps read at the cancel, `skip`, guard codes and hints,
scenario users, flat sample data that appears later, keyset cursors, nulls-last orders, deprecation hints, error
headers, and the template transforms they use."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from simulator.declared.loader import ApiDeclarationError, parse_declaration
from simulator.declared.template import compile_template
from tests.support import RunningServer, running_server

DOCUMENT = """\
openapi: 3.0.3
info: {title: Tasks, version: "1"}
servers: [{url: /t}]
paths:
  /tasks:
    get:
      operationId: listTasks
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
        - {name: size, in: query, schema: {type: integer, minimum: 1}}
        - {name: order, in: query, schema: {type: string, enum: [name, started]}}
        - {name: name, in: query, schema: {type: string}}
        - {name: mode, in: query, schema: {type: string, enum: [START, EXACT]}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
  /tasks/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getTask
      deprecated: true
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
    delete:
      operationId: stopTask
      responses:
        "204": {description: stopped}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
"""

DECLARATION = """\
jobsim: 1
name: tasks
timestamps: epoch_s
auth:
  help: Log in first.
  users: {default: root, admin: root}
resources:
  task:
    id: {style: uuid}
    not_found_code: noSuchTask
    fields: {owner: root, owner_id: {$uuid5: $fields.owner}, stoppable: true, stopped: false}
    lifecycle:
      states: [QUEUED, BUSY, STOPPING, DONE, STOPPED]
      initial: [QUEUED, BUSY]
      terminal: [DONE, STOPPED]
      moves: {QUEUED: [BUSY, STOPPED], BUSY: [BUSY, STOPPING, DONE], STOPPING: [STOPPED]}
      phases: {QUEUED: queued, BUSY: running, STOPPING: running, DONE/OK: success, STOPPED: cancelled}
      shown: {$map: $state, values: {DONE: DONE/OK}, default: $state}
      plan:
        - {state: QUEUED, for: 1s}
        - {state: BUSY, for: 10s, attrs: {level: 40}}
        - {state: BUSY, for: 10s}
        - {state: DONE}
      carry:
        level:
          step:
            $map: "${state}/${timed}"
            values: {BUSY/true: {$default: $attrs.level, else: 100}}
            default: $carried.level
      values:
        level:
          $lerp: {$default: $step.fraction, else: 1}
          from: $attrs.carried.level.from
          to: $attrs.carried.level.to
          round: 1
        kept: {level: {from: $values.level, to: $values.level}}
      cancel_from:
        QUEUED: [{state: STOPPED}]
        BUSY:
          - {state: STOPPING, for: {$default: $attrs.stop_after, else: 2s}, attrs: {carried: $values.kept}}
          - {state: STOPPED, attrs: {carried: $values.kept}}
        STOPPING: []
data:
  tasks:
    resource: task
    item: {type: object, required: [name], properties: {name: {type: string}, owner: {type: string}}}
    fields: {name: $item.name, owner: $item.owner}
operations:
  listTasks:
    action: list
    resource: task
    filter:
      - field: fields.name
        value: $request.query.name
        op: {$map: $request.query.mode, values: {EXACT: eq}, default: iprefix}
    order:
      by: [{$default: $request.query.order, else: name}, id]
      nulls: last
      keys: {name: fields.name, started: time.started, id: id}
    paging:
      style: keyset
      token: $request.query.cursor
      limit: $request.query.size
      default_limit: 2
      unbound: [cursor, size]
      invalid: "bad cursor ${token}"
      other_query: "cursor ${token} of another listing"
    body:
      tasks: $items
      next?: $next_token
  getTask:
    action: get
    resource: task
    id: $request.path.id
  stopTask:
    action: cancel
    resource: task
    id: $request.path.id
    require:
      - {test: {$any: [$caller.admin, {$eq: [$caller.id, $fields.owner_id]}]}, kind: forbidden, message: "not yours"}
      - {test: $fields.stoppable, kind: invalid, code: notStoppable, help: Only stoppable tasks stop., message: "no"}
    skip: $fields.stopped
    input: {stopped: true, stopped_by: $caller.name}
    status: 204
render:
  task:
    id: $id
    name: $fields.name
    state: $state
    level: $values.level
    floor: {$floor: $values.level}
    by?: $fields.stopped_by
deprecated:
  headers:
    Link:
      $map: {$is: $id, in: [None]}
      values: {"true": "<${request.base_path}/t/tasks>"}
      default: "<${request.base_path}/t/tasks/${id}>"
errors:
  unauthorized:
    headers: {WWW-Authenticate: Basic realm="tasks"}
    body: {error: $error.message, hint?: $error.help}
  default: {body: {error: $error.message, code?: $error.code, hint?: $error.help}}
"""

SCENARIO = """\
jobsim: 1
name: sample
api: tasks
plans:
  - {name: slow-stop, named_only: true, steps: [{state: BUSY, for: 100s, attrs: {stop_after: never}}]}
data:
  tasks:
    - {id: 00000000-0000-4000-8000-000000000001, name: alpha, owner: ann}
    - {id: 00000000-0000-4000-8000-000000000002, name: beta, owner: bob, appears_after: 30s}
    - {id: 00000000-0000-4000-8000-000000000003, name: Gamma, owner: bob, plan: slow-stop}
    - {id: 00000000-0000-4000-8000-000000000004, name: delta, owner: ann}
"""
A, B, C, D = (f"00000000-0000-4000-8000-00000000000{n}" for n in range(1, 5))


def basic(user: str, password: str = "x") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def tasks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder: Path = tmp_path_factory.mktemp("tasks")
    (folder / "openapi.yaml").write_text(DOCUMENT)
    (folder / "api.yaml").write_text(DECLARATION)
    with running_server(api_folders=(folder,), clock_mode="virtual", seed=3) as server:
        yield server


@pytest.fixture
def http(tasks: RunningServer) -> Iterator[httpx.Client]:
    tasks.reset()
    tasks.load(SCENARIO)
    with tasks.client(headers=basic("root")) as client:
        yield client


def test_a_value_carried_across_steps_and_kept_by_a_cancel(tasks: RunningServer, http: httpx.Client) -> None:
    tasks.advance(6)  # 5 s into the first BUSY step: 0 -> 40
    assert http.get(f"/t/tasks/{A}").json()["level"] == 20
    tasks.advance(10)  # 5 s into the second: 40 -> 100
    task = http.get(f"/t/tasks/{A}").json()
    assert (task["level"], task["floor"]) == (70, 70)
    assert http.delete(f"/t/tasks/{A}").status_code == 204
    stopping = http.get(f"/t/tasks/{A}").json()
    assert (stopping["state"], stopping["level"], stopping["by"]) == ("STOPPING", 70, "root")
    tasks.advance(2)  # the cancel step's default `for`
    assert http.get(f"/t/tasks/{A}").json()["state"] == "STOPPED"


def test_a_cancel_step_reads_the_running_step_and_an_empty_path_changes_nothing(
    tasks: RunningServer, http: httpx.Client
) -> None:
    assert http.delete(f"/t/tasks/{C}").status_code == 204  # its step says stop_after: never
    tasks.advance(3600)
    assert http.get(f"/t/tasks/{C}").json()["state"] == "STOPPING"


def test_guards_skip_and_scenario_users(http: httpx.Client) -> None:
    refused = http.delete(f"/t/tasks/{D}", headers=basic("bob"))
    assert refused.status_code == 403 and refused.json() == {"error": "not yours"}
    assert http.delete(f"/t/tasks/{D}", headers=basic("ann")).status_code == 204
    assert http.get(f"/t/tasks/{D}").json()["by"] == "ann"
    assert http.delete(f"/t/tasks/{D}").status_code == 204  # skipped: stopped already, stopped_by kept
    assert http.get(f"/t/tasks/{D}").json()["by"] == "ann"


def test_declared_users_turn_credentials_on(tasks: RunningServer, http: httpx.Client) -> None:
    tasks.load("jobsim: 1\nname: users\napi: tasks\ndata:\n  users:\n    - {name: ann, password: pw}\n")
    missing = http.get(f"/t/tasks/{A}", headers={"Authorization": ""})
    assert missing.status_code == 401 and missing.json()["hint"] == "Log in first."
    assert missing.headers["www-authenticate"] == 'Basic realm="tasks"'
    assert http.get(f"/t/tasks/{A}", headers=basic("ann", "wrong")).status_code == 401
    assert http.get(f"/t/tasks/{A}", headers=basic("ann", "pw")).status_code == 200


def test_an_item_that_appears_later_and_a_vendor_code(tasks: RunningServer, http: httpx.Client) -> None:
    missing = http.get(f"/t/tasks/{B}")
    assert missing.status_code == 404 and missing.json()["code"] == "noSuchTask"
    tasks.advance(30)
    assert http.get(f"/t/tasks/{B}").json()["name"] == "beta"


def test_keyset_cursor_ops_from_the_request_and_nulls_last(tasks: RunningServer, http: httpx.Client) -> None:
    first = http.get("/t/tasks").json()
    assert [t["name"] for t in first["tasks"]] == ["Gamma", "alpha"]
    rest = http.get("/t/tasks", params={"cursor": first["next"]}).json()
    assert [t["name"] for t in rest["tasks"]] == ["delta"] and "next" not in rest
    other = http.get("/t/tasks", params={"cursor": first["next"], "order": "started"})
    assert other.status_code == 400 and other.json()["error"] == f"cursor {first['next']} of another listing"
    assert http.get("/t/tasks", params={"cursor": "made-up"}).json()["error"] == "bad cursor made-up"
    assert [t["name"] for t in http.get("/t/tasks", params={"name": "GAM"}).json()["tasks"]] == ["Gamma"]
    assert http.get("/t/tasks", params={"name": "GAM", "mode": "EXACT"}).json()["tasks"] == []
    tasks.advance(0.5)
    http.delete(f"/t/tasks/{A}")  # stopped while QUEUED: never started
    tasks.advance(2)
    names = [t["name"] for t in http.get("/t/tasks", params={"order": "started", "size": 9}).json()["tasks"]]
    assert names[-1] == "alpha"  # no start time: last


def test_deprecated_operations_carry_their_hints_errors_too(http: httpx.Client) -> None:
    assert http.get(f"/t/tasks/{A}").headers["link"] == f"</t/tasks/{A}>"
    assert http.get(f"/t/tasks/{B}").headers["link"] == "</t/tasks>"  # not found: the collection
    assert "link" not in http.get("/t/tasks").headers


def test_dashboard_state_and_phase_of_a_state_with_its_result(tasks: RunningServer, http: httpx.Client) -> None:
    tasks.advance(60)
    runtime = tasks.app.runtime
    session = runtime.sessions.get("default")
    views = {v.id: v for v in runtime.vendors["tasks"].run_views(session.states["tasks"], session)}
    assert (views[A].state, views[A].phase) == ("DONE/OK", "success")
    assert views[A].history[-1][0] == "DONE/OK"
    assert [state for state, _ in views[A].history].count("BUSY") == 1  # two BUSY steps: one segment


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ({"$eq": ["$a", "1"]}, {"a": 1}, True),
        ({"$any": [False, "$a"]}, {"a": "x"}, True),
        ({"$all": [True, "$a"]}, {"a": "false"}, False),
        ({"$not": "$a"}, {}, True),
        ({"$min": ["$a", 3]}, {"a": 7}, 3),
        ({"$floor": "$a"}, {"a": 99.9}, 99),
        ({"$lower": "$a"}, {"a": "ABC"}, "abc"),
        ({"$uuid5": "$a"}, {"a": "00000000-0000-4000-8000-0000000000AB"}, "00000000-0000-4000-8000-0000000000ab"),
    ],
)
def test_template_transforms(template: object, context: dict, expected: object) -> None:
    assert compile_template(template, "iso")(context) == expected


def test_check_names_the_line_of_a_bad_extension(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(DOCUMENT)
    broken = DECLARATION.replace("        STOPPING: []", "        NOWHERE: []")
    with pytest.raises(ApiDeclarationError) as caught:
        parse_declaration(broken, "api.yaml", tmp_path)
    assert "unknown state 'NOWHERE'" in str(caught.value) and str(caught.value).startswith("api.yaml:")
    bad_op = DECLARATION.replace("style: keyset", "style: sideways")
    with pytest.raises(ApiDeclarationError, match=r"api\.yaml:\d+: operations\.listTasks\.paging\.style"):
        parse_declaration(bad_op, "api.yaml", tmp_path)


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        ("{state: COMPLETED, result: FAILURE}", "COMPLETED step has result"),
        ("{state: RUNNING, result: SUCCESS}", "RUNNING step carries no result"),
        ("{state: RUNNING, attrs: {progress: 150}}", "attrs.progress"),
        ("{state: RUNNING, attrs: {cancel_after: soon}}", "attrs.cancel_after"),
    ],
)
def test_declared_results_and_attrs_check_scenario_steps(step: str, reason: str) -> None:
    from simulator.engine.scenario import ScenarioError
    from simulator.server.app import create_app

    text = f"jobsim: 1\nname: bad\napi: collibra-dgc\nplans:\n  - name: p\n    steps:\n      - {step}\n"
    with pytest.raises(ScenarioError, match=reason):
        create_app(load_defaults=False, apis=("collibra-dgc",)).runtime.parse(text, "bad.yaml")
