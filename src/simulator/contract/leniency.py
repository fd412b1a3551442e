"""How a vendor's server parses request JSON, as rules the contract layer applies before it validates a request.

A vendor's server accepts more than a literal reading of its document: Databricks parses request JSON as protobuf
JSON (integers as numbers or decimal strings, `null` as an absent member, GET parameters in a JSON body), and the
Spring services read bodies with Jackson (scalar coercion, `null` as absent, unknown members ignored). Each API
gets one `ParserRules`; its operations precompute a `Shape` of their request body at load time (where the
integers, numbers, booleans and strings are, which members admit null, which objects are closed), so a request
only walks its own body. A value the vendor's parser would still refuse is left as it is, and the validator then
names the field. See docs/decisions.md ("The vendor's parser").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

_INT = re.compile(r"^[+-]?[0-9]+\Z")
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_MAX_DIGITS = 100  # no documented number is longer; Python refuses int() beyond 4,300 digits
_EXACT_FLOAT = 2.0**53
_SCHEMA_REF = "#/components/schemas/"
_SCALARS = frozenset({"integer", "number", "boolean", "string"})
# Jackson's boolean deserializer reads these spellings of a JSON string as a boolean.
_JACKSON_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


@dataclass(frozen=True, slots=True)
class ParserRules:
    """What one API's server accepts beyond the literal types of its document (request side only)."""

    # protobuf JSON: an integer or number field takes a JSON number or a decimal string ("600").
    numbers_as_strings: bool = False
    # An explicit `null` member is the same as an absent one (unless the document lets the field be null).
    null_as_absent: bool = False
    # A request without a body schema (a GET) may carry its parameters as a JSON object body.
    get_body_params: bool = False
    # Jackson: "5" for an integer, "true" for a boolean, a number or boolean for a string, 5.7 for an integer (5).
    scalar_coercion: bool = False
    # Jackson with Spring Boot's FAIL_ON_UNKNOWN_PROPERTIES=false: a member an object does not declare is dropped
    # (it binds to nothing), open object or closed, unless the document marks the object
    # `x-jobsim-refuses-unknown: true` (the vendor's own document closes it); maps and free-form objects keep theirs.
    # Bodies are then walked even when valid as sent.
    ignore_unknown_properties: bool = False

    @property
    def lenient(self) -> bool:
        return self.numbers_as_strings or self.null_as_absent or self.scalar_coercion or self.ignore_unknown_properties


STRICT = ParserRules()
PROTOBUF_JSON = ParserRules(numbers_as_strings=True, null_as_absent=True, get_body_params=True)
JACKSON = ParserRules(scalar_coercion=True, null_as_absent=True, ignore_unknown_properties=True)
PRESETS: Mapping[str, ParserRules] = {"strict": STRICT, "protobuf-json": PROTOBUF_JSON, "jackson": JACKSON}


@dataclass(eq=False, slots=True)
class Shape:
    """What a schema node admits, as far as parsing is concerned; built once per operation."""

    kinds: set[str] = field(default_factory=set)  # JSON types the node admits; empty: anything
    properties: dict[str, Shape] = field(default_factory=dict)
    additional: Shape | None = None  # the shape of members not in `properties` (maps)
    items: Shape | None = None
    nullable: bool = False
    closed: bool = False  # additionalProperties: false
    is_map: bool = False  # additionalProperties: true or a schema: members are data, not fields
    refuses_unknown: bool = False  # closed by the vendor's own document: unknown members stay refused


class ShapeBuilder:
    """Builds shapes from one document's raw (OpenAPI) schemas; named schemas are shared, cycles allowed."""

    def __init__(self, components: Mapping[str, Any]) -> None:
        self._components = components
        self._named: dict[str, Shape] = {}

    def build(self, node: Any) -> Shape:
        shape = Shape()
        self._fill(shape, node, 0)
        return shape

    def _named_shape(self, name: str) -> Shape:
        found = self._named.get(name)
        if found is None:
            found = self._named[name] = Shape()
            self._fill(found, self._components.get(name, {}), 0)
        return found

    def _fill(self, shape: Shape, node: Any, depth: int) -> None:
        if not isinstance(node, dict) or depth > 32:
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            _merge(shape, self._named_shape(ref[len(_SCHEMA_REF) :]))
            return
        kind = node.get("type")
        for one in kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []:
            if one == "null":
                shape.nullable = True
            else:
                shape.kinds.add(one)
        if node.get("nullable") is True or (isinstance(node.get("enum"), list) and None in node["enum"]):
            shape.nullable = True
        if node.get("additionalProperties") is False:
            shape.closed = True
            shape.refuses_unknown = shape.refuses_unknown or node.get("x-jobsim-refuses-unknown") is True
        for name, sub in (node.get("properties") or {}).items():
            child = shape.properties.get(name) or Shape()
            self._fill(child, sub, depth + 1)
            shape.properties[name] = child
        if node.get("additionalProperties") is True or isinstance(node.get("additionalProperties"), dict):
            shape.is_map = True
        if isinstance(node.get("additionalProperties"), dict):
            shape.additional = shape.additional or Shape()
            self._fill(shape.additional, node["additionalProperties"], depth + 1)
        if isinstance(node.get("items"), dict):
            shape.items = shape.items or Shape()
            self._fill(shape.items, node["items"], depth + 1)
        for part in node.get("allOf") or []:
            self._fill(shape, part, depth + 1)
        alternatives = [*(node.get("anyOf") or []), *(node.get("oneOf") or [])]
        if alternatives:
            # Any alternative may match: the union of what they admit; closed only if every one is.
            was_closed = shape.closed
            parts = []
            for part in alternatives:
                one = Shape()
                self._fill(one, part, depth + 1)
                parts.append(one)
            for one in parts:
                _merge(shape, one, closed=False)
            shape.closed = was_closed or all(one.closed for one in parts if one.kinds - {"null"} or one.properties)
            shape.refuses_unknown = shape.refuses_unknown or any(one.refuses_unknown for one in parts)


