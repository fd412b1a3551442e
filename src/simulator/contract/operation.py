"""One API operation compiled from its OpenAPI description: how to read and check its inputs and outputs."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import orjson

from simulator.contract.leniency import STRICT, ParserRules, Shape, ShapeBuilder, apply
from simulator.contract.schema import CompiledSchema, Violation, to_json_schema
from simulator.errorkinds import ErrorKind

_INT = re.compile(r"^[+-]?[0-9]+\Z")
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
JSON_MEDIA_TYPES = ("application/json", "text/json")
_MAX_DIGITS = 100


# A document's component schemas as JSON Schema definitions, made on first call (then the same dict every call).
Definitions = Callable[[], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class RequestProblem:
    """Why a request breaks the contract, in vendor-neutral words; a vendor renders it in its own error shape."""

    status: int
    kind: ErrorKind
    message: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Param:
    """A path or query parameter: its declared JSON type (its items' type for an array) and its default.

    `explode`: an array comes as repeated keys (`a=1&a=2`), else as one comma-separated value."""

    name: str
    location: str
    required: bool
    type: str | None
    item_type: str | None
    explode: bool
    default: Any


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    """A response the operation documents: its status (0 for `default`, 400 for `4XX`), whether it has a body, its
    media type and, for JSON, the schema the body must honour."""

    status: int
    schema: CompiledSchema | None
    has_body: bool
    media_type: str | None


@dataclass(slots=True)
class Operation:
    """An operation of an OpenAPI document, compiled: its route, how its path, query and body are read and checked, and
    the responses it documents (made by `compile_operation`, or by `deferred` to compile on first use)."""

    api: str
    operation_id: str
    method: str
    server: str
    template_without_server: str
    path: str
    path_params: tuple[Param, ...]
    query_params: tuple[Param, ...]
    path_schema: CompiledSchema | None
    query_schema: CompiledSchema | None
    body_schema: CompiledSchema | None
    body_required: bool
    body_media_types: tuple[str, ...]
    responses: dict[int, ResponseSpec]
    default_response: ResponseSpec | None
    deprecated: bool
    summary: str
    rules: ParserRules = STRICT
    body_shape: Shape | None = None
    # For an operation made by `deferred`: what compiles the rest on first use (None once compiled).
    pending: Callable[[], Operation] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def deferred(
        cls,
        *,
        api: str,
        method: str,
        server: str,
        template: str,
        spec: dict[str, Any],
        compile: Callable[[], Operation],
    ) -> Operation:
        """An operation that knows at once what routing and listing ask (its id, method and path) and compiles its
        parameters, schemas and responses when one of them is first read: a start compiles only the operations
        its requests use."""
        op = cls.__new__(cls)
        op.api, op.method, op.server, op.template_without_server = api, method, server, template
        op.path = server + template
        op.operation_id = operation_id_of(method, template, spec)
        op.deprecated = bool(spec.get("deprecated"))
        op.summary = str(spec.get("summary", ""))
        op.pending = compile
        return op

    def __getattr__(self, name: str) -> Any:
        # Only reached for a field not set yet: a deferred operation's compiled part.
        pending = self.pending if name != "pending" else None
        if pending is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        compiled = pending()
        for spec in fields(self):
            if spec.name != "pending":
                setattr(self, spec.name, getattr(compiled, spec.name))
        # Cleared last: a thread that reads the operation meanwhile (a test beside a server thread) compiles it too
        # instead of finding a field neither set nor pending.
        self.pending = None
        return getattr(self, name)

    # -- request side -------------------------------------------------------------------------------------
    def read_query(self, pairs: list[tuple[str, str]]) -> dict[str, Any] | RequestProblem:
        """Coerce query strings by the declared types, apply defaults and validate in one call."""
        values: dict[str, Any] = {}
        if pairs:
            raw: dict[str, list[str]] = {}
            for key, value in pairs:
                raw.setdefault(key, []).append(value)
            for param in self.query_params:
                given = raw.get(param.name)
                if given is None:
                    continue
                if param.type == "array":
                    # A comma list is split and each item trimmed, as Spring's StringToCollectionConverter reads it:
                    # `A, B` is two items, an empty value none, and `A,,B` three (the empty one counts toward
                    # maxItems and matches nothing; docs/decisions.md "Query coercion").
                    items = given if param.explode else [p.strip() for v in given if v for p in v.split(",")]
                    values[param.name] = [coerce(item, param.item_type) for item in items]
                else:
                    values[param.name] = coerce(given[0], param.type)
        for param in self.query_params:
            if param.default is not None and param.name not in values:
                values[param.name] = param.default
        return self._checked(values, self.query_schema, "parameter")

    def read_path(self, raw: dict[str, str]) -> dict[str, Any] | RequestProblem:
        values = {param.name: coerce(raw[param.name], param.type) for param in self.path_params}
        return self._checked(values, self.path_schema, "path parameter")

    def prepare_body(self, body: Any, *, has_null: bool = True) -> tuple[Any, bool]:
        """The body as the vendor's parser reads it (see contract.leniency), and whether it then honours the schema.

        A body that is valid as sent is handed on untouched, unless the parser drops members nothing declares
        (Jackson) or reads `null` as absent and the body holds one (`has_null`: the raw text has `null`; a member
        the schema leaves open may be null and still valid); otherwise only an invalid body is walked and coerced."""
        schema = self.body_schema
        if schema is None:
            return body, True
        if self.body_shape is not None and (
            self.rules.ignore_unknown_properties or (self.rules.null_as_absent and has_null)
        ):
            body = apply(self.rules, self.body_shape, body)
            return body, schema.is_valid(body)
        if schema.is_valid(body):
            return body, True
        if self.body_shape is None or not self.rules.lenient:
            return body, False
        body = apply(self.rules, self.body_shape, body)
        return body, schema.is_valid(body)

    def check_body(self, body: Any) -> RequestProblem | None:
        if self.body_schema is None:
            return None
        violation = self.body_schema.check(body)
        if violation is None:
            return None
        return _problem(violation, "field")

    @staticmethod
    def _checked(values: dict[str, Any], schema: CompiledSchema | None, noun: str) -> Any:
        if schema is None:
            return values
        violation = schema.check(values)
        if violation is None:
            return values
        return _problem(violation, noun)

    # -- response side ------------------------------------------------------------------------------------
    def response_spec(self, status: int) -> ResponseSpec | None:
        return self.responses.get(status) or self.default_response

    def check_response(self, status: int, body: Any, has_body: bool) -> str | None:
        """None when the response honours the document, else a sentence naming the operation, field and rule."""
        spec = self.response_spec(status)
        where = f"{self.method} {self.path} ({self.operation_id}) -> {status}"
        if spec is None:
            return f"{where}: status {status} is not documented for this operation"
        if not has_body:
            return f"{where}: the document requires a body" if spec.has_body else None
        if not spec.has_body:
            return f"{where}: the document says this response has no body"
        if spec.schema is None:
            return None
        violation = spec.schema.check(body)
        if violation is None:
            return None
        field = violation.path or "(root)"
        return f"{where}: field {field!r} breaks rule {violation.rule!r}: {violation.message}"


def coerce(text: str, kind: str | None) -> Any:
    """Strings from the query or path become the declared JSON type when they spell it; otherwise stay text.

    Digit strings longer than _MAX_DIGITS stay text (Python refuses int() beyond 4,300 digits, and no documented
    number is that long), so the validator names the parameter instead of the server failing.
    """
    if kind == "integer" and len(text) <= _MAX_DIGITS and _INT.match(text):
        return int(text)
    if kind == "number" and len(text) <= _MAX_DIGITS and _NUMBER.match(text):
        if not any(c in text for c in ".eE"):
            return int(text)
        number = float(text)
        return number if math.isfinite(number) else text  # 1e999: JSON has no infinity
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return text


def _problem(violation: Violation, noun: str) -> RequestProblem:
    if violation.rule == "required":
        return RequestProblem(
            400, ErrorKind.MISSING_PARAMETER, f"Missing required {noun}: {violation.path}", violation.path
        )
    field = violation.path or "(body)"
    message = f"Invalid value for {noun} '{field}': {violation.message}"
    return RequestProblem(400, ErrorKind.INVALID_PARAMETER, message, violation.path or None)


def compile_operation(
    *,
    api: str,
    method: str,
    server: str,
    template: str,
    spec: dict[str, Any],
    shared_params: list[Any],
    resolve: Callable[[Any], Any],
    definitions: Definitions,
    rules: ParserRules = STRICT,
    shapes: ShapeBuilder | None = None,
    lazy: bool = False,
) -> Operation:
    defined = definitions()
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*shared_params, *spec.get("parameters", [])]:
        param = resolve(raw)
        params[(param["in"], param["name"])] = param

    def compiled(schema: Any) -> CompiledSchema:
        return _compile_cached(to_json_schema(schema), defined, lazy)

    def group(location: str) -> tuple[tuple[Param, ...], CompiledSchema | None]:
        chosen = [p for (where, _), p in params.items() if where == location]
        if not chosen:
            return (), None
        properties = {p["name"]: to_json_schema(p.get("schema", {})) for p in chosen}
        required = [p["name"] for p in chosen if p.get("required")]
        schema = _compile_cached({"type": "object", "properties": properties, "required": required}, defined, lazy)
        out = []
        for p in chosen:
            schema_of = resolve(p.get("schema", {}))
            items = resolve(schema_of.get("items", {})) if isinstance(schema_of.get("items"), dict) else {}
            out.append(
                Param(
                    name=p["name"],
                    location=location,
                    required=bool(p.get("required")),
                    type=_type_of(schema_of, defined),
                    item_type=_type_of(items, defined),
                    explode=p.get("explode", p.get("style", "form") == "form"),
                    default=schema_of.get("default"),
                )
            )
        return tuple(out), schema

    path_params, path_schema = group("path")
    query_params, query_schema = group("query")

    body_schema = None
    body_shape = None
    body_required = False
    media_types: tuple[str, ...] = ()
    if "requestBody" in spec:
        body = resolve(spec["requestBody"])
        body_required = bool(body.get("required"))
        content = body.get("content", {})
        media_types = tuple(content)
        json_content = next((content[m] for m in content if "json" in m), None)
        if json_content is not None and "schema" in json_content:
            body_schema = compiled(json_content["schema"])
            if shapes is not None and rules.lenient:
                body_shape = shapes.build(json_content["schema"])

    responses: dict[int, ResponseSpec] = {}
    default_response = None
    for code, raw in spec.get("responses", {}).items():
        response = resolve(raw)
        content = response.get("content") or {}
        media = next(iter(content), None)
        schema_node = content[media].get("schema") if media else None
        schema = compiled(schema_node) if schema_node is not None and media and "json" in media else None
        status = 0 if str(code) == "default" else int(str(code).replace("XX", "00"))
        entry = ResponseSpec(status=status, schema=schema, has_body=media is not None, media_type=media)
        if status == 0:
            default_response = entry
        else:
            responses[status] = entry

    return Operation(
        api=api,
        operation_id=operation_id_of(method, template, spec),
        method=method,
        server=server,
        template_without_server=template,
        path=server + template,
        path_params=path_params,
        query_params=query_params,
        path_schema=path_schema,
        query_schema=query_schema,
        body_schema=body_schema,
        body_required=body_required,
        body_media_types=media_types,
        responses=responses,
        default_response=default_response,
        deprecated=bool(spec.get("deprecated")),
        summary=str(spec.get("summary", "")),
        rules=rules,
        body_shape=body_shape,
    )


def operation_id_of(method: str, template: str, spec: dict[str, Any]) -> str:
    return spec.get("operationId") or f"{method.lower()} {template}"


def _type_of(schema: dict[str, Any], definitions: dict[str, Any]) -> str | None:
    seen = 0
    while "$ref" in schema and seen < 16:
        schema = definitions.get(schema["$ref"].rsplit("/", 1)[-1], {})
        seen += 1
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


_COMPILED: dict[tuple[str, int], CompiledSchema] = {}


def _compile_cached(schema: dict[str, Any], definitions: dict[str, Any], lazy: bool = False) -> CompiledSchema:
    key = (orjson.dumps(schema, option=orjson.OPT_SORT_KEYS).decode(), id(definitions))
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = CompiledSchema(schema, definitions, lazy=lazy)
    elif not lazy:
        found.compile()
    return found
