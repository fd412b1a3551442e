"""Property-based runs of every served API document against a real server: no 5xx, every answer conforms, data the
document calls valid is accepted and data it calls invalid is refused.

`negative_data_rejection` is strict except for bodies the vendor's own JSON parser reads into valid ones (protobuf JSON
for Databricks, Jackson for the Spring services: docs/decisions.md "The vendor's parser"), which the vendor accepts.
`positive_data_acceptance` is strict except for the 400s below: refusals the vendors document for requests whose
shape is valid (an id that does not exist, a paging token the server never issued, a rule across fields or a state
the schema cannot express). Each is a decision in docs/decisions.md; any other 400 for schema-valid data fails.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure

from simulator.contract.operation import Operation, RequestProblem
from simulator.declared.vendor import discover_declared
from simulator.server.app import create_app
from simulator.server.resources import optional_bundled_dir
from simulator.vendors import discover
from tests.support import RunningServer, running_server

DOCUMENTS = sorted(
    Path(f).stem
    for vendor in [*discover(), *discover_declared(optional_bundled_dir("apis"))]
    for f in vendor.spec_files
)
TOKEN = "fuzz-token"

# Schema-valid requests the vendors refuse with 400 all the same, by error message (the module docstring, and the
# `positive_data_acceptance` lines of docs/decisions.md): unknown ids, tokens the server never issued, rules
# across fields or tasks, refusals that depend on a run's state, and data a session declares.
_DATABRICKS_ID = r"^(Job|Run) -?\d+ does not exist\.$"  # 400, not 404, as the service answers
_TOKEN = (  # an opaque paging token or cursor jobsim did not hand out
    r"^Invalid value for parameter '(page_token|cursor|startAfter)': .* "
    r"(is not a (token|cursor) this server issued|was not issued by this server)\.$"
)
DOCUMENTED_400 = {
    "databricks-jobs": [
        _DATABRICKS_ID,
        _TOKEN,
        r"^Run \d+ is a task run of job run \d+; use the job run id\.$",
        # rules across fields and across tasks (docs/decisions/databricks.md)
        r"^active_only and completed_only cannot both be true\.$",
        r"^Only one of (schedule and continuous|rerun_tasks or rerun_all_failed_tasks) can be set\.$",
        r"^Either job_id or all_queued_runs must be given\.$",
        r"^jar_params cannot be specified in conjunction with notebook_params\.$",
        r"^(Task|Job cluster|Environment) key .* is used by more than one (task|job cluster|environment); "
        r"(task|job cluster|environment) keys must be unique\.$",
        r"^Exactly one of run_as\.user_name, run_as\.service_principal_name or run_as\.group_name must be set\.$",
        r"^git_(branch|tag) cannot be specified in conjunction with git_(tag|commit)( or git_commit)?\.$",
        r"^Task .* depends on .*, which is not a task of this job\.$",
        r"^The task dependencies form a cycle through .*\.$",
        r"^A job can have at most 100 tasks\.$",
        # jobs/update: the merged settings break the endpoint's own limit (100 tasks in 2.0/2.1, 1,000 in 2.2)
        r"^Invalid value for field 'new_settings\.(tasks|job_clusters)': .* has more than \d+ items$",
        r"^Task\(s\) .* (given in 'only' are not tasks of this job|are not part of run \d+)\.$",
        r"^rerun_tasks cannot contain duplicate task keys\.$",
        r"^The JSON representation of \w+ cannot exceed \d+ bytes\.$",
        r"^\w+ accepts only Latin characters \(ASCII character set\)\.$",
        # refusals that depend on the run's state
        r"^Run \d+ is active \(\w+\) and cannot be deleted; cancel it first\.$",
        r"^Run \d+ is still in progress \(\w+\); only a run that is not in progress can be repaired\.$",
        r"^latest_repair_id must be \d+, the id of the latest repair of run \d+\.$",
        r"^Run \d+ has no repair \d+; omit latest_repair_id on the first repair\.$",
        r"^Nothing to repair: ",
        r"^Retrieving the output of runs with multiple tasks is not supported\.",
        r"^The run created with idempotency_token .* was deleted; use a new token\.$",
    ],
}
DOCUMENTED_400["databricks-jobs-2.0"] = DOCUMENTED_400["databricks-jobs"]  # the same jobs, runs and rules
DOCUMENTED_400 |= {
    "collibra-dq": [
        r"^Job run \S+ already ended with status [A-Z]+\.$",  # cancel of a finished run: jobRunNotCancellable
        r"^runDateEnd \(.*\) must be later than runDate \(.*\)\.$",
        r"^backrun\.binValue must be at most 1000 in jobsim \(got \d+\)\.$",  # docs/decisions/collibra.md
        r"^Invalid value for field 'backrun\.binValue': .* reach before the year 1\.$",
    ],
    "collibra-dgc": [r"^Job \S+ cannot be canceled: "],  # jobNotCancelable: ended, or submitted as not cancelable
    "collibra-jobs-v1": [_TOKEN, r"^Job \S+ cannot be canceled: "],
    "cdq-jobs": [
        _TOKEN,
        r"^Invalid value for field 'type': unknown job type .*",  # types are declared by the session's scenarios
        r"^Invalid value for field 'jobDependencies\[\d+\]\.jobId': job .* not found\.$",
        r"^Required parameter '(storageId|jobType)' is missing: dependentJobId requires storageId and jobType\.$",
    ],
}


def _error_message(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    return str(body.get("message") or body.get("userMessage") or "")


def positive_data_acceptance_but_documented_refusals(ctx: Any, response: Any, case: schemathesis.Case) -> Any:
    """positive_data_acceptance, except a 400 whose message is a documented refusal of this document."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        stem = case.operation.schema.raw_schema.get("x-jobsim-document", "")
        try:
            message = _error_message(response.json())
        except ValueError:
            message = ""
        if response.status_code == 400 and any(re.search(p, message) for p in DOCUMENTED_400.get(stem, ())):
            return None
        raise


