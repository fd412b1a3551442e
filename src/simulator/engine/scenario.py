"""Scenario files: parsed, checked against the scenario JSON Schema and the API's lifecycle, with file and line."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import jsonschema_rs

from simulator.engine.faults import FAULT_RULE_SCHEMA
from simulator.engine.lifecycle import Lifecycle, Step
from simulator.engine.safe_yaml import Lines, YamlError, line_of, load_yaml

_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class ScenarioError(YamlError):
    """A scenario that cannot be loaded; str() gives `file:line: reason`."""


class ScenarioRules(Protocol):
    """What the engine needs from an API to check a scenario (a vendor provides it)."""

    @property
    def name(self) -> str: ...
    @property
    def lifecycles(self) -> Mapping[str, Lifecycle]: ...
    @property
    def match_keys(self) -> frozenset[str]: ...
    @property
    def data_schema(self) -> Mapping[str, Any]: ...

    def check_step(self, kind: str, step: Step) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan of a scenario: the steps a run of `kind` follows when its attributes match `match` (strings as globs).

    `source` is the plan's `file:line`; a `named_only` plan matches no run by itself and is used only where sample data
    or a caller names it."""

    name: str
    kind: str
    match: Mapping[str, Any]
    steps: tuple[Step, ...]
    source: str
    named_only: bool = False

    def matches(self, attrs: Mapping[str, Any]) -> bool:
        if self.named_only:
            return False
        return all(_matches(expected, attrs.get(key)) for key, expected in self.match.items())


@dataclass(slots=True)
class Scenario:
    """A scenario file, parsed and checked: the plans, sample `data`, clock settings and fault rules it gives one API.

    `source` is the file it came from; `text` is what it held, which snapshots save to read it again."""

    name: str
    api: str
    description: str
    plans: tuple[Plan, ...]
    data: Mapping[str, Any]
    clock: Mapping[str, Any]
    faults: tuple[Mapping[str, Any], ...]
    source: str
    text: str = field(repr=False, default="")

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "api": self.api,
            "description": self.description,
            "source": self.source,
            "plans": [plan.name for plan in self.plans],
        }


def parse_duration(value: float | int | str) -> float:
    if isinstance(value, int | float):
        return float(value)
    if not _DURATION.match(value):
        raise ValueError(f"not a duration: {value!r}")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(value))


_SCHEMA = json.loads(resources.files("simulator.engine").joinpath("scenario.schema.json").read_text())
# A duration (seconds, or 90s, 1h30m, ...) as `parse_duration` reads it: for the `data` schemas of vendors too.
DURATION_SCHEMA: dict[str, Any] = _SCHEMA["definitions"]["duration"]
# Compiled (Rust) draft-7 validators answer first: a valid scenario (the usual case, and every start-up's) is not
# walked by jsonschema, which only names the error of an invalid one. Either verdict of "invalid" is confirmed by
# jsonschema, so the two libraries' edge cases (a regex's `$`, formats) never refuse what jsonschema accepts.
_FAST: dict[int, tuple[Mapping[str, Any], Any]] = {}
_FAST_ENTRIES = 64


def surely_valid(schema: Mapping[str, Any], instance: Any) -> bool:
    found = _FAST.get(id(schema))
    if found is None or found[0] is not schema:
        if len(_FAST) >= _FAST_ENTRIES:
            _FAST.clear()
        try:
            found = _FAST[id(schema)] = (schema, jsonschema_rs.Draft7Validator(dict(schema)))
        except Exception:  # a schema the compiled validator cannot read: jsonschema decides
            return False
    try:
        return bool(found[1].is_valid(instance))
    except Exception:  # a value it cannot take (a YAML date): jsonschema decides
        return False


def schema_errors(schema: Mapping[str, Any], instance: Any) -> Iterator[Any]:
    """jsonschema's errors of `instance` against the draft-7 `schema`.

    jsonschema is imported here, on the first invalid document: it takes longer to import (about 35 ms) than the rest
    of a start-up's validation, and a start whose documents are valid never needs it."""
    import jsonschema

    return iter(jsonschema.Draft7Validator(schema).iter_errors(instance))


def schema_problem(schema: Mapping[str, Any]) -> str | None:
    """Why `schema` is not a draft-7 JSON Schema, or None. The compiled meta-schema check answers first; jsonschema
    (imported only then) confirms a refusal and words it."""
    try:
        if jsonschema_rs.meta.is_valid(dict(schema)):
            return None
    except Exception:
        pass
    import jsonschema

    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as exc:
        return str(exc.message)
    return None


def first_error(schema: Mapping[str, Any], instance: Any, *, by_depth: bool = False) -> Any:
    """jsonschema's best-matching error of `instance` against the draft-7 `schema`, or None when it is valid."""
    import jsonschema

    errors = schema_errors(schema, instance)
    if by_depth:  # shallowest first, then by path: the order best_match breaks ties in
        errors = iter(sorted(errors, key=lambda e: (len(e.absolute_path), str(e.path))))
    return jsonschema.exceptions.best_match(errors)


