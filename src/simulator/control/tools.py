"""Control API handlers for testing tools: fault rules, the request journal and verification, sessions, metrics."""

from __future__ import annotations

from simulator.control.view import runtime_of
from simulator.engine.faults import FAULT_RULE_SCHEMA
from simulator.engine.journal import Pattern
from simulator.engine.scenario import ScenarioError, first_error
from simulator.engine.snapshot import SnapshotError
from simulator.exchange import ApiError, Call, ErrorKind, HandlerTable, Reply

handlers = HandlerTable()

_EFFECTS = ("latency", "error", "drop", "malformed")


def check_fault(rule: object) -> None:
    error = first_error(FAULT_RULE_SCHEMA, rule)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(rule)"
        raise ApiError(400, f"Invalid fault rule at '{where}': {error.message}", kind=ErrorKind.INVALID_PARAMETER)
    assert isinstance(rule, dict)
    if not any(effect in rule for effect in _EFFECTS):
        raise ApiError(
            400, f"A fault rule needs an effect: one of {', '.join(_EFFECTS)}", kind=ErrorKind.INVALID_PARAMETER
        )


@handlers.operation("simListFaults")
async def list_faults(call: Call) -> Reply:
    return Reply(200, {"faults": [rule.summary() for rule in call.session.faults.rules]})


@handlers.operation("simAddFault")
async def add_fault(call: Call) -> Reply:
    check_fault(call.body)
    return Reply(200, call.session.faults.add(call.body).summary())


@handlers.operation("simClearFaults")
async def clear_faults(call: Call) -> Reply:
    return Reply(200, {"removed": call.session.faults.remove()})


@handlers.operation("simDeleteFault")
async def delete_fault(call: Call) -> Reply:
    removed = call.session.faults.remove(call.path["id"])
    if not removed:
        raise ApiError(404, f"no fault rule {call.path['id']} in session {call.session.id}", kind=ErrorKind.NOT_FOUND)
    return Reply(200, {"removed": removed})


@handlers.operation("simListRequests")
async def list_requests(call: Call) -> Reply:
    query = dict(call.query)
    limit = query.pop("limit", None)
    pattern = Pattern(**query) if query else None
    journal = call.session.journal
    return Reply(200, {"enabled": journal.enabled, "requests": [e.as_dict() for e in journal.entries(pattern, limit)]})


@handlers.operation("simClearRequests")
async def clear_requests(call: Call) -> Reply:
    removed = len(call.session.journal)
    call.session.journal.clear()
    return Reply(200, {"removed": removed})


@handlers.operation("simVerifyRequests")
async def verify_requests(call: Call) -> Reply:
    body = call.body
    pattern = Pattern(**body["match"])
    return Reply(
        200,
        call.session.journal.verify(
            pattern, exactly=body.get("exactly"), at_least=body.get("at_least"), at_most=body.get("at_most")
        ),
    )


@handlers.operation("simListSessions")
async def list_sessions(call: Call) -> Reply:
    runtime = runtime_of(call)
    if runtime.deployment is not None:
        return Reply(200, {"sessions": await runtime.deployment.session_ids()})
    return Reply(200, {"sessions": runtime.sessions.ids()})


@handlers.operation("simDropSession")
async def drop_session(call: Call) -> Reply:
    session_id = call.path["id"]
    runtime = runtime_of(call)
    if not runtime.sessions.drop(session_id):
        raise ApiError(404, f"no session {session_id!r}", kind=ErrorKind.NOT_FOUND)
    return Reply(200, {"removed": 1})


@handlers.operation("simExportState")
async def export_state(call: Call) -> Reply:
    runtime = runtime_of(call)
    return Reply(200, runtime.export_session(call.session))


@handlers.operation("simImportState")
async def import_state(call: Call) -> Reply:
    runtime = runtime_of(call)
    try:
        session = runtime.import_session(call.session.id, call.body)
    except (SnapshotError, ScenarioError, KeyError, TypeError) as exc:
        raise ApiError(400, f"cannot restore this snapshot: {exc}", kind=ErrorKind.INVALID_SNAPSHOT) from None
    return Reply(200, {"session": session.id})


@handlers.operation("simMetrics")
async def metrics(call: Call) -> Reply:
    runtime = runtime_of(call)
    if runtime.deployment is not None:
        return Reply(200, await runtime.deployment.metrics_text(), media_type="text/plain; version=0.0.4")
    runs = []
    for session_id in runtime.sessions.ids():
        session = runtime.sessions.get(session_id)
        for name, vendor in runtime.vendors.items():
            vendor.retain(session.states[name], session)
            for state, count in sorted(vendor.count_runs(session.states[name], session).items()):
                runs.append((session_id, name, state, count))
    text = runtime.metrics.render(runs)
    return Reply(200, text, media_type="text/plain; version=0.0.4")