_RUNTIME = create_app(load_defaults=False).runtime
_OPERATIONS: dict[tuple[str, str], Operation] = {}
for _document in _RUNTIME.documents:
    for _op in _document.operations:  # the first server's operation, the one the fuzzer calls
        _OPERATIONS.setdefault((_document.path.stem, _op.operation_id), _op)


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _the_vendors_parser_accepts(case: schemathesis.Case) -> bool:
    """True when the request breaks the document only in ways the API's own JSON parser reads past (protobuf JSON:
    "600" for an integer, null as absent; Jackson: "5", a number for a string, unknown members dropped; see
    docs/decisions.md "The vendor's parser"): its body is invalid as sent, valid once parsed the vendor's way, and its
    path and query honour the document."""
    stem = case.operation.schema.raw_schema.get("x-jobsim-document", "")
    op = _OPERATIONS.get((stem, str(case.operation.definition.raw.get("operationId"))))
    if op is None or op.body_schema is None or not isinstance(case.body, dict | list):
        return False
    body = copy.deepcopy(case.body)
    if op.body_schema.is_valid(body) or not op.rules.lenient:
        return False
    if not op.prepare_body(body)[1]:
        return False
    path = {name: _query_text(value) for name, value in (case.path_parameters or {}).items()}
    if op.path_params and isinstance(op.read_path(path), RequestProblem):
        return False
    pairs = [
        (name, _query_text(item))
        for name, value in (case.query or {}).items()
        for item in (value if isinstance(value, list) else [value])
        if item is not None
    ]
    return not isinstance(op.read_query(pairs), RequestProblem)


def negative_data_rejection_but_the_vendors_parser(ctx: Any, response: Any, case: schemathesis.Case) -> Any:
    """negative_data_rejection, except a body the vendor's own parser reads into a valid one (it is accepted)."""
    try:
        return negative_data_rejection(ctx, response, case)
    except Failure:
        if response.status_code < 400 and _the_vendors_parser_accepts(case):
            return None
        raise


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection_but_the_vendors_parser,
    positive_data_acceptance_but_documented_refusals,
]


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[RunningServer]:
    # speed 50: DQOps start-job POSTs wait for the job to end by default; fuzzing need not wait 1.5 s each.
    # A bearer token is required, so a request without credentials is refused as the documents' security says.
    # DQOps' change feed long-polls 20 s for a sequence number with no change after it; fuzzing need not wait.
    with running_server(
        seed=3, speed=50, auth_tokens=frozenset({TOKEN}), vendor_options={"dqops": {"changes_wait_seconds": 0.05}}
    ) as running:
        yield running


def _schema(server: RunningServer, stem: str, phases: list[str]) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{server.url}/_sim/specs/{stem}.yaml")
    schema.raw_schema["x-jobsim-document"] = stem
    schema.config.update(
        base_url=server.url + _first_server(schema.raw_schema), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    schema.config.phases.update(phases=phases)
    return schema


def _first_server(raw: dict) -> str:
    servers = raw.get("servers") or [{"url": "/"}]
    return str(servers[0]["url"]).rstrip("/")


# The bounded phases: the documents' own examples and 25 generated cases per operation.
@pytest.fixture(scope="module", params=DOCUMENTS)
def api_schema(request: pytest.FixtureRequest, fuzz_server: RunningServer) -> schemathesis.BaseSchema:
    return _schema(fuzz_server, request.param, ["examples", "fuzzing"])


# The coverage phase: every boundary and every near-miss value the schemas define (no max_examples applies; the large
# Databricks job settings alone give thousands of cases), so it is a test of its own with a time guard that fits it.
@pytest.fixture(scope="module", params=DOCUMENTS)
def boundary_schema(request: pytest.FixtureRequest, fuzz_server: RunningServer) -> schemathesis.BaseSchema:
    return _schema(fuzz_server, request.param, ["coverage"])


_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
schema = schemathesis.pytest.from_fixture("api_schema")
boundaries = schemathesis.pytest.from_fixture("boundary_schema")


@pytest.mark.slow  # a fuzz phase: CI runs it in the slow step
@schema.parametrize()
@_SETTINGS
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@boundaries.parametrize()
@_SETTINGS
def test_every_boundary_case_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
