"""Generic handlers of a declared API, one per action; each is built once from the operation's declaration."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from simulator.declared import keyset
from simulator.declared.loader import CancelStep, Declaration, OperationSpec, ResourceSpec, RunSpec
from simulator.declared.model import DeclaredState, Record
from simulator.declared.template import format_time, lookup, truthy
from simulator.engine.lifecycle import Step, Timeline
from simulator.engine.scenario import parse_duration
from simulator.engine.session import Session
from simulator.exchange import NO_BODY, ApiError, Call, ErrorKind, Handler, Reply

# The id of the item the running handler found (per request): a deprecated operation's hints name it, errors too.
_FOUND: ContextVar[Any] = ContextVar("declared_found", default=None)


def request_context(call: Call) -> dict[str, Any]:
    now = call.now
    base_url = call.base_url
    return {
        "request": {
            "path": call.path,
            "query": call.query,
            "body": None if call.body is NO_BODY else call.body,
            "headers": call.headers,
            "base_path": base_path(base_url),
        },
        "time": {"now": now},
        "base_url": base_url,
        "caller": call.caller,
    }


def base_path(base_url: str) -> str:
    """The path part of the base URL (a session prefix such as /s/name), without a trailing slash."""
    start = base_url.find("//")
    slash = base_url.find("/", start + 2 if start >= 0 else 0)
    return base_url[slash:].rstrip("/") if slash >= 0 else ""


class Renderer:
    """Turns records into the context templates read, and into response objects."""

    def __init__(self, declaration: Declaration) -> None:
        self.declaration = declaration
        # Only a declaration that shows a run's history pays for building it at every render.
        self.uses_history = "history" in declaration.roots

    def context(self, record: Record, state: DeclaredState, now: float, base: Mapping[str, Any]) -> dict[str, Any]:
        spec = self.declaration.resources[record.resource]
        parent: dict[str, Any] | None = None
        if spec.parent is not None and record.parent is not None:
            found = state.store(spec.parent).get(record.parent)
            parent = {"id": record.parent, **found.fields} if found is not None else {"id": record.parent}
        context: dict[str, Any] = {**base, "id": record.id, "fields": record.fields, "parent": parent}
        timeline = record.timeline
        times: dict[str, Any] = {"now": now, "created": record.created_at, "updated": record.updated_at}
        if timeline is not None and spec.run is not None:
            run = spec.run
            step = timeline.step
            started = next((at for name, at in timeline.history if name in run.started), None)
            ended = timeline.ended_at()
            first: dict[str, float] = {}
            for name, at in timeline.history:
                first.setdefault(name, at)
            times.update(started=started, ended=ended, entered=timeline.entered_at, first=first)
            times["updated"] = max(record.updated_at, timeline.entered_at)
            message = step.message
            phase = run.phases.get(step.state, "other")
            if message is None and run.failure:
                message = next((s.message for s in run.failure if s.state == step.state), None)
            until = ended if ended is not None else now
            elapsed = max(now - timeline.entered_at, 0.0)
            context["step"] = {
                "elapsed": elapsed,
                "seconds": step.seconds,
                "fraction": min(elapsed / step.seconds, 1.0) if step.seconds else None,
            }
            context.update(
                state=step.state,
                phase=phase,
                message=message,
                result=step.result,
                attrs=step.attrs,
                history=[
                    {"state": name, "at": format_time(at, self.declaration.time_style)} for name, at in timeline.history
                ],
                duration={
                    "run": None if started is None else until - started,
                    "final": None if started is None or ended is None else ended - started,
                    "queued": (started if started is not None else until) - record.created_at,
                    "total": until - record.created_at,
                },
            )
            context["time"] = times
            if run.values:
                values: dict[str, Any] = {}
                context["values"] = values
                for name, value in run.values:
                    values[name] = value(context)
            return context
        context["time"] = times
        return context

    def item(self, record: Record, context: Mapping[str, Any], view: str | None = None) -> Any:
        template = self.declaration.renders.get(view or record.resource)
        if template is not None:
            return template(context)
        spec = self.declaration.resources[record.resource]
        out = {**record.fields, spec.id.field: record.id}
        if "state" in context:
            out["state"] = context["state"]
        return out


class _History(list[dict[str, Any]]):
    """A run's moves as the templates see them: [{state, at}], oldest first."""

    def __init__(self, history: Iterable[tuple[str, float]], style: str) -> None:
        super().__init__({"state": name, "at": format_time(at, style)} for name, at in history)


