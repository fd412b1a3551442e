"""runs/get-output and runs/export: what a task run produced, and its notebook as HTML.

Scenario steps can script the output with `attrs`: `output` (notebook_output.result), `error_trace`, `logs`.
"""

from __future__ import annotations

from typing import Any

from simulator.exchange import Call, HandlerTable, Reply
from simulator.vendors.databricks import dag, render
from simulator.vendors.databricks.common import find_any, invalid
from simulator.vendors.databricks.model import Attempt, Run, Slot
from simulator.vendors.databricks.views import attempt_view

handlers = HandlerTable()

_LOG_TASKS = ("spark_jar_task", "spark_python_task", "python_wheel_task")


@handlers.operation("jobsGetRunOutput")
async def get_run_output(call: Call) -> Reply:
    run, slot, attempt = find_any(call, call.query["run_id"])
    if slot is None:
        slots = run.slots()
        if len(slots) > 1:
            raise invalid(
                "Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of "
                f"each individual task run instead. Run {run.run_id} has {len(slots)} tasks.",
                "run_id",
            )
        slot = slots[0]
        attempt = slot.attempts[-1] if slot.attempts else None
        metadata = render.run(run, call.base_url, call.now)
    else:
        metadata = render.task_run(run, slot, attempt, call.base_url)
    body: dict[str, Any] = {"metadata": metadata}
    if attempt is not None:
        body.update(output_of(slot, attempt))
    return Reply(200, body)


def output_of(slot: Slot, attempt: Attempt) -> dict[str, Any]:
    view = attempt_view(slot, attempt)
    if not view.final:
        return {}
    step = attempt.timeline.step
    attrs = step.attrs
    out: dict[str, Any] = {}
    if view.result in dag.SUCCEEDED:
        if "notebook_task" in slot.spec or slot.hidden:
            notebook: dict[str, Any] = {"truncated": False}
            if "output" in attrs:
                notebook["result"] = str(attrs["output"])
            out["notebook_output"] = notebook
    else:
        out["error"] = view.message or str(view.result)
        if not attempt.never_ran:
            out["error_trace"] = str(attrs.get("error_trace", view.message or view.result))
    if any(kind in slot.spec for kind in _LOG_TASKS) and not attempt.never_ran:
        default = f"jobsim: task {slot.key} attempt {attempt.number} ended {view.result}\n"
        out["logs"] = str(attrs.get("logs", default))
        out["logs_truncated"] = False
    return out


@handlers.operation("jobsExportRun")
async def export_run(call: Call) -> Reply:
    run, slot, _ = find_any(call, call.query["run_id"])
    wanted = call.query.get("views_to_export", "CODE")
    slots = [slot] if slot is not None else [s for s in run.slots() if not s.hidden]
    views = []
    for each in slots:
        notebook = each.spec.get("notebook_task")
        if notebook is None:
            continue
        name = str(notebook.get("notebook_path", each.key)).rsplit("/", 1)[-1]
        if wanted in ("CODE", "ALL"):
            views.append({"type": "NOTEBOOK", "name": name, "content": _page(run, each, name, "notebook")})
        if wanted in ("DASHBOARDS", "ALL"):
            views.append(
                {"type": "DASHBOARD", "name": f"{name} dashboard", "content": _page(run, each, name, "dashboard")}
            )
    return Reply(200, {"views": views})


def _page(run: Run, slot: Slot, name: str, kind: str) -> str:
    import html  # its table of entities is 1 ms of a start: imported for the first export

    path = html.escape(str(slot.spec["notebook_task"].get("notebook_path", "")))
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(name)}</title></head><body>'
        f"<!-- jobsim export: {kind} of task {html.escape(slot.key)} in run {run.run_id} -->"
        f"<h1>{html.escape(name)}</h1><p>{path}</p></body></html>"
    )
