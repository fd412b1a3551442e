"""Hypothesis sends hostile bodies to every operation with a request body, in every served API document.

Bodies are random JSON of any type, objects mixing the operation's own fields (with values of wrong types, huge
numbers beyond int64, huge arrays, deep nesting) and unknown keys, non-UTF-8 bytes, cut-off JSON and deep nesting,
under JSON and non-JSON content types. Every request must be answered in time with a status below 500; a 4xx comes
in the API's error shape; and a body that breaks the operation's schema (checked here with the independent
`jsonschema` package, formats aside) must never be accepted.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.contract.operation import Operation, RequestProblem
from simulator.contract.schema import to_json_schema
from simulator.exchange import ApiError
from simulator.server.app import create_app
from simulator.server.dispatch import MAX_JSON_DEPTH
from simulator.vendors.base import Vendor
from tests.safety.vendor_errors import SHAPES
from tests.support import RunningServer, running_server

pytestmark = pytest.mark.slow  # property-based fuzzing of every body: CI runs it in the slow step

CONTROL_SESSION = "hostile-control"  # control calls (faults, clock, state) act on a session of their own
PATH_VALUES = ("1", "00000000-0000-4000-8000-000000000000", "customer_orders_dq", "databricks-jobs")
JSON_TYPES = ("application/json", "text/json", "application/x-www-form-urlencoded", None)
ID_DIGITS = "0123456789\u00b2\u0661\u0662"  # ASCII digits, a superscript two, Arabic-Indic one and two
BIG_INTS = (2**63, -(2**63) - 1, 2**64, 10**30, -(10**30), 2**31, -(2**31) - 1, 2**53 + 1)


def _operations() -> list[tuple[str, Operation]]:
    """One path per operation with a request body (Databricks serves each at 2.1 and 2.2; one is enough)."""
    runtime = create_app(load_defaults=False).runtime
    seen: set[tuple[str, str]] = set()
    out = []
    for document in runtime.documents:
        for op in document.operations:
            if (op.body_schema is None and not op.body_media_types) or (op.api, op.operation_id) in seen:
                continue
            seen.add((op.api, op.operation_id))
            out.append((document.path.stem, op))
    return out


OPERATIONS = _operations()
_RUNTIME = create_app(load_defaults=False).runtime
_DOCUMENTS = {doc.path.stem: doc for doc in _RUNTIME.documents}
_VENDORS: dict[str, Vendor] = {**_RUNTIME.vendors, _RUNTIME.control.name: _RUNTIME.control}


def _definitions(stem: str) -> dict[str, Any]:
    raw = _DOCUMENTS[stem].raw
    return {name: to_json_schema(schema) for name, schema in raw.get("components", {}).get("schemas", {}).items()}


def _properties(schema: dict[str, Any], definitions: dict[str, Any], seen: int = 0) -> set[str]:
    """Top-level property names of a body schema, through $ref and allOf/anyOf/oneOf."""
    if seen > 8 or not isinstance(schema, dict):
        return set()
    if "$ref" in schema:
        return _properties(definitions.get(schema["$ref"].rsplit("/", 1)[-1], {}), definitions, seen + 1)
    names = set(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            names |= _properties(part, definitions, seen + 1)
    return names


def _path_for(op: Operation) -> str:
    """The operation's path with a valid value in each parameter (all are read together, so try each in turn)."""
    path = op.path
    chosen: dict[str, str] = {}
    for param in op.path_params:
        for value in PATH_VALUES:
            problem = op.read_path({p.name: chosen.get(p.name, value) for p in op.path_params})
            if not isinstance(problem, RequestProblem) or problem.field != param.name or value == PATH_VALUES[-1]:
                break
        chosen[param.name] = value
        path = path.replace("{" + param.name + "}", value)
    return path


# --- hostile bodies ---------------------------------------------------------------------------------------------
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from(BIG_INTS)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


def nested(depth: int, leaf: Any, as_object: bool) -> Any:
    for _ in range(depth):
        leaf = {"a": leaf} if as_object else [leaf]
    return leaf


def hostile_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        values,
        st.sampled_from(BIG_INTS),
        st.integers(min_value=1000, max_value=20_000).map(lambda n: [0] * n),  # a huge array
        st.integers(min_value=1, max_value=4000).map(lambda n: "x" * n),
        st.text(alphabet=ID_DIGITS, min_size=1, max_size=25) | st.just("9" * 5000),  # ids sent as strings
        st.builds(nested, st.integers(min_value=30, max_value=200), values, st.booleans()),
    )