def not_found(spec: ResourceSpec, context: Mapping[str, Any], item_id: Any) -> ApiError:
    message = str(spec.not_found({**context, "id": item_id}))
    return ApiError(404, message, kind=ErrorKind.NOT_FOUND, code=spec.not_found_code)


def build_handlers(declaration: Declaration) -> dict[str, Handler]:
    renderer = Renderer(declaration)
    builders: dict[str, Callable[[Declaration, OperationSpec, Renderer], Handler]] = {
        "create": _create,
        "trigger": _create,
        "get": _get,
        "list": _list,
        "update": _update,
        "set-state": _set_state,
        "cancel": _cancel,
        "delete": _delete,
        "respond": _respond,
    }
    handlers = {}
    for op_id, op in declaration.operations.items():
        handler = builders[op.action](declaration, op, renderer)
        if op.deprecated and declaration.deprecated_headers:
            handler = _hinted(declaration, handler)
        handlers[op_id] = handler
    return handlers


def deprecation_headers(declaration: Declaration, path: str, item_id: Any) -> dict[str, str]:
    """The `deprecated.headers` of an answer: `$request.base_path` and the `$id` of the item it is about."""
    context = {"request": {"base_path": path}, "id": item_id}
    return {name: str(value(context)) for name, value in declaration.deprecated_headers.items()}


def _hinted(declaration: Declaration, handler: Handler) -> Handler:
    """Every answer of a deprecated operation, errors too, carries the declared hints."""

    async def handle(call: Call) -> Reply:
        token = _FOUND.set(None)
        try:
            try:
                reply = await handler(call)
            except ApiError as error:
                hints = deprecation_headers(declaration, base_path(call.base_url), _FOUND.get())
                error.headers = {**hints, **(error.headers or {})}
                raise
            hints = deprecation_headers(declaration, base_path(call.base_url), _FOUND.get())
            return dataclasses.replace(reply, headers={**hints, **(reply.headers or {})})
        finally:
            _FOUND.reset(token)

    return handle


def _reply(op: OperationSpec, declaration: Declaration, context: dict[str, Any], envelope: Any) -> Reply:
    headers = {name: str(value(context)) for name, value in op.headers.items()} or None
    if op.empty or (op.status == 204 and op.body is None):
        return Reply(op.status, NO_BODY, headers)
    if op.body is not None:
        return Reply(op.status, op.body(context), headers)
    if envelope is not None:
        return Reply(op.status, envelope(context), headers)
    return Reply(op.status, context.get("item"), headers)


def _find(
    declaration: Declaration, op: OperationSpec, state: DeclaredState, context: dict[str, Any], now: float
) -> Record:
    """The item the request names, checked against the operation's `require`; sets context["skip"] when the
    operation's `skip` condition holds (the action then changes nothing)."""
    assert op.resource is not None and op.id is not None
    spec = declaration.resources[op.resource]
    wanted = op.id(context)
    record = state.store(op.resource).get(str(wanted))
    if record is not None and op.parent is not None and record.parent != str(op.parent(context)):
        record = None
    if record is None or record.created_at > now:  # an item of sample data that appears later is not there yet
        raise not_found(spec, context, wanted)
    _FOUND.set(record.id)
    if op.guards or op.skip is not None:
        if record.timeline is not None:
            record.timeline.observe(now)
        item_context = Renderer(declaration).context(record, state, now, context)
        _guard(op, item_context)
        if op.skip is not None and truthy(op.skip(item_context)):
            context["skip"] = True
    return record


_GUARD_ERRORS = {
    "conflict": (409, "conflict"),
    "invalid": (400, "invalid_parameter"),
    "not_found": (404, "not_found"),
    "forbidden": (403, "forbidden"),
}


def _guard(op: OperationSpec, context: Mapping[str, Any]) -> None:
    """Refuse the action when one of its `require` conditions does not hold on the item (or the request)."""
    for guard in op.guards:
        if not truthy(guard.test(context)):
            status, kind = _GUARD_ERRORS[guard.kind]
            error = ApiError(status, str(guard.message(context)), kind=kind, code=guard.code)
            error.help = guard.help  # type: ignore[attr-defined]
            raise error


