"""Read an `api.yaml`: check it against its JSON Schema and its OpenAPI document, compile it, with file and line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from simulator.contract.document import SpecError, load_document
from simulator.contract.leniency import PRESETS, ParserRules
from simulator.declared.format import API_SCHEMA
from simulator.declared.template import Compiled, TemplateError, compile_template
from simulator.engine.lifecycle import Lifecycle, Step
from simulator.engine.safe_yaml import Lines, YamlError, line_of, load_yaml
from simulator.engine.scenario import first_error, parse_duration, schema_problem, surely_valid

# Actions and what they need besides `resource`.
_NEEDS_ID = frozenset({"get", "update", "set-state", "cancel", "delete"})


class ApiDeclarationError(YamlError):
    """An api.yaml that cannot be served; str() gives `file:line: reason`."""


# The compiled declaration is made of named tuples: immutable records like frozen dataclasses, but made at import in
# a tenth of the time (twelve frozen dataclasses were 8 ms of every start).


class IdSpec(NamedTuple):
    style: str
    field: str
    start: int
    prefix: str
    template: Compiled | None
    given: Compiled | None
    integer: bool


class CancelStep(NamedTuple):
    """A step of a cancel path, read when the cancel happens: `seconds` and `attrs` may be templates of the run."""

    step: Step
    seconds: Compiled | None = None
    attrs: Compiled | None = None


class Carry(NamedTuple):
    """A value carried from step to step of a plan: `step` gives its value at the end of each step."""

    name: str
    start: Any
    step: Compiled


class RunSpec(NamedTuple):
    """A resource's lifecycle: the engine's Lifecycle plus what the vendor calls things and how runs start."""

    lifecycle: Lifecycle
    kind: str
    plan: tuple[Step, ...]
    failure: tuple[Step, ...]
    phases: Mapping[str, str]
    started: frozenset[str]
    match_keys: frozenset[str]
    label: Compiled | None
    cancel_from: Mapping[str, tuple[CancelStep, ...]]
    cancel: tuple[CancelStep, ...]
    carry: tuple[Carry, ...]
    values: tuple[tuple[str, Compiled], ...]
    shown: Compiled | None
    results: Mapping[str, frozenset[str]] | None
    attrs: Mapping[str, Any]  # state or "*" -> the draft-7 schema of a plan step's attrs


class ResourceSpec(NamedTuple):
    name: str
    id: IdSpec
    parent: str | None
    parent_field: str | None
    defaults: tuple[tuple[str, Compiled], ...]
    run: RunSpec | None
    not_found: Compiled
    conflict: Compiled
    not_found_code: str | None


class FilterSpec(NamedTuple):
    path: tuple[str, ...]
    value: Compiled
    op: str | None
    op_of: Compiled | None  # the op chosen by the request (e.g. a match mode parameter)
    any: Any
    values: Mapping[str, Any] | None


class GuardSpec(NamedTuple):
    """A condition an action needs (a template, true to go on), else an error of `kind` with `message`."""

    test: Compiled
    kind: str
    message: Compiled
    code: str | None
    help: str | None


class OperationSpec(NamedTuple):
    operation_id: str
    action: str
    resource: str | None
    id: Compiled | None
    parent: Compiled | None
    parent_any: Any
    inputs: tuple[tuple[str, Compiled], ...]
    state: Compiled | None
    settable: frozenset[str] | None
    when_terminal: str
    conflict: Compiled | None
    filters: tuple[FilterSpec, ...]
    skip: Compiled | None
    order_by: Compiled | None
    order_default: str | None
    order_keys: Mapping[str, tuple[str, ...]]
    nulls_last: bool
    paging: Mapping[str, Any]
    paging_inputs: Mapping[str, Compiled]
    status: int
    body: Compiled | None
    headers: Mapping[str, Compiled]
    public: bool
    view: str | None  # another render of the resource for this operation (a second API surface's words)
    empty: bool  # `body: null`: the answer has no body
    deprecated: bool  # the document marks the operation deprecated
    guards: tuple[GuardSpec, ...]


class ErrorSpec(NamedTuple):
    status: int | None
    body: Compiled
    headers: Mapping[str, Compiled]


class UsersSpec(NamedTuple):
    """Callers are the users a scenario declares (`data.<key>`), by HTTP Basic or bearer token."""

    data_key: str
    namespace: str
    default: str
    admin: str


class DataSpec(NamedTuple):
    """A scenario `data` key whose items (written flat) fill one resource."""

    key: str
    resource: str
    item: Mapping[str, Any] | None
    fields: tuple[tuple[str, Compiled], ...]


class Declaration(NamedTuple):
    name: str
    title: str
    folder: Path
    source: str
    documents: tuple[Path, ...]
    time_style: str
    auth_header: str | None
    auth_schemes: frozenset[str]
    auth_message: str
    auth_challenge: str | None
    auth_help: str | None
    users: UsersSpec | None
    data: Mapping[str, DataSpec]
    deprecated_headers: Mapping[str, Compiled]
    deprecated_paths: tuple[re.Pattern[str], ...]  # of operations the documents mark deprecated (for fault errors)
    resources: Mapping[str, ResourceSpec]
    operations: Mapping[str, OperationSpec]
    renders: Mapping[str, Compiled]
    item_envelope: Compiled | None
    list_envelope: Compiled | None
    errors: Mapping[str, ErrorSpec]
    parser_rules: ParserRules
    roots: frozenset[str]  # the first names of every path the templates read (e.g. history): what a render needs


def load_declaration(folder: Path, *, bundled: bool = False) -> Declaration:
    """The declared API in `folder` (its api.yaml and the OpenAPI document it names). A `bundled` API (tested whole)
    is not checked against the declaration schema here, and its documents compile their operations and schemas on
    first use; any other's is checked and compiles whole here, so a schema the validator cannot compile fails at
    start."""
    path = folder / "api.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ApiDeclarationError(str(path), None, f"cannot read: {exc.strerror or exc}") from None
    return parse_declaration(text, str(path), folder, bundled=bundled)


def parse_declaration(text: str, source: str, folder: Path, *, bundled: bool = False) -> Declaration:
    try:
        data, lines = load_yaml(text, source)
    except YamlError as exc:
        raise ApiDeclarationError(source, exc.line, exc.reason) from None
    if not isinstance(data, dict):
        raise ApiDeclarationError(source, 1, "an api.yaml is a mapping (jobsim, name, resources, operations, ...)")
    # A bundled declaration is checked by the tests, as its templates are compiled there; any other here.
    error = None if bundled or surely_valid(API_SCHEMA, data) else first_error(API_SCHEMA, data)
    if error is not None:
        where = tuple(error.absolute_path)
        raise ApiDeclarationError(source, line_of(lines, where), f"{_dotted(where)}: {error.message}")
    return _Compiler(data, lines, source, folder, bundled).declaration()


def _deferred(raw: Any, time_style: str, where: tuple[Any, ...]) -> Compiled:
    """A template compiled the first time it renders, then called directly."""
    compiled: Compiled | None = None

    def render(context: Any) -> Any:
        nonlocal compiled
        if compiled is None:
            compiled = compile_template(raw, time_style, where)
        return compiled(context)

    return render


class _Compiler:
    def __init__(self, data: dict[str, Any], lines: Lines, source: str, folder: Path, bundled: bool) -> None:
        self.data, self.lines, self.source, self.folder, self.bundled = data, lines, source, folder, bundled
        self.time_style = str(data.get("timestamps", "iso"))

    def fail(self, where: tuple[Any, ...], reason: str) -> ApiDeclarationError:
        return ApiDeclarationError(self.source, line_of(self.lines, where), f"{_dotted(where)}: {reason}")

    def template(self, raw: Any, where: tuple[Any, ...]) -> Compiled:
        if self.bundled:
            # jobsim's own declarations are tested whole (tests/declared/test_bundled_declarations.py compiles every
            # template): theirs compile on first render, off the path to the first answer.
            return _deferred(raw, self.time_style, where)
        try:
            return compile_template(raw, self.time_style, where)
        except TemplateError as exc:
            raise ApiDeclarationError(
                self.source, line_of(self.lines, exc.path), f"{_dotted(exc.path)}: {exc.reason}"
            ) from None

    def declaration(self) -> Declaration:
        data = self.data
        named = data.get("document", "openapi.yaml")
        rules = _parser_rules(data.get("parser", "strict"))
        paths = [self.folder / str(name) for name in ([named] if isinstance(named, str) else named)]
        known_ids: set[str] = set()
        self.deprecated: set[str] = set()
        self.deprecated_paths: list[re.Pattern[str]] = []
        titles = []
        for index, document_path in enumerate(paths):
            try:
                # The server loads the same document with the same rules (one compile, shared).
                document = load_document(
                    document_path, data["name"], check=not self.bundled, rules=rules, lazy=self.bundled
                )
            except (SpecError, OSError) as exc:
                where = ("document",) if isinstance(named, str) else ("document", index)
                raise self.fail(where, f"cannot load the OpenAPI document {document_path.name}: {exc}") from None
            known_ids |= {op.operation_id for op in document.operations}
            self.deprecated |= {op.operation_id for op in document.operations if op.deprecated}
            self.deprecated_paths += [
                re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(op.path)) + "/?$")
                for op in document.operations
                if op.deprecated
            ]
            titles.append(document.title)
        resources = {name: self.resource(name, raw) for name, raw in data["resources"].items()}
        for name, spec in resources.items():
            if spec.parent is not None and spec.parent not in resources:
                raise self.fail(("resources", name, "parent", "resource"), f"no resource {spec.parent!r}")
        operations = {}
        for operation_id, raw in data["operations"].items():
            where = ("operations", operation_id)
            if operation_id not in known_ids:
                raise self.fail(where, f"the OpenAPI document has no operationId {operation_id!r}")
            operations[operation_id] = self.operation(operation_id, raw, resources, where)
        renders = {name: self.template(raw, ("render", name)) for name, raw in data.get("render", {}).items()}
        views = {op.view for op in operations.values() if op.view is not None}
        for name in renders:
            if name not in resources and name not in views:
                raise self.fail(("render", name), f"no resource or operation `view` named {name!r} to render")
        for operation_id, op in operations.items():
            if op.view is not None and op.view not in renders:
                raise self.fail(("operations", operation_id, "view"), f"no render named {op.view!r}")
        envelope = data.get("envelope", {})
        for operation_id, op in operations.items():
            if op.action == "list" and op.body is None and "list" not in envelope:
                raise self.fail(("operations", operation_id), "a list needs a `body` (or an `envelope.list`)")
        auth = data.get("auth", {})
        errors = {
            kind: ErrorSpec(
                raw.get("status"),
                self.template(raw.get("body", "$error.message"), ("errors", kind)),
                self.headers(raw.get("headers", {}), ("errors", kind, "headers")),
            )
            for kind, raw in data.get("errors", {}).items()
        }
        users_raw = auth.get("users") if auth else None
        users = (
            UsersSpec(
                data_key=str(users_raw.get("data", "users")),
                namespace=str(users_raw.get("namespace", "https://jobsim.dev/names")),  # as $uuid5
                default=str(users_raw.get("default", "admin")),
                admin=str(users_raw.get("admin", users_raw.get("default", "admin"))),
            )
            if users_raw is not None
            else None
        )
        data_specs = {}
        for key, raw in data.get("data", {}).items():
            if raw["resource"] not in resources:
                raise self.fail(("data", key, "resource"), f"no resource {raw['resource']!r}")
            if users is not None and key == users.data_key:
                raise self.fail(("data", key), f"{key!r} holds the users (auth.users)")
            data_specs[key] = DataSpec(
                key=key,
                resource=raw["resource"],
                item=raw.get("item"),
                fields=tuple(
                    (name, self.template(value, ("data", key, "fields", name)))
                    for name, value in raw.get("fields", {}).items()
                ),
            )
        return Declaration(
            name=data["name"],
            title=str(data.get("title") or titles[0]),
            folder=self.folder,
            source=self.source,
            documents=tuple(paths),
            time_style=self.time_style,
            auth_header=auth.get("header", "authorization").lower() if auth else None,
            auth_schemes=frozenset(s.lower() for s in auth.get("schemes", ["Bearer"])),
            auth_message=str(auth.get("message", "Credentials are missing or not valid.")),
            auth_challenge=auth.get("challenge"),
            auth_help=auth.get("help"),
            users=users,
            data=MappingProxyType(data_specs),
            deprecated_paths=tuple(self.deprecated_paths),
            deprecated_headers=MappingProxyType(
                self.headers(data.get("deprecated", {}).get("headers", {}), ("deprecated", "headers"))
            ),
            resources=MappingProxyType(resources),
            operations=MappingProxyType(operations),
            renders=MappingProxyType(renders),
            item_envelope=self.template(envelope["item"], ("envelope", "item")) if "item" in envelope else None,
            list_envelope=self.template(envelope["list"], ("envelope", "list")) if "list" in envelope else None,
            errors=MappingProxyType(errors),
            parser_rules=rules,
            roots=frozenset(_roots(data)),
        )

    def attrs_checks(self, raw: Mapping[str, Any], where: tuple[Any, ...], states: frozenset[str]) -> dict[str, Any]:
        out = {}
        for state, schema in raw.items():
            if state != "*" and state not in states:
                raise self.fail((*where, state), f"unknown state {state!r}")
            problem = schema_problem(schema)
            if problem is not None:
                raise self.fail((*where, state), f"not a JSON Schema: {problem}")
            out[state] = MappingProxyType(dict(schema))
        return out

    def headers(self, raw: Mapping[str, Any], where: tuple[Any, ...]) -> dict[str, Compiled]:
        return {name: self.template(value, (*where, name)) for name, value in raw.items()}

    def cancel_steps(
        self, raw: list[dict[str, Any]], where: tuple[Any, ...], states: frozenset[str]
    ) -> tuple[CancelStep, ...]:
        """Cancel steps: a `for` or `attrs` with templates is read when the cancel happens."""
        plain, templates = [], []
        for index, item in enumerate(raw):
            timed = item.get("for")
            templated_for = isinstance(timed, dict) or (isinstance(timed, str) and timed.startswith("$"))
            attrs = item.get("attrs", {})
            templated_attrs = "$" in repr(attrs)
            if timed is not None and not templated_for and timed != "never":
                try:
                    parse_duration(timed)
                except (TypeError, ValueError) as exc:
                    raise self.fail((*where, index, "for"), str(exc)) from None
            plain.append(
                {
                    k: v
                    for k, v in item.items()
                    if not (k == "for" and (templated_for or timed == "never"))
                    and not (k == "attrs" and templated_attrs)
                }
            )
            templates.append(
                (
                    self.template(timed, (*where, index, "for")) if templated_for else None,
                    self.template(attrs, (*where, index, "attrs")) if templated_attrs else None,
                )
            )
        steps = self.steps(plain, where, states)
        return tuple(CancelStep(step, *compiled) for step, compiled in zip(steps, templates, strict=True))

    def resource(self, name: str, raw: dict[str, Any]) -> ResourceSpec:
        where = ("resources", name)
        id_raw = raw.get("id", {"style": "sequence"})
        style = id_raw["style"]
        if style == "template" and "template" not in id_raw:
            raise self.fail((*where, "id"), "an id of style template needs `template`")
        if style == "given" and "from" not in id_raw:
            raise self.fail((*where, "id"), "an id of style given needs `from` (where the client gives it)")
        integer = id_raw.get("type", "integer" if style == "sequence" else "string") == "integer"
        id_spec = IdSpec(
            style=style,
            field=str(id_raw.get("field", "id")),
            start=int(id_raw.get("start", 1)),
            prefix=str(id_raw.get("prefix", "")),
            template=self.template(id_raw["template"], (*where, "id", "template")) if "template" in id_raw else None,
            given=self.template(id_raw["from"], (*where, "id", "from")) if "from" in id_raw else None,
            integer=integer,
        )
        parent = raw.get("parent")
        defaults = tuple(
            (field, self.template(value, (*where, "fields", field))) for field, value in raw.get("fields", {}).items()
        )
        run = self.run(name, raw["lifecycle"], (*where, "lifecycle")) if "lifecycle" in raw else None
        return ResourceSpec(
            name=name,
            id=id_spec,
            parent=parent["resource"] if parent else None,
            parent_field=parent.get("field", f"{parent['resource']}_id") if parent else None,
            defaults=defaults,
            run=run,
            not_found=self.template(raw.get("not_found", f"{name} ${{id}} not found"), (*where, "not_found")),
            conflict=self.template(raw.get("conflict", f"{name} ${{id}} already exists"), (*where, "conflict")),
            not_found_code=raw.get("not_found_code"),
        )

    def steps(self, raw: list[dict[str, Any]], where: tuple[Any, ...], states: frozenset[str]) -> tuple[Step, ...]:
        out = []
        for index, item in enumerate(raw):
            if item["state"] not in states:
                raise self.fail((*where, index, "state"), f"unknown state {item['state']!r}")
            out.append(
                Step(
                    state=item["state"],
                    seconds=parse_duration(item["for"]) if "for" in item else None,
                    reads=item.get("reads"),
                    result=item.get("result"),
                    message=item.get("message"),
                    attrs=MappingProxyType(dict(item.get("attrs", {}))),
                )
            )
        return tuple(out)

    def run(self, resource: str, raw: dict[str, Any], where: tuple[Any, ...]) -> RunSpec:
        ordered = list(raw["states"])
        states = frozenset(ordered)
        for key in ("initial", "terminal", "started"):
            for index, state in enumerate(raw.get(key, [])):
                if state not in states:
                    raise self.fail((*where, key, index), f"unknown state {state!r}")
        terminal = frozenset(raw["terminal"])
        moves_raw = raw.get("moves")
        if moves_raw is None:
            moves = {s: frozenset(states - {s}) for s in ordered if s not in terminal}
        else:
            moves = {}
            for source_state, targets in moves_raw.items():
                if source_state not in states:
                    raise self.fail((*where, "moves", source_state), f"unknown state {source_state!r}")
                for target in targets:
                    if target not in states:
                        raise self.fail((*where, "moves", source_state), f"unknown state {target!r}")
                moves[source_state] = frozenset(targets)
        phases = dict(raw.get("phases", {}))
        for state in phases:
            if state.split("/")[0] not in states:  # STATE/RESULT: the phase of a state with that result
                raise self.fail((*where, "phases", state), f"unknown state {state!r}")
        plan = self.steps(raw["plan"], (*where, "plan"), states)
        cancel_raw = raw.get("cancel", [{"state": sorted(terminal)[0]}])
        cancel_steps = self.cancel_steps(cancel_raw, (*where, "cancel"), states)
        cancel = tuple(item.step for item in cancel_steps)
        failure = self.steps(raw.get("failure", []), (*where, "failure"), states) if "failure" in raw else ()
        for state in raw.get("cancel_from", {}):
            if state not in states:
                raise self.fail((*where, "cancel_from", state), f"unknown state {state!r}")
        lifecycle = Lifecycle(
            name=str(raw.get("kind", resource)),
            states=states,
            initial=frozenset(raw.get("initial", [ordered[0]])),
            terminal=terminal,
            moves=MappingProxyType(moves),
            cancel_path=cancel,
        )
        problems = lifecycle.problems(plan)
        if problems:
            raise self.fail((*where, "plan"), "; ".join(problems))
        return RunSpec(
            lifecycle=lifecycle,
            kind=lifecycle.name,
            plan=plan,
            failure=failure,
            phases=MappingProxyType(phases),
            started=frozenset(raw.get("started", [s for s in ordered if phases.get(s) == "running"])),
            match_keys=frozenset({"name", "id", *raw.get("match", [])}),
            label=self.template(raw["label"], (*where, "label")) if "label" in raw else None,
            cancel=cancel_steps,
            carry=tuple(
                Carry(name, item.get("start", 0), self.template(item["step"], (*where, "carry", name, "step")))
                for name, item in raw.get("carry", {}).items()
            ),
            values=tuple(
                (name, self.template(value, (*where, "values", name))) for name, value in raw.get("values", {}).items()
            ),
            shown=self.template(raw["shown"], (*where, "shown")) if "shown" in raw else None,
            results=MappingProxyType({k: frozenset(v) for k, v in raw["results"].items()})
            if "results" in raw
            else None,
            attrs=MappingProxyType(self.attrs_checks(raw.get("attrs", {}), (*where, "attrs"), states)),
            cancel_from=MappingProxyType(
                {
                    state: self.cancel_steps(steps, (*where, "cancel_from", state), states)
                    for state, steps in raw.get("cancel_from", {}).items()
                }
            ),
        )

    def operation(
        self, operation_id: str, raw: dict[str, Any], resources: Mapping[str, ResourceSpec], where: tuple[Any, ...]
    ) -> OperationSpec:
        action = raw["action"]
        resource_name = raw.get("resource")
        resource = resources.get(resource_name) if resource_name else None
        if action != "respond":
            if resource is None:
                raise self.fail((*where, "resource"), f"{action} needs a known `resource` ({', '.join(resources)})")
            if action in _NEEDS_ID and "id" not in raw:
                raise self.fail(where, f"{action} needs `id`: where the request names the {resource_name}")
            if action in ("set-state", "cancel") and resource.run is None:
                raise self.fail((*where, "resource"), f"{action} needs a resource with a lifecycle")
            if action == "set-state" and "state" not in raw:
                raise self.fail(where, "set-state needs `state`: where the request gives the target state")
            if action == "trigger" and (resource.parent is None or "parent" not in raw):
                raise self.fail(
                    where, "trigger needs a resource with a parent and `parent`: where the request names it"
                )
        elif "body" not in raw:
            raise self.fail(where, "respond needs a `body`")
        settable = raw.get("settable")
        if settable is not None and resource is not None and resource.run is not None:
            for index, state in enumerate(settable):
                if state not in resource.run.lifecycle.states:
                    raise self.fail((*where, "settable", index), f"unknown state {state!r}")
        order = raw.get("order", {})
        keys = {key: tuple(value.split(".")) for key, value in order.get("keys", {}).items()}
        if "default" in order and order["default"].lstrip("-") not in keys:
            raise self.fail((*where, "order", "default"), f"not one of the order keys ({', '.join(keys)})")
        paging = dict(raw.get("paging", {"style": "none"}))
        paging_inputs = {
            key: self.template(paging[key], (*where, "paging", key))
            for key in ("offset", "page", "token", "limit")
            if key in paging
        }

        def maybe(key: str) -> Compiled | None:
            return self.template(raw[key], (*where, key)) if key in raw else None

        default_status = 204 if action == "delete" else 200
        return OperationSpec(
            operation_id=operation_id,
            action=action,
            resource=resource_name,
            id=maybe("id"),
            parent=maybe("parent"),
            parent_any=raw.get("parent_any"),
            inputs=tuple(
                (field, self.template(value, (*where, "input", field))) for field, value in raw.get("input", {}).items()
            ),
            state=maybe("state"),
            settable=frozenset(settable) if settable is not None else None,
            when_terminal=str(raw.get("when_terminal", "ignore")),
            conflict=maybe("conflict"),
            filters=tuple(
                FilterSpec(
                    path=tuple(item["field"].split(".")),
                    value=self.template(item["value"], (*where, "filter", index, "value")),
                    op=item.get("op") if isinstance(item.get("op"), str) and not item["op"].startswith("$") else None,
                    op_of=self.template(item["op"], (*where, "filter", index, "op"))
                    if "op" in item and not (isinstance(item["op"], str) and not item["op"].startswith("$"))
                    else None,
                    any=item.get("any"),
                    values=MappingProxyType({str(k): v for k, v in item["values"].items()})
                    if "values" in item
                    else None,
                )
                for index, item in enumerate(raw.get("filter", []))
            ),
            order_by=self.template(order["by"], (*where, "order", "by")) if "by" in order else None,
            order_default=order.get("default"),
            nulls_last=order.get("nulls") == "last",
            skip=maybe("skip"),
            order_keys=MappingProxyType(keys),
            paging=MappingProxyType(paging),
            paging_inputs=MappingProxyType(paging_inputs),
            status=int(raw.get("status", default_status)),
            body=maybe("body"),
            headers=MappingProxyType(
                {
                    name: self.template(value, (*where, "headers", name))
                    for name, value in raw.get("headers", {}).items()
                }
            ),
            public=bool(raw.get("public", False)),
            empty="body" in raw and raw["body"] is None,
            deprecated=operation_id in self.deprecated,
            view=raw.get("view"),
            guards=tuple(
                GuardSpec(
                    test=self.template(item["test"], (*where, "require", index, "test")),
                    kind=str(item.get("kind", "conflict")),
                    code=item.get("code"),
                    help=item.get("help"),
                    message=self.template(
                        item.get("message", "the request cannot be carried out"), (*where, "require", index, "message")
                    ),
                )
                for index, item in enumerate(raw.get("require", []))
            ),
        )


_ROOT = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _roots(node: Any) -> set[str]:
    if isinstance(node, str):
        return set(_ROOT.findall(node))
    if isinstance(node, dict):
        return set().union(*(_roots(value) for value in node.values()), *(_roots(key) for key in node))
    if isinstance(node, list):
        return set().union(*(_roots(item) for item in node))
    return set()


def _parser_rules(raw: str | Mapping[str, bool]) -> ParserRules:
    """The contract layer's rules for this API: a named preset, or the flags of ParserRules one by one."""
    if isinstance(raw, str):
        return PRESETS[raw]
    return ParserRules(**raw)


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"
