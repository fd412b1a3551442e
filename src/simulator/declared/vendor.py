"""A declared API as a Vendor: the class is built from its api.yaml, so the engine serves it like a coded one."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar

from simulator.contract.operation import Operation
from simulator.declared import credentials
from simulator.declared.actions import Renderer, build_handlers, create_record, deprecation_headers
from simulator.declared.loader import ApiDeclarationError, Declaration, load_declaration
from simulator.declared.model import DeclaredState, Record
from simulator.declared.template import format_time
from simulator.engine.lifecycle import Step
from simulator.engine.retention import retain
from simulator.engine.scenario import (
    DURATION_SCHEMA,
    Scenario,
    ScenarioError,
    parse_duration,
    schema_errors,
    surely_valid,
)
from simulator.engine.session import Session
from simulator.exchange import PHASES, ApiError, ErrorKind, HandlerTable, Reply, RunView
from simulator.headers import Headers
from simulator.vendors.base import Vendor

# The engine's neutral error kinds, grouped as an api.yaml's `errors` section names them.
_ERROR_GROUP: dict[ErrorKind | None, str] = {
    ErrorKind.INVALID_PARAMETER: "invalid",
    ErrorKind.MISSING_PARAMETER: "invalid",
    ErrorKind.MALFORMED_JSON: "invalid",
    ErrorKind.MALFORMED_REQUEST: "invalid",
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: "invalid",
    ErrorKind.NOT_FOUND: "not_found",
    ErrorKind.CONFLICT: "conflict",
    ErrorKind.UNAUTHORIZED: "unauthorized",
    ErrorKind.FORBIDDEN: "forbidden",
    ErrorKind.RATE_LIMITED: "rate_limited",
    ErrorKind.METHOD_NOT_ALLOWED: "method_not_allowed",
    ErrorKind.UNAVAILABLE: "unavailable",
}


class DeclaredVendor(Vendor):
    """The base of every declared API's class; `vendor_class` fills the class attributes from a Declaration."""

    declaration: ClassVar[Declaration]
    scenario_dir: ClassVar[Path | None] = None

    def new_state(self, session: Session) -> DeclaredState:
        return DeclaredState()

    # --- sample data ----------------------------------------------------------------------------------------
    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        declaration = self.declaration
        now = session.now()
        base = {"time": {"now": now}, "request": {}}
        users = declaration.users
        for key, items in scenario.data.items():
            if users is not None and key == users.data_key:
                credentials.load_users(users, state.users, items)
            elif key in declaration.data:
                self._load_flat(state, session, scenario, declaration.data[key], items)
            else:
                self._load_items(state, session, scenario, key, items, base)

    def _load_flat(self, state: Any, session: Session, scenario: Scenario, data: Any, items: list[Any]) -> None:
        """Items written flat (`data:` of api.yaml): fields from templates over `$item`; `id`, `ago`,
        `appears_after` (created that long after loading: not there until then) and `plan` control the item.
        Items are created in the order of their creation times."""
        now = session.now()
        timed = [
            (now - parse_duration(item.get("ago", 0)) + parse_duration(item.get("appears_after", 0)), index, item)
            for index, item in enumerate(items)
        ]
        converted = []
        for created, _, item in sorted(timed, key=lambda entry: entry[:2]):
            context = {"item": item, "time": {"now": created}}
            fields = {name: value(context) for name, value in data.fields}
            entry = {"fields": {k: v for k, v in fields.items() if v is not None}, "ago": max(now - created, 0.0)}
            for control in ("id", "plan"):
                if control in item:
                    entry[control] = item[control]
            converted.append((created, entry))
        for created, entry in converted:
            self._load_items(
                state, session, scenario, data.resource, [entry], {"time": {"now": now}, "request": {}}, created
            )

    def _load_items(
        self,
        state: Any,
        session: Session,
        scenario: Scenario,
        resource: str,
        items: list[Any],
        base: dict[str, Any],
        at: float | None = None,
    ) -> None:
        declaration = self.declaration
        now = session.now()
        spec = declaration.resources[resource]
        for item in items:
            created = at if at is not None else now - parse_duration(item.get("ago", 0))
            parent = None
            if spec.parent is not None and "parent" in item:
                parent = state.store(spec.parent).get(str(item["parent"]))
                if parent is None:
                    raise ScenarioError(scenario.source, None, f"data.{resource}: no {spec.parent} {item['parent']}")
            steps = None
            if spec.run is not None and "plan" in item:
                plan = session.plans.named(declaration.name, item["plan"])
                if plan is None:
                    raise ScenarioError(scenario.source, None, f"data.{resource}: no plan named {item['plan']!r}")
                steps = plan.steps
            if str(item.get("id")) in state.store(resource):
                continue  # a scenario applied twice keeps its sample items once
            context = {**base, "time": {"now": created}}
            record = create_record(
                declaration,
                spec,
                session,
                state,
                dict(item.get("fields", {})),
                parent,
                context,
                created,
                steps,
                item.get("id"),
            )
            if record.timeline is not None and created <= now:
                record.timeline.observe(now)

    # --- views ----------------------------------------------------------------------------------------------
    def _runs(self, state: DeclaredState, now: float) -> list[tuple[Any, Any]]:
        out = []
        for name, spec in self.declaration.resources.items():
            if spec.run is None:
                continue
            for record in state.store(name).newest_first():
                assert record.timeline is not None
                if record.created_at > now:  # sample data that appears later
                    continue
                record.timeline.observe(now)
                out.append((spec, record))
        return out

    def retain(self, state: Any, session: Session) -> None:
        """At most `max_runs` records of each resource that runs, the oldest ended first."""
        now = session.now()

        def ended(record: Record) -> bool:
            if record.created_at > now or record.timeline is None:
                return False
            record.timeline.observe(now)
            return record.timeline.finished

        for spec in self.declaration.resources.values():
            store = state.stores.get(spec.name) if spec.run is not None else None
            if store is not None:
                retain(store, now, session.max_runs, ended)

    def count_runs(self, state: Any, session: Session) -> Mapping[str, int]:
        return Counter(record.timeline.state for _, record in self._runs(state, session.now()))

    def run_views(self, state: Any, session: Session) -> list[RunView]:
        now = session.now()
        renderer = Renderer(self.declaration)
        views = []
        for spec, record in self._runs(state, now):
            run = spec.run
            timeline = record.timeline
            label = str(record.id)
            context = renderer.context(record, state, now, {}) if run.label or run.shown else {}
            if run.label is not None:
                label = str(run.label(context))
            shown = str(run.shown(context)) if run.shown is not None else timeline.state
            phase = run.phases.get(shown) or run.phases.get(timeline.state, "other")
            history: list[tuple[str, float]] = []
            for moved, at in timeline.history:  # a plan may repeat a state: one segment per state
                if not history or history[-1][0] != moved:
                    history.append((moved, at))
            if history and shown != timeline.state:
                history[-1] = (shown, history[-1][1])
            views.append(
                RunView(
                    api=self.name,
                    id=record.key,
                    name=label,
                    state=shown,
                    phase=phase if phase in PHASES else "other",
                    history=tuple(history),
                    started_at=timeline.started_at,
                    ended_at=timeline.ended_at(),
                    detail=timeline.step.message or spec.name,
                )
            )
        views.sort(key=lambda view: view.started_at, reverse=True)
        return views

    # --- checks ---------------------------------------------------------------------------------------------
    def check_step(self, kind: str, step: Step) -> str | None:
        """A scenario's plan step against the lifecycle's declared `results` and `attrs` of its state."""
        run = next(
            (spec.run for spec in self.declaration.resources.values() if spec.run and spec.run.kind == kind), None
        )
        if run is None:
            return None
        if run.results is not None and step.result is not None:
            allowed = run.results.get(step.state)
            if allowed is None:
                return f"a {step.state} step carries no result ({step.result!r})"
            if step.result not in allowed:
                return f"a {step.state} step has result {' or '.join(sorted(allowed))}, not {step.result!r}"
        for key in (step.state, "*"):
            schema = run.attrs.get(key)
            if schema is not None and not surely_valid(schema, dict(step.attrs)):
                error = next(iter(schema_errors(schema, dict(step.attrs))), None)
                if error is not None:
                    where = ".".join(str(part) for part in error.absolute_path)
                    return f"attrs{'.' + where if where else ''}: {error.message}"
        return None

    # --- auth -----------------------------------------------------------------------------------------------
    def accepts_token(self, headers: Headers, tokens: frozenset[str]) -> bool:
        if not tokens:
            return True
        declaration = self.declaration
        scheme, _, token = headers.get(declaration.auth_header or "authorization", "").partition(" ")
        return scheme.lower() in (declaration.auth_schemes or {"bearer"}) and token.strip() in tokens

    def authenticate(self, headers: Headers, state: Any) -> Any:
        """The declared credential header and scheme, checked before the request is read (as the vendors do);
        with `auth.users`, the caller is the scenario's user the credentials name."""
        declaration = self.declaration
        if declaration.users is not None:
            return credentials.authenticate(declaration.users, headers, state.users, declaration.auth_help)
        check_credentials(declaration, headers)
        return None

    # --- errors ---------------------------------------------------------------------------------------------
    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        declaration = self.declaration
        group = _ERROR_GROUP.get(error.kind, "default")
        spec = declaration.errors.get(group) or declaration.errors.get("default")
        status = error.status
        headers = error.headers
        if declaration.deprecated_headers and _deprecated(declaration, operation, error.path):
            headers = {**deprecation_headers(declaration, "", None), **(headers or {})}
        if spec is None:
            return Reply(status, {"message": error.message}, headers)
        if spec.status is not None and group == "invalid":
            status = spec.status  # e.g. a vendor that answers every invalid request with 422
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        at = error.at if error.at is not None else time.time()
        context = {
            "error": {
                "status": status,
                "phrase": phrase,
                "message": error.message,
                "field": error.field,
                "code": error.code,
                "help": getattr(error, "help", None),
                "kind": error.kind,
                "path": error.path,
                "location": _location(operation, error.field),
                "at": format_time(at, declaration.time_style),
            },
            "time": {"now": at},
        }
        if spec.headers:
            headers = {**{name: str(value(context)) for name, value in spec.headers.items()}, **(headers or {})}
        return Reply(status, spec.body(context), headers)