def _new_id(spec: ResourceSpec, session: Session, api: str, context: Mapping[str, Any]) -> Any:
    id_spec = spec.id
    if id_spec.given is not None:
        given = id_spec.given(context)
        if given is not None:
            return given
    style = id_spec.style
    if style == "uuid":
        return session.ids.uuid()
    if style == "template" and id_spec.template is not None:
        return id_spec.template({**context, "seq": session.ids.next_int(f"{api}:{spec.name}", id_spec.start)})
    number = session.ids.next_int(f"{api}:{spec.name}", id_spec.start)
    if style == "prefixed":
        return f"{id_spec.prefix}{number}"
    return number if id_spec.integer else str(number)


def create_record(
    declaration: Declaration,
    spec: ResourceSpec,
    session: Session,
    state: DeclaredState,
    fields: dict[str, Any],
    parent: Record | None,
    context: dict[str, Any],
    now: float,
    steps: tuple[Step, ...] | None = None,
    item_id: Any = None,
) -> Record:
    """Store a new item: id, parent link, defaults, and for a run the timeline of the plan in force."""
    store = state.store(spec.name)
    parent_context = {"id": parent.id, **parent.fields} if parent is not None else None
    base = {**context, "fields": fields, "parent": parent_context, "uuid": session.ids.uuid()}
    if item_id is None:
        item_id = _new_id(spec, session, declaration.name, base)
    if spec.id.integer and isinstance(item_id, str) and item_id.isdigit():
        item_id = int(item_id)
    if str(item_id) in store:
        raise ApiError(409, str(spec.conflict({**base, "id": item_id})), kind=ErrorKind.CONFLICT)
    if parent is not None and spec.parent_field:
        fields[spec.parent_field] = parent.id
    fields[spec.id.field] = item_id
    base["id"] = item_id
    for name, default in spec.defaults:
        if fields.get(name) is None:
            fields[name] = default(base)
    timeline = None
    plan: tuple[Step, ...] = ()
    if spec.run is not None:
        run = spec.run
        if steps is None:
            attrs = {**(parent_context or {}), **fields, "id": item_id}
            attrs.setdefault("name", str(run.label(base)) if run.label is not None else str(item_id))
            found = session.plans.find(declaration.name, run.kind, attrs)
            steps = found.steps if found is not None else run.plan
        if run.carry:
            steps = carried(run, steps)
        plan = steps
        timeline = Timeline(run.lifecycle, steps, now)
    record = Record(spec.name, item_id, parent.key if parent is not None else None, fields, now, timeline, plan)
    store.add(record.key, record)
    return record


def carried(run: RunSpec, steps: Iterable[Step]) -> tuple[Step, ...]:
    """The plan with each carried value written into its steps' attrs: carried.<name>.from (the value the step
    starts with) and .to (the value its `step` template gives at the end of the step)."""
    levels = {carry.name: carry.start for carry in run.carry}
    out = []
    for step in steps:
        context = {"state": step.state, "attrs": step.attrs, "timed": step.seconds is not None, "carried": levels}
        ends = {carry.name: carry.step(context) for carry in run.carry}
        moved = {name: {"from": levels[name], "to": ends[name]} for name in ends}
        out.append(dataclasses.replace(step, attrs=MappingProxyType({**step.attrs, "carried": moved})))
        levels = ends
    return tuple(out)


def cancel_steps(path: tuple[CancelStep, ...], context: Mapping[str, Any]) -> tuple[Step, ...]:
    """A cancel path as it reads at the cancel: templated `for` and `attrs` evaluated on the run as it is now."""
    out = []
    for item in path:
        step = item.step
        if item.seconds is not None or item.attrs is not None:
            changes: dict[str, Any] = {}
            if item.seconds is not None:
                changes["seconds"] = _seconds(item.seconds(context))
            if item.attrs is not None:
                changes["attrs"] = MappingProxyType({**step.attrs, **(item.attrs(context) or {})})
            step = dataclasses.replace(step, **changes)
        out.append(step)
    return tuple(out)


def _seconds(value: Any) -> float | None:
    """A step's time from a template: a number of seconds, a duration (`0.5s`), or `never` / None (it holds)."""
    if value is None or value == "never":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return parse_duration(str(value))
    except ValueError:
        return None