def scenario_schema() -> dict[str, Any]:
    return _SCHEMA


def parse_scenario(text: str, source: str, rules_by_api: Mapping[str, ScenarioRules]) -> Scenario:
    try:
        data, lines = load_yaml(text, source)
    except ScenarioError:
        raise
    except YamlError as exc:
        raise ScenarioError(source, exc.line, exc.reason) from None
    if not isinstance(data, dict):
        raise ScenarioError(source, 1, "a scenario is a mapping (api, plans, data, ...)")
    error = None if surely_valid(_SCHEMA, data) else first_error(_SCHEMA, data, by_depth=True)
    if error is not None:
        path = tuple(error.absolute_path)
        raise ScenarioError(source, line_of(lines, path), f"{_dotted(path)}: {error.message}")
    api = data["api"]
    rules = rules_by_api.get(api)
    if rules is None:
        raise ScenarioError(
            source, line_of(lines, ("api",)), f"unknown api {api!r}; known: {', '.join(sorted(rules_by_api))}"
        )
    plans = tuple(_plan(raw, index, rules, lines, source) for index, raw in enumerate(data.get("plans", [])))
    for index, rule in enumerate(data.get("faults", [])):
        if surely_valid(FAULT_RULE_SCHEMA, rule):
            continue
        found = first_error(FAULT_RULE_SCHEMA, rule)
        if found is not None:
            path = ("faults", index, *found.absolute_path)
            raise ScenarioError(source, line_of(lines, path), f"{_dotted(path)}: {found.message}")
    payload = data.get("data", {})
    if rules.data_schema and not surely_valid(rules.data_schema, payload):
        found = first_error(rules.data_schema, payload)
        if found is not None:
            path = ("data", *found.absolute_path)
            raise ScenarioError(source, line_of(lines, path), f"{_dotted(path)}: {found.message}")
    return Scenario(
        name=str(data.get("name") or Path(source).stem),
        api=api,
        description=str(data.get("description", "")),
        plans=plans,
        data=payload,
        clock=data.get("clock", {}),
        faults=tuple(data.get("faults", [])),
        source=source,
        text=text,
    )


def _plan(raw: dict[str, Any], index: int, rules: ScenarioRules, lines: Lines, source: str) -> Plan:
    where = ("plans", index)
    kind = raw.get("kind") or next(iter(rules.lifecycles))
    lifecycle = rules.lifecycles.get(kind)
    if lifecycle is None:
        raise ScenarioError(
            source,
            line_of(lines, (*where, "kind")),
            f"unknown kind {kind!r}; {rules.name} has {', '.join(rules.lifecycles)}",
        )
    for key in raw.get("match", {}):
        if key not in rules.match_keys:
            raise ScenarioError(
                source,
                line_of(lines, (*where, "match", key)),
                f"cannot match on {key!r}; {rules.name} runs match on {', '.join(sorted(rules.match_keys))}",
            )
    steps = []
    for number, step_raw in enumerate(raw["steps"]):
        step = Step(
            state=step_raw["state"],
            seconds=parse_duration(step_raw["for"]) if "for" in step_raw else None,
            reads=step_raw.get("reads"),
            result=step_raw.get("result"),
            message=step_raw.get("message"),
            attrs=MappingProxyType(dict(step_raw.get("attrs", {}))),
        )
        problem = rules.check_step(kind, step)
        if problem:
            raise ScenarioError(source, line_of(lines, (*where, "steps", number)), f"step {number + 1}: {problem}")
        steps.append(step)
    problems = lifecycle.problems(steps)
    if problems:
        raise ScenarioError(source, line_of(lines, (*where, "steps")), "; ".join(problems))
    name = raw.get("name") or f"plan-{index + 1}"
    return Plan(
        name=name,
        kind=kind,
        match=MappingProxyType(dict(raw.get("match", {}))),
        steps=tuple(steps),
        source=f"{source}:{line_of(lines, where)}",
        named_only=bool(raw.get("named_only", False)),
    )


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _matches(expected: Any, actual: Any) -> bool:
    if actual is None:
        return False
    if isinstance(expected, list):
        return any(_matches(item, actual) for item in expected)
    if isinstance(expected, dict):
        return isinstance(actual, Mapping) and all(_matches(value, actual.get(key)) for key, value in expected.items())
    if isinstance(actual, list | tuple | set | frozenset):
        return any(_matches(expected, item) for item in actual)
    if isinstance(expected, str) and isinstance(actual, str):
        return fnmatch.fnmatchcase(actual, expected)
    return expected == actual or str(expected) == str(actual)
