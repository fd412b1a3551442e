"""Fault rules: which calls they hit, when they fire, what they do. Vendor-neutral; the server applies them."""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.engine.journal import contains

FAULT_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "maxLength": 200},
        "api": {"type": "string"},
        "operation": {"type": "string", "description": "operationId (glob)"},
        "method": {"type": "string"},
        "path": {"type": "string", "description": "request path (glob)"},
        "query": {"type": "object", "description": "query values the request must carry"},
        "body": {"description": "a value the request body must contain (objects: subset)"},
        "response": {"description": "fire only when the normal response body contains this (e.g. a run's state)"},
        "when": {
            "type": "object",
            "additionalProperties": False,
            "maxProperties": 1,
            "properties": {
                "always": {"const": True},
                "nth": {"type": "integer", "minimum": 1},
                "first": {"type": "integer", "minimum": 1},
                "after": {"type": "integer", "minimum": 0, "description": "every call after the first N"},
                "probability": {"type": "number", "minimum": 0, "maximum": 1},
            },
        },
        "latency": {
            "oneOf": [
                {"type": "number", "minimum": 0, "maximum": 300},
                {
                    "type": "object",
                    "required": ["min", "max"],
                    "additionalProperties": False,
                    "properties": {"min": {"type": "number", "minimum": 0}, "max": {"type": "number", "maximum": 300}},
                },
            ]
        },
        "error": {
            "type": "object",
            "required": ["status"],
            "additionalProperties": False,
            "properties": {
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "retry_after": {"type": "integer", "minimum": 0},
            },
        },
        "drop": {"const": True, "description": "close the connection with a reset instead of answering"},
        "malformed": {"enum": ["truncate", "garbage"], "description": "send a broken body with a 200"},
    },
}


@dataclass(slots=True)
class FaultRule:
    """One fault rule (see FAULT_RULE_SCHEMA) and its counts: the matching calls it has `seen` and how often it `fired`.

    `origin` is the source of the scenario that added it (reloading that scenario replaces its rules); None for a rule
    added through the control API."""

    id: int
    spec: Mapping[str, Any]
    seen: int = 0
    fired: int = 0
    origin: str | None = None

    @property
    def name(self) -> str:
        return str(self.spec.get("name") or f"fault-{self.id}")

    @property
    def needs_response(self) -> bool:
        return "response" in self.spec or "malformed" in self.spec

    def matches_request(
        self, api: str | None, operation: str | None, method: str, path: str, query: Mapping[str, Any], body: Any
    ) -> bool:
        spec = self.spec
        if "api" in spec and spec["api"] != api:
            return False
        if "operation" in spec and not fnmatch.fnmatchcase(operation or "", spec["operation"]):
            return False
        if "method" in spec and spec["method"].upper() != method:
            return False
        if "path" in spec and not fnmatch.fnmatchcase(path, spec["path"]):
            return False
        if "query" in spec and not all(str(query.get(k)) == str(v) for k, v in spec["query"].items()):
            return False
        return not ("body" in spec and not contains(body, spec["body"]))

    def matches_response(self, body: Any) -> bool:
        return "response" not in self.spec or contains(body, self.spec["response"])

    def fires(self, rng: random.Random) -> bool:
        """Whether the fault fires on the matching call just counted in `seen`."""
        when = self.spec.get("when") or {"always": True}
        if "nth" in when:
            hit = self.seen == when["nth"]
        elif "first" in when:
            hit = self.seen <= when["first"]
        elif "after" in when:
            hit = self.seen > when["after"]
        elif "probability" in when:
            hit = rng.random() < when["probability"]
        else:
            hit = True
        if hit:
            self.fired += 1
        return hit

    def latency(self, rng: random.Random) -> float:
        value = self.spec.get("latency", 0)
        if isinstance(value, Mapping):
            return rng.uniform(float(value["min"]), float(value["max"]))
        return float(value)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "rule": dict(self.spec), "seen": self.seen, "fired": self.fired}


@dataclass(slots=True)
class FaultBook:
    """A session's fault rules, tried in the order they were added, and the random source their `probability` and
    latency ranges draw on."""

    rng: random.Random
    rules: list[FaultRule] = field(default_factory=list)
    _next_id: int = 1

    def add(self, spec: Mapping[str, Any], origin: str | None = None) -> FaultRule:
        rule = FaultRule(self._next_id, dict(spec), origin=origin)
        self._next_id += 1
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int | None = None) -> int:
        before = len(self.rules)
        self.rules = [] if rule_id is None else [r for r in self.rules if r.id != rule_id]
        return before - len(self.rules)

    def remove_origin(self, origin: str) -> None:
        self.rules = [r for r in self.rules if r.origin != origin]

    def fired_total(self) -> int:
        return sum(rule.fired for rule in self.rules)