def _create(declaration: Declaration, op: OperationSpec, renderer: Renderer) -> Handler:
    assert op.resource is not None
    spec = declaration.resources[op.resource]

    async def handle(call: Call) -> Reply:
        state: DeclaredState = call.state
        now = call.now
        context = request_context(call)
        parent = None
        if op.parent is not None and spec.parent is not None:
            parent_id = op.parent(context)
            parent = state.store(spec.parent).get(str(parent_id))
            if parent is None:
                raise not_found(declaration.resources[spec.parent], context, parent_id)
        if op.guards:
            _guard(op, {**context, "parent": {"id": parent.id, **parent.fields} if parent is not None else None})
        fields = {}
        for name, source in op.inputs:
            value = source(context)
            if value is not None:
                fields[name] = value
        record = create_record(declaration, spec, call.session, state, fields, parent, context, now)
        if record.timeline is not None:
            record.timeline.observe(now)
        return _item_reply(declaration, op, renderer, record, state, now, context)

    return handle


def _item_reply(
    declaration: Declaration,
    op: OperationSpec,
    renderer: Renderer,
    record: Record,
    state: DeclaredState,
    now: float,
    context: Mapping[str, Any],
) -> Reply:
    """One item rendered in the operation's view, inside the API's item envelope."""
    item_context = renderer.context(record, state, now, context)
    item_context["item"] = renderer.item(record, item_context, op.view)
    return _reply(op, declaration, item_context, declaration.item_envelope)


def _get(declaration: Declaration, op: OperationSpec, renderer: Renderer) -> Handler:
    async def handle(call: Call) -> Reply:
        state: DeclaredState = call.state
        now = call.now
        context = request_context(call)
        record = _find(declaration, op, state, context, now)
        if record.timeline is not None:
            record.timeline.observe(now, read=True)
        return _item_reply(declaration, op, renderer, record, state, now, context)

    return handle


def _update(declaration: Declaration, op: OperationSpec, renderer: Renderer) -> Handler:
    async def handle(call: Call) -> Reply:
        state: DeclaredState = call.state
        now = call.now
        context = request_context(call)
        record = _find(declaration, op, state, context, now)
        if not context.get("skip"):
            _apply_inputs(op, record, context, now)
        if record.timeline is not None:
            record.timeline.observe(now)
        return _item_reply(declaration, op, renderer, record, state, now, context)

    return handle


def _apply_inputs(op: OperationSpec, record: Record, context: Mapping[str, Any], now: float) -> None:
    for name, source in op.inputs:
        value = source(context)
        if value is not None:
            record.fields[name] = value
            record.updated_at = now


def _set_state(declaration: Declaration, op: OperationSpec, renderer: Renderer) -> Handler:
    assert op.resource is not None and op.state is not None
    spec = declaration.resources[op.resource]
    assert spec.run is not None
    run = spec.run
    target_of = op.state

    async def handle(call: Call) -> Reply:
        state: DeclaredState = call.state
        now = call.now
        context = request_context(call)
        record = _find(declaration, op, state, context, now)
        timeline = record.timeline
        assert timeline is not None
        timeline.observe(now)
        target = target_of(context)
        if target is not None:
            target = str(target)
            allowed = op.settable if op.settable is not None else run.lifecycle.states
            if target not in allowed:
                raise ApiError(
                    400,
                    f"state {target!r} cannot be set; one of: {', '.join(sorted(allowed))}",
                    kind=ErrorKind.INVALID_PARAMETER,
                    field="state",
                )
            if target != timeline.state:
                index = next((i for i, step in enumerate(record.plan) if step.state == target), None)
                steps = record.plan[index:] if index is not None else (Step(target),)
                moved = Timeline(run.lifecycle, steps, now)
                moved.history = [*timeline.history, (target, now)]
                record.timeline = moved
                record.updated_at = now
        _apply_inputs(op, record, context, now)
        return _item_reply(declaration, op, renderer, record, state, now, context)

    return handle


