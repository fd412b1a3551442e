"""The control API (specs/jobsim-control.yaml) as a vendor plug-in, and its core handlers.

Its per-session state is the running simulator, as `RuntimeView` describes it: the server builds `ControlApi`
around its runtime. The dashboard and the testing tools own their handler tables in their own modules.
"""

from __future__ import annotations

import functools
from typing import Any

from simulator import installed
from simulator.contract.operation import Operation
from simulator.control import dashboard, tools
from simulator.control.view import RuntimeView, clock_json, runtime_of
from simulator.declared.format import api_schema
from simulator.engine.scenario import ScenarioError, parse_duration, scenario_schema
from simulator.engine.session import Session
from simulator.exchange import ApiError, Call, ErrorKind, HandlerTable, Reply
from simulator.vendors.base import Vendor

handlers = HandlerTable()  # this module's handlers: health, sessions' reset, clock, scenarios, routes, specs


@functools.cache  # the code running is the code installed when it started
def _version() -> str:
    return installed.version("jobsim") or "0+unknown"


@handlers.operation("simHealth")
async def health(call: Call) -> Reply:
    runtime = runtime_of(call)
    body = {
        "status": "ok",
        "version": _version(),
        "apis": sorted(runtime.vendors),
        "session": call.session.id,
        "sessions": len(runtime.sessions.ids()),
        "contract_violations": runtime.metrics.contract_violations,
    }
    if runtime.deployment is not None:
        body.update(await runtime.deployment.health())
    return Reply(200, body)


@handlers.operation("simReset")
async def reset(call: Call) -> Reply:
    session = runtime_of(call).sessions.reset(call.session.id)
    return Reply(200, {"session": session.id})


@handlers.operation("simGetClock")
async def get_clock(call: Call) -> Reply:
    return Reply(200, clock_json(call.session.clock))


@handlers.operation("simSetClock")
async def set_clock(call: Call) -> Reply:
    call.session.clock.configure(mode=call.body.get("mode"), speed=call.body.get("speed"))
    return Reply(200, clock_json(call.session.clock))


@handlers.operation("simAdvanceClock")
async def advance_clock(call: Call) -> Reply:
    body = call.body
    if ("seconds" in body) == ("duration" in body):
        raise ApiError(400, "give exactly one of 'seconds' or 'duration'", kind=ErrorKind.INVALID_PARAMETER)
    seconds = float(body["seconds"]) if "seconds" in body else parse_duration(body["duration"])
    call.session.clock.advance(seconds)
    return Reply(200, clock_json(call.session.clock))


@handlers.operation("simListScenarios")
async def list_scenarios(call: Call) -> Reply:
    loaded = [scenario.summary() for scenario in call.session.plans.scenarios]
    return Reply(200, {"loaded": loaded, "available": runtime_of(call).available_scenarios()})


@handlers.operation("simLoadScenario")
async def load_scenario(call: Call) -> Reply:
    runtime = runtime_of(call)
    try:
        if isinstance(call.body, dict):
            name = call.body["name"]
            path = runtime.find_scenario(name)
            roots = {runtime.settings.scenarios_dir, *runtime.scenario_dirs().values()}
            if not roots.intersection(path.resolve().parents):
                raise ScenarioError(name, None, "only bundled scenarios can be loaded by name; send the YAML instead")
            scenario = runtime.parse(path.read_text(encoding="utf-8"), f"{path.parent.name}/{path.name}")
        else:
            scenario = runtime.parse(call.body, "<request body>")
    except ScenarioError as exc:
        raise ApiError(400, str(exc), kind=ErrorKind.INVALID_SCENARIO) from exc
    runtime.apply(call.session, scenario)
    return Reply(200, scenario.summary())


@handlers.operation("simApiSchema")
async def get_api_schema(call: Call) -> Reply:
    return Reply(200, api_schema())


@handlers.operation("simScenarioSchema")
async def get_scenario_schema(call: Call) -> Reply:
    return Reply(200, scenario_schema())


@handlers.operation("simListRoutes")
async def list_routes(call: Call) -> Reply:
    runtime = runtime_of(call)
    routes = []
    for doc in runtime.documents:
        owner = runtime.vendors[doc.api].handlers if doc.api in runtime.vendors else CONTROL_HANDLERS
        for op in doc.operations:
            routes.append(
                {
                    "api": doc.api,
                    "method": op.method,
                    "path": op.path,
                    "operationId": op.operation_id,
                    "deprecated": op.deprecated,
                    "simulated": op.operation_id in owner,
                }
            )
    return Reply(200, {"routes": routes})


@handlers.operation("simListSpecs")
async def list_specs(call: Call) -> Reply:
    specs = []
    for doc in runtime_of(call).documents:
        stem = doc.path.stem
        specs.append(
            {
                "api": doc.api,
                "title": doc.title,
                "yaml": f"{call.base_url}/_sim/specs/{stem}.yaml",
                "json": f"{call.base_url}/_sim/specs/{stem}.json",
            }
        )
    return Reply(200, {"specs": specs})


@handlers.operation("simGetSpec")
async def get_spec(call: Call) -> Reply:
    name, _, extension = call.path["document"].rpartition(".")
    documents = runtime_of(call).documents
    doc = next((d for d in documents if d.path.stem == name), None)
    if doc is None:
        # By API name: the vendor's first document (Databricks' 2.1/2.2 one; its Jobs API 2.0 has its own name).
        doc = next((d for d in documents if d.api == name), None)
    if doc is None:
        raise ApiError(404, f"no API document named {name!r}", kind=ErrorKind.NOT_FOUND)
    if extension == "json":
        return Reply(200, doc.as_json(), media_type="application/json; charset=utf-8")
    return Reply(200, doc.as_yaml(), media_type="application/yaml")


CONTROL_HANDLERS = HandlerTable.joined(handlers, dashboard.handlers, tools.handlers)


class ControlApi(Vendor):
    name = "jobsim"
    title = "jobsim control API"
    spec_files = ("jobsim-control.yaml",)
    lifecycles = {}
    default_scenario = None
    handlers = CONTROL_HANDLERS

    def __init__(self, runtime: RuntimeView) -> None:
        super().__init__()
        self.runtime = runtime

    def new_state(self, session: Session) -> RuntimeView:
        return self.runtime

    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        body: dict[str, Any] = {"error": error.kind or error.code or "error", "message": error.message}
        if isinstance(error.__cause__, ScenarioError):
            cause = error.__cause__
            body["source"] = cause.source
            if cause.line:
                body["line"] = cause.line
        return Reply(error.status, body, error.headers)