def json_bodies(fields: list[str]) -> st.SearchStrategy[Any]:
    keys = st.sampled_from(fields) | st.text(max_size=15) if fields else st.text(max_size=15)
    objects = st.dictionaries(keys, hostile_values(), max_size=6)
    return st.one_of(objects, objects, values, st.builds(nested, st.integers(1, 1500), values, st.booleans()))


def raw_bodies(fields: list[str]) -> st.SearchStrategy[bytes]:
    encoded = json_bodies(fields).map(lambda body: json.dumps(body).encode())
    return st.one_of(
        encoded,
        encoded,
        encoded,
        st.binary(max_size=300),  # non-UTF-8, NUL bytes, anything
        st.builds(lambda body, cut: body[: max(0, len(body) - cut)], encoded, st.integers(1, 50)),  # cut off
        st.text(alphabet=string.whitespace, min_size=1, max_size=5).map(str.encode),
    )


content_types = st.sampled_from(JSON_TYPES * 4 + ("text/plain", "application/xml", "application/yaml"))


# --- what the answer must be --------------------------------------------------------------------------------------
def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        level = [
            c
            for node in level
            if isinstance(node, dict | list)
            for c in (node.values() if isinstance(node, dict) else node)
        ]
        depth += 1
    return depth - 1


def breaks_the_schema(stem: str, op: Operation, raw: bytes, content_type: str | None) -> bool:
    """True when the request cannot be valid: not JSON where JSON is due, too deep, or against the schema."""
    media = (content_type or "").split(";")[0].strip().lower()
    if not raw:
        body: Any = {}  # no body at all, whatever the Content-Type says: an empty object
    elif op.body_media_types and media in op.body_media_types and "json" not in media:
        return False  # e.g. a scenario as YAML text: the handler reads it
    elif media and "json" not in media and media != "application/x-www-form-urlencoded":
        return True
    else:
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return True
    if _depth(body) > MAX_JSON_DEPTH:
        return True
    if op.body_schema is None:
        return False
    # The API's parser rules (protobuf JSON, Jackson) first, as the vendor's server reads the body; what they leave
    # invalid must still be refused.
    body, _ = op.prepare_body(body)
    try:
        _VENDORS[op.api].precheck_body(op, body)
    except ApiError as refusal:  # a vendor's pre-check of the body (Collibra DQ's run dates) refuses it itself
        return 400 <= refusal.status < 500
    schema = {**op.body_schema.source, "definitions": _definitions(stem)}
    return not jsonschema.Draft7Validator(schema).is_valid(body)


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[RunningServer]:
    # speed 50: DQOps and Collibra runs end quickly; `wait=false` below keeps DQOps start calls from waiting
    with running_server(seed=13, speed=50) as running:
        yield running


@pytest.fixture(scope="module")
def http(hostile_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile_server.url, timeout=10) as client:
        yield client


@pytest.mark.parametrize(("stem", "op"), OPERATIONS, ids=[f"{op.api}-{op.operation_id}" for _, op in OPERATIONS])
def test_hostile_bodies_get_a_4xx_in_the_vendor_shape(http: httpx.Client, stem: str, op: Operation) -> None:
    fields = sorted(_properties(op.body_schema.source, _definitions(stem))) if op.body_schema else []
    path = _path_for(op)
    params = {"wait": "false"} if any(p.name == "wait" for p in op.query_params) else {}
    session = {"X-Jobsim-Session": CONTROL_SESSION} if op.api == "jobsim" else {}

    @settings(
        max_examples=50,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(raw=raw_bodies(fields), content_type=content_types)
    def check(raw: bytes, content_type: str | None) -> None:
        headers = {**session, **({"Content-Type": content_type} if content_type else {})}
        reply = http.request(op.method, path, params=params, content=raw, headers=headers)  # times out after 10 s
        assert reply.status_code < 500, f"{op.operation_id}: {reply.status_code} {reply.text[:500]}"
        if reply.status_code >= 400 and reply.content:
            assert reply.headers["content-type"] == "application/json", reply.headers
            SHAPES[op.api](reply)
        if breaks_the_schema(stem, op, raw, content_type):
            assert reply.status_code >= 400, f"{op.operation_id} accepted {raw[:300]!r}: {reply.text[:300]}"

    check()