def _cancel(declaration: Declaration, op: OperationSpec, renderer: Renderer) -> Handler:
    assert op.resource is not None
    spec = declaration.resources[op.resource]
    assert spec.run is not None
    run = spec.run
    templated = any(
        item.seconds is not None or item.attrs is not None
        for path in (run.cancel, *run.cancel_from.values())
        for item in path
    )

    async def handle(call: Call) -> Reply:
        state: DeclaredState = call.state
        now = call.now
        context = request_context(call)
        record = _find(declaration, op, state, context, now)
        timeline = record.timeline
        assert timeline is not None
        timeline.observe(now)
        if context.get("skip"):
            return _item_reply(declaration, op, renderer, record, state, now, context)
        if timeline.finished:
            if op.when_terminal == "conflict":
                message = op.conflict({**context, "id": record.id, "state": timeline.state}) if op.conflict else None
                raise ApiError(409, str(message or f"{record.key} has already ended"), kind=ErrorKind.CONFLICT)
        else:
            path = run.cancel_from.get(timeline.state, run.cancel)
            if path:  # an empty path: a cancel changes nothing in this state (e.g. one being cancelled already)
                if templated:
                    steps = cancel_steps(path, renderer.context(record, state, now, context))
                else:
                    steps = tuple(item.step for item in path)
                timeline.interrupt(steps, now)
                record.updated_at = now
        _apply_inputs(op, record, context, now)
        return _item_reply(declaration, op, renderer, record, state, now, context)

    return handle


def _delete(declaration: Declaration, op: OperationSpec, renderer: Renderer) -> Handler:
    async def handle(call: Call) -> Reply:
        state: DeclaredState = call.state
        now = call.now
        context = request_context(call)
        record = _find(declaration, op, state, context, now)
        item_context = renderer.context(record, state, now, context)
        item_context["item"] = renderer.item(record, item_context, op.view)
        state.store(record.resource).pop(record.key)
        return _reply(op, declaration, item_context, None)

    return handle


def _respond(declaration: Declaration, op: OperationSpec, renderer: Renderer) -> Handler:
    async def handle(call: Call) -> Reply:
        context = request_context(call)
        context["uuid"] = call.session.ids.uuid()
        return _reply(op, declaration, context, None)

    return handle


# --- listing ------------------------------------------------------------------------------------------------


def _list(declaration: Declaration, op: OperationSpec, renderer: Renderer) -> Handler:
    assert op.resource is not None
    spec = declaration.resources[op.resource]

    async def handle(call: Call) -> Reply:
        state: DeclaredState = call.state
        now = call.now
        context = request_context(call)
        parent_key: str | None = None
        if op.parent is not None and spec.parent is not None:
            parent_id = op.parent(context)
            if parent_id is not None and (op.parent_any is None or parent_id != op.parent_any):
                parent_key = str(parent_id)
                if parent_key not in state.store(spec.parent):
                    raise not_found(declaration.resources[spec.parent], context, parent_id)
        wanted = [(f, f.value(context)) for f in op.filters]
        wanted = [(f, _translated(f.values, v)) for f, v in wanted if v is not None and v != [] and v != f.any]
        ops = {id(f): (str(f.op_of(context)) if f.op_of is not None else f.op) for f, _ in wanted}
        order = _order(op, context)
        # Filters and sort keys on stored fields and ids need no timeline and no full context: a listing of
        # thousands of runs then builds the full context only for the page it answers.
        light = all(_light(path) for path in [*(f.path for f, _ in wanted), *(path for path, _ in order)])
        rows = []
        for record in state.store(spec.name).oldest_first():
            if parent_key is not None and record.parent != parent_key:
                continue
            if record.created_at > now:  # sample data that appears later
                continue
            if light:
                item_context = {"id": record.id, "fields": record.fields, "parent": {"id": record.parent}}
            else:
                if record.timeline is not None:
                    record.timeline.observe(now)
                item_context = renderer.context(record, state, now, context)
            if all(_passes(lookup(item_context, f.path), ops[id(f)], value) for f, value in wanted):
                rows.append((record, item_context))
        rows = _sorted(rows, order, op.nulls_last) if order else rows[::-1]  # no order: newest first
        if op.paging["style"] == "keyset":
            page, paging = _keyset_page(op, rows, context, call, order)
        else:
            page, paging = _page(op, rows, context)
        items = []
        for record, item_context in page:
            if light:
                if record.timeline is not None:
                    record.timeline.observe(now)
                item_context = renderer.context(record, state, now, context)
            items.append(renderer.item(record, item_context, op.view))
        list_context = {**context, **paging, "items": items, "total": len(rows), "count": len(items)}
        return _reply(op, declaration, list_context, declaration.list_envelope)

    return handle