def _merge(into: Shape, other: Shape, *, closed: bool = True) -> None:
    into.kinds |= other.kinds
    into.nullable = into.nullable or other.nullable
    if closed:
        into.closed = into.closed or other.closed
        into.refuses_unknown = into.refuses_unknown or other.refuses_unknown
    for name, child in other.properties.items():
        into.properties.setdefault(name, child)
    into.is_map = into.is_map or other.is_map
    into.additional = into.additional or other.additional
    into.items = into.items or other.items


def admits(shape: Shape, kind: str) -> bool:
    return not shape.kinds or kind in shape.kinds or (kind == "integer" and "number" in shape.kinds)


def apply(rules: ParserRules, shape: Shape, value: Any) -> Any:
    """`value` as the vendor's parser reads it against `shape`: coerced where the parser would, else unchanged.

    Containers are changed in place (the body was parsed for this request alone); the walk follows the body, so it
    costs what the body's size costs, never the document's."""
    if isinstance(value, dict):
        if shape.kinds and "object" not in shape.kinds:
            return value
        pojo = bool(shape.properties) and not shape.is_map  # a Java class: its fields are all it can bind
        drop_unknown = rules.ignore_unknown_properties and pojo and not shape.refuses_unknown
        properties = shape.properties
        for name in list(value):
            member = value[name]
            child = properties.get(name)
            if child is None:
                if drop_unknown:
                    del value[name]
                    continue
                child = shape.additional
                if child is None:
                    if member is None and rules.null_as_absent and pojo:
                        del value[name]  # null is absent for a member the message does not declare, too
                    continue
            if member is None:
                if rules.null_as_absent and not child.nullable:
                    del value[name]
                continue
            value[name] = apply(rules, child, member)
        return value
    if isinstance(value, list):
        if shape.items is not None and (not shape.kinds or "array" in shape.kinds):
            items = shape.items
            for index, item in enumerate(value):
                if item is not None:
                    value[index] = apply(rules, items, item)
        return value
    if not shape.kinds:
        return value
    if isinstance(value, bool):
        if rules.scalar_coercion and "boolean" not in shape.kinds and "string" in shape.kinds:
            return "true" if value else "false"  # Jackson reads a JSON boolean into a String field as its text
        return value
    if isinstance(value, str):
        if "string" in shape.kinds:
            return value
        if rules.numbers_as_strings or rules.scalar_coercion:
            if "integer" in shape.kinds and len(value) <= _MAX_DIGITS and _INT.match(value):
                return int(value)
            if "number" in shape.kinds and len(value) <= _MAX_DIGITS and _NUMBER.match(value):
                return _number(value)
        if rules.scalar_coercion and "boolean" in shape.kinds:
            return _JACKSON_BOOLEANS.get(value, value)
        return value
    if isinstance(value, float):
        # Only a float that holds its integer exactly (below 2^53): a bigger one is what a JSON number beyond int64
        # became when it was parsed, and both parsers refuse those as out of range.
        if "integer" in shape.kinds and "number" not in shape.kinds and abs(value) < _EXACT_FLOAT:
            if value.is_integer() and (rules.numbers_as_strings or rules.scalar_coercion):
                return int(value)  # protobuf JSON and Jackson both read 600.0 as 600
            if rules.scalar_coercion:
                return int(value)  # Jackson's ACCEPT_FLOAT_AS_INT (on by default) truncates
        if rules.scalar_coercion and "string" in shape.kinds and "number" not in shape.kinds:
            return orjson.dumps(value).decode()
        return value
    if isinstance(value, int) and rules.scalar_coercion and "string" in shape.kinds and not admits(shape, "integer"):
        return str(value)
    return value


def _number(text: str) -> int | float | str:
    if not any(c in text for c in ".eE"):
        return int(text)
    number = float(text)
    return number if math.isfinite(number) else text  # 1e999: JSON has no infinity


def body_as_query(body: Any) -> list[tuple[str, str]] | None:
    """A GET's JSON object body as query pairs (its members act as the query string), or None if not an object."""
    if not isinstance(body, dict):
        return None
    pairs: list[tuple[str, str]] = []
    for name, value in body.items():
        for one in value if isinstance(value, list) else [value]:
            if one is None:
                continue  # null as absent
            if isinstance(one, bool):
                pairs.append((name, "true" if one else "false"))
            elif isinstance(one, str):
                pairs.append((name, one))
            elif isinstance(one, int):
                pairs.append((name, str(one)))
            else:
                try:  # a float as JSON writes it; an object stays an invalid value the validator names
                    pairs.append((name, orjson.dumps(one).decode()))
                except TypeError:  # an integer beyond 64 bits inside an object
                    pairs.append((name, str(one)))
    return pairs