def _deprecated(declaration: Declaration, operation: Operation | None, path: str | None) -> bool:
    """Whether an error answers a deprecated operation (a fault's error names only the request path)."""
    if operation is not None:
        return operation.deprecated
    return path is not None and any(pattern.match(path) for pattern in declaration.deprecated_paths)


def _location(operation: Operation | None, field: str | None) -> str | None:
    """Where the field an error names was sent: query, path, header or body (None when no field is named)."""
    if field is None:
        return None
    if operation is not None:
        root = field.split(".")[0].split("[")[0]
        if any(param.name == root for param in operation.query_params):
            return "query"
        if any(param.name == root for param in operation.path_params):
            return "path"
    return "body"


def data_schema(declaration: Declaration) -> dict[str, Any]:
    """The `data` section a scenario of this API may have: sample items per resource."""
    item = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "id": {"type": ["string", "integer"]},
            "parent": {"type": ["string", "integer"]},
            "plan": {"type": "string"},
            "ago": DURATION_SCHEMA,
            "fields": {"type": "object"},
        },
    }
    properties: dict[str, Any] = {name: {"type": "array", "items": item} for name in declaration.resources}
    for key, data in declaration.data.items():
        flat = dict(data.item or {"type": "object"})
        flat["properties"] = {
            "id": {"type": ["string", "integer"]},
            "plan": {"type": "string"},
            "ago": DURATION_SCHEMA,
            "appears_after": DURATION_SCHEMA,
            **flat.get("properties", {}),
        }
        properties[key] = {"type": "array", "items": flat}
    if declaration.users is not None:
        properties[declaration.users.data_key] = credentials.users_schema()
    return {"type": "object", "additionalProperties": False, "properties": properties}