def _translated(table: Mapping[str, Any] | None, value: Any) -> Any:
    if table is None:
        return value
    if isinstance(value, list | tuple):
        return [table.get(str(item), item) for item in value]
    return table.get(str(value), value)


def _passes(actual: Any, op: str | None, wanted: Any) -> bool:
    if isinstance(wanted, list | tuple):
        return any(_passes(actual, op if op != "in" else "eq", item) for item in wanted)
    if isinstance(actual, list | tuple):
        return any(_passes(item, op, wanted) for item in actual)
    if actual is None:
        return False
    text, expected = str(actual), str(wanted)
    if op in (None, "eq", "in"):
        return text == expected or actual == wanted
    if op == "prefix":
        return text.startswith(expected)
    if op == "suffix":
        return text.endswith(expected)
    if op == "iprefix":
        return text.casefold().startswith(expected.casefold())
    if op == "isuffix":
        return text.casefold().endswith(expected.casefold())
    if op == "contains":
        return expected.lower() in text.lower()
    if op == "like":  # SQL LIKE: % any run, _ one character
        import fnmatch

        pattern = expected.replace("%", "*").replace("_", "?")
        return fnmatch.fnmatchcase(text, pattern)
    try:
        a, b = float(actual), float(wanted)
    except (TypeError, ValueError):
        a, b = text, expected  # type: ignore[assignment]
    return a >= b if op == "gte" else a <= b


def _light(path: tuple[str, ...]) -> bool:
    return path[0] in ("id", "fields") or path == ("parent", "id")


def _order(op: OperationSpec, context: Mapping[str, Any]) -> list[tuple[tuple[str, ...], bool]]:
    """The requested (else the declared default) sort keys as (path, descending); empty: newest first."""
    requested = op.order_by(context) if op.order_by is not None else None
    if isinstance(requested, list | tuple):
        choices = [str(item) for item in requested if item not in (None, "")]
    else:
        choices = [str(requested)] if requested not in (None, "") else []
    if not choices:
        if op.order_default is None:
            return []
        choices = [op.order_default]
    out = []
    for choice in choices:
        key = choice.lstrip("-")
        path = op.order_keys.get(key)
        if path is None:
            raise ApiError(
                400,
                f"Ordering with '{key}' is disallowed or the attribute does not exist on the model",
                kind="invalid_parameter",
                field="order_by",
            )
        out.append((path, choice.startswith("-")))
    return out


def _sorted(
    rows: list[tuple[Record, dict[str, Any]]], order: list[tuple[tuple[str, ...], bool]], nulls_last: bool = False
) -> list[tuple[Record, dict[str, Any]]]:
    for path, descending in reversed(order):  # a stable sort per key, the last key first, is a multi-key sort
        rows = sorted(rows, key=_row_key(path, descending, nulls_last), reverse=descending)
    return rows


def _row_key(
    path: tuple[str, ...], descending: bool = False, nulls_last: bool = False
) -> Callable[[tuple[Record, dict[str, Any]]], tuple[int, Any]]:
    last = nulls_last != descending  # a reversed sort puts the smallest key last
    return lambda row: _sort_key(lookup(row[1], path), last)


def _sort_key(value: Any, none_last: bool = False) -> tuple[int, Any]:
    if value is None:
        return (3, "") if none_last else (0, "")
    return (1, value) if isinstance(value, int | float) else (2, str(value))


