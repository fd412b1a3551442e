"""Turn OpenAPI 3.0 schema objects into JSON Schema (draft 7) and compile them once.

OpenAPI 3.0 schemas are almost JSON Schema: `nullable`, boolean `exclusiveMinimum`, the int32/int64 formats and a
few annotation keywords differ. We rewrite them at start-up so a compiled (Rust) validator checks every request and
response in microseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import orjson

_ANNOTATIONS = frozenset(
    {
        "discriminator",
        "example",
        "examples",
        "xml",
        "externalDocs",
        "deprecated",
        "readOnly",
        "writeOnly",
        "description",
        "title",
        "nullable",
    }
)
_CHECKED_FORMATS = frozenset({"date", "date-time", "uuid", "email", "ipv4", "ipv6", "time"})
_INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_SCHEMA_REF = "#/components/schemas/"


def to_json_schema(node: Any) -> Any:
    """Convert one OpenAPI 3.0 schema object (recursively) into draft-7 JSON Schema."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref.startswith(_SCHEMA_REF):
            ref = "#/definitions/" + ref[len(_SCHEMA_REF) :]
        return {"$ref": ref}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            continue
        if key == "required" and not isinstance(value, list):
            continue  # Swagger 2 style `required: true` on a property: meaningless in a schema object
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = to_json_schema(value)
        elif key == "format":
            if value in _CHECKED_FORMATS:
                out[key] = value
            elif value in _INTEGER_BOUNDS and node.get("type") == "integer":
                low, high = _INTEGER_BOUNDS[value]
                out.setdefault("minimum", max(node.get("minimum", low), low))
                out.setdefault("maximum", min(node.get("maximum", high), high))
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            if value:
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                out[key] = node[bound]
        else:
            out[key] = value
    if out.get("exclusiveMinimum") is not None and "minimum" in out and node.get("exclusiveMinimum") is True:
        del out["minimum"]
    if out.get("exclusiveMaximum") is not None and "maximum" in out and node.get("exclusiveMaximum") is True:
        del out["maximum"]
    if node.get("nullable") is True:
        out = _allow_null(out)
    return out


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str) and "allOf" not in schema and "oneOf" not in schema and "anyOf" not in schema:
        schema = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


@dataclass(frozen=True, slots=True)
class Violation:
    """The first way an instance breaks a schema: where (a dotted path) and why."""

    path: str
    message: str
    rule: str


class CompiledSchema:
    """A schema compiled once; `check` is the per-request fast path. A `lazy` one compiles on its first use: a
    server answers its first request sooner when the operations nobody calls are never compiled."""

    __slots__ = ("_document", "_is_valid", "_validator", "source")

    def __init__(self, source: dict[str, Any], definitions: dict[str, Any], *, lazy: bool = False) -> None:
        self.source = source
        document = dict(source)
        if definitions:
            document["definitions"] = definitions
        self._document: dict[str, Any] | None = document
        self._validator: Any = None
        self._is_valid: Callable[[Any], bool] = self._compile_and_check
        if not lazy:
            self.compile()

    @property
    def compiled(self) -> bool:
        return self._validator is not None

    def compile(self) -> Any:
        """The compiled validator (compiled now if it was not yet)."""
        if self._validator is None:
            assert self._document is not None
            self._validator = jsonschema_rs.validator_for(self._document, validate_formats=True)
            self._is_valid = self._validator.is_valid
            self._document = None
        return self._validator

    def _compile_and_check(self, instance: Any) -> bool:
        return bool(self.compile().is_valid(instance))

    def is_valid(self, instance: Any) -> bool:
        return self._is_valid(instance)

    def check(self, instance: Any) -> Violation | None:
        if self._is_valid(instance):
            return None
        return first_violation(self.compile().iter_errors(instance))


def first_violation(errors: Iterator[Any]) -> Violation | None:
    for error in errors:
        parts = [str(p) for p in error.instance_path]
        rule = str(error.schema_path[-1]) if len(error.schema_path) else ""
        if rule == "required":
            missing = getattr(error.kind, "property", None)
            if isinstance(missing, str):
                parts.append(missing)
            elif missing is not None:
                parts.append(str(missing).strip('"'))
        return Violation(path=format_path(parts), message=_shortened(error.message, error.instance), rule=rule)
    return None


_MAX_QUOTE = 200  # characters of the offending value a message quotes; the reason after it is kept whole


def _shortened(message: str, instance: Any) -> str:
    """The validator's message with the value it quotes cut short: a 5 MB string need not come back whole, and the
    reason (`has more than 100 items`, `is longer than 4096 characters`) that follows the value must not be cut off."""
    if len(message) <= 4 * _MAX_QUOTE:
        return message
    try:
        quoted = orjson.dumps(instance).decode()
    except TypeError:  # an integer beyond 64 bits: orjson refuses what the validator could print
        quoted = ""
    if quoted and message.startswith(quoted):
        return f"{quoted[:_MAX_QUOTE]}... (truncated){message[len(quoted) :]}"
    return f"{message[:_MAX_QUOTE]}... (truncated) ...{message[-2 * _MAX_QUOTE :]}"


def format_path(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