def check_credentials(declaration: Declaration, headers: Headers) -> None:
    """Refuse (401) a request without credentials in the declared header and scheme; any token is taken (the
    `--auth-token` option narrows that), as a simulator cannot know the vendor's users."""
    if declaration.auth_header is None:
        return
    scheme, _, token = headers.get(declaration.auth_header, "").partition(" ")
    if scheme.lower() not in declaration.auth_schemes or not token.strip():
        challenge = {"WWW-Authenticate": declaration.auth_challenge} if declaration.auth_challenge else None
        raise ApiError(401, declaration.auth_message, kind=ErrorKind.UNAUTHORIZED, headers=challenge)


def vendor_class(declaration: Declaration, scenario_dir: Path | None = None) -> type[DeclaredVendor]:
    table = HandlerTable()
    for operation_id, handler in build_handlers(declaration).items():
        table.operation(operation_id)(handler)
    runs = [spec.run for spec in declaration.resources.values() if spec.run is not None]
    attributes = {
        "name": declaration.name,
        "title": declaration.title,
        "spec_files": tuple(str(path) for path in declaration.documents),
        "lifecycles": {run.kind: run.lifecycle for run in runs},
        "phases": {state: phase for run in runs for state, phase in run.phases.items() if phase in PHASES},
        "match_keys": frozenset().union(*(run.match_keys for run in runs)) if runs else frozenset({"name", "id"}),
        "data_schema": data_schema(declaration),
        "handlers": table,
        "declaration": declaration,
        "scenario_dir": scenario_dir,
        "parser_rules": declaration.parser_rules,
        "public_operations": frozenset(op_id for op_id, op in declaration.operations.items() if op.public),
    }
    return type(f"Declared[{declaration.name}]", (DeclaredVendor,), attributes)


def load_folder(folder: Path, scenario_dir: Path | None = None, *, bundled: bool = False) -> type[DeclaredVendor]:
    """The vendor class of the declared API in `folder`; its scenarios are in `scenario_dir` (default:
    `folder/scenarios`). `bundled`: one of jobsim's own (see `load_declaration`)."""
    folder = folder.resolve()
    declaration = load_declaration(folder, bundled=bundled)
    if scenario_dir is None and (folder / "scenarios").is_dir():
        scenario_dir = folder / "scenarios"
    return vendor_class(declaration, scenario_dir)


def discover_declared(root: Path | None, *, bundled: bool = False) -> list[type[DeclaredVendor]]:
    """Every declared API under `root` (one folder each, with an api.yaml); `bundled`: jobsim's own."""
    if root is None or not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if (p / "api.yaml").is_file()):
        found.append(load_folder(folder, bundled=bundled))
    return found


__all__ = ["ApiDeclarationError", "DeclaredVendor", "discover_declared", "load_folder", "vendor_class"]