def _keyset_page(
    op: OperationSpec,
    rows: list[tuple[Record, dict[str, Any]]],
    context: Mapping[str, Any],
    call: Call,
    order: list[tuple[tuple[str, ...], bool]],
) -> tuple[list[tuple[Record, dict[str, Any]]], dict[str, Any]]:
    """A page from the cursor's position on; the next cursor names the first item of the next page."""
    paging, inputs = op.paging, op.paging_inputs
    limit = _integer(inputs["limit"](context), "limit") if "limit" in inputs else None
    limit = max(int(paging.get("default_limit", 100)) if limit is None else limit, 0)
    if "max_limit" in paging:
        limit = min(limit, int(paging["max_limit"]))
    digest = keyset.query_digest(call.query, paging.get("unbound", ()))
    token = inputs["token"](context) if "token" in inputs else None
    start = 0
    if token:
        try:
            position = keyset.read(str(token), call.session.id, digest)
        except keyset.OtherQuery:
            raise _bad_cursor(paging, "other_query", token) from None
        except keyset.BadToken:
            raise _bad_cursor(paging, "invalid", token) from None
        start = next((i for i, row in enumerate(rows) if not _precedes(row, position, order, op.nulls_last)), len(rows))
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    out: dict[str, Any] = {"offset": start, "limit": limit, "has_more": more, "prev_token": None, "next_token": None}
    if more:
        following = rows[start + limit][1]
        out["next_token"] = keyset.issue(call.session.id, digest, [lookup(following, path) for path, _ in order])
    return page, out


def _precedes(
    row: tuple[Record, dict[str, Any]], position: list[Any], order: list[tuple[tuple[str, ...], bool]], nulls: bool
) -> bool:
    """Whether `row` comes before the item whose sort values are `position` in the listing's order."""
    for (path, descending), value in zip(order, position, strict=False):
        last = nulls != descending
        mine, theirs = _sort_key(lookup(row[1], path), last), _sort_key(value, last)
        if mine != theirs:
            return mine > theirs if descending else mine < theirs
    return False


def _bad_cursor(paging: Mapping[str, Any], which: str, token: Any) -> ApiError:
    default = f"the cursor {token!r} is not valid"
    message = str(paging.get(which) or paging.get("invalid") or default).replace("${token}", str(token))
    return ApiError(400, message, kind=ErrorKind.INVALID_PARAMETER, field="cursor")


def _page(
    op: OperationSpec, rows: list[tuple[Record, dict[str, Any]]], context: Mapping[str, Any]
) -> tuple[list[tuple[Record, dict[str, Any]]], dict[str, Any]]:
    paging = op.paging
    style = paging["style"]
    if style == "none":
        return rows, {}
    inputs = op.paging_inputs
    default = int(paging.get("default_limit", 100))
    limit = _integer(inputs["limit"](context), "limit") if "limit" in inputs else None
    limit = default if limit is None else limit
    if "max_limit" in paging:
        limit = min(limit, int(paging["max_limit"]))
    limit = max(limit, 0)
    offset = 0
    if style == "offset":
        offset = (_integer(inputs["offset"](context), "offset") if "offset" in inputs else 0) or 0
    elif style == "page":
        page_number = _integer(inputs["page"](context), "page") if "page" in inputs else None
        offset = ((page_number or 1) - 1) * limit
    token = inputs["token"](context) if "token" in inputs else None
    # An offset API may also take a cursor (which then wins over the offset), as some vendors added one later.
    keyed = style in ("token", "cursor") or token is not None
    encoding = "token" if style == "token" else "cursor"
    if keyed:
        offset = _decode_token(str(token), rows, encoding) if token else 0
    offset = max(offset, 0)
    page = rows[offset : offset + limit]
    more = offset + len(page) < len(rows)
    out: dict[str, Any] = {"offset": offset, "limit": limit, "has_more": more, "next_token": None, "prev_token": None}
    if style == "page":
        out["page"] = offset // limit + 1 if limit else 1
    if keyed and more:
        out["next_token"] = _encode_token(offset + len(page), page[-1][0] if page else None, encoding)
    if keyed and offset > 0:
        previous = max(offset - limit, 0)
        out["prev_token"] = _encode_token(previous, rows[previous - 1][0] if previous else None, encoding)
    return page, out


def _integer(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"{name} must be a whole number", kind=ErrorKind.INVALID_PARAMETER, field=name) from None


def _encode_token(offset: int, last: Record | None, style: str) -> str:
    text = f"o:{offset}" if style == "token" or last is None else f"k:{last.key}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_token(token: str, rows: Iterable[tuple[Record, Any]], style: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _, value = text.partition(":")
    if kind == "o" and value.isdigit():
        return int(value)
    if kind == "k":
        for index, (record, _) in enumerate(rows):
            if record.key == value:
                return index + 1
    raise ApiError(400, f"the page {style} {token!r} is not valid", kind=ErrorKind.INVALID_PARAMETER, field=style)
