"""runs/repair: re-run tasks of a finished run as a new round of the same run."""

from __future__ import annotations

import copy
from typing import Any

from simulator.exchange import Call, HandlerTable, Reply
from simulator.vendors.databricks import dag, due, params, render
from simulator.vendors.databricks.common import executor, find_run, invalid, invalid_state
from simulator.vendors.databricks.execution import outcome
from simulator.vendors.databricks.model import HIDDEN, DatabricksState, Round, Run, Slot
from simulator.vendors.databricks.views import parent_view

handlers = HandlerTable()


def _check_sequence(run: Run, body: dict[str, Any]) -> None:
    if body.get("rerun_tasks") and body.get("rerun_all_failed_tasks"):
        raise invalid("Only one of rerun_tasks or rerun_all_failed_tasks can be set.", "rerun_tasks")
    latest = run.latest.repair_id
    given = body.get("latest_repair_id")
    if latest is not None and given != latest:
        raise invalid(
            f"latest_repair_id must be {latest}, the id of the latest repair of run {run.run_id}.", "latest_repair_id"
        )
    if latest is None and given is not None:
        raise invalid(
            f"Run {run.run_id} has no repair {given}; omit latest_repair_id on the first repair.", "latest_repair_id"
        )


def _chosen(run: Run, body: dict[str, Any]) -> list[str]:
    if body.get("rerun_all_failed_tasks"):
        chosen = {key for key in run.order if outcome(run.current[key]) not in dag.FINE}
    else:
        given = list(body.get("rerun_tasks") or [])
        if len(set(given)) != len(given):
            raise invalid("rerun_tasks cannot contain duplicate task keys.", "rerun_tasks")
        chosen = set(given)
        unknown = sorted(chosen - {key for key in run.order if key != HIDDEN})
        if unknown:
            raise invalid(f"Task(s) {', '.join(unknown)} are not part of run {run.run_id}.", "rerun_tasks")
    if body.get("rerun_dependent_tasks"):
        chosen = dag.dependents({slot.key: slot.spec for slot in run.slots()}, chosen)
    if not chosen:
        raise invalid(
            "Nothing to repair: give rerun_tasks, or rerun_all_failed_tasks for a run with failed tasks.",
            "rerun_tasks",
        )
    return [key for key in run.order if key in chosen]


@handlers.operation("jobsRepairRun")
async def repair_run(call: Call) -> Reply:
    body = call.body
    state: DatabricksState = call.state
    run = find_run(call, body["run_id"])
    if run.final_at is None:
        raise invalid_state(
            f"Run {run.run_id} is still in progress ({parent_view(run).life}); only a run that is not in progress "
            "can be repaired.",
            "run_id",
        )
    _check_sequence(run, body)
    chosen = _chosen(run, body)
    params.check(body)
    ex = executor(call)
    ids = call.session.ids
    job = state.jobs.get(run.job_id) if run.job_id is not None else None
    settings = {t["task_key"]: t for t in (job.settings.get("tasks") or [])} if job else {}
    slots = {}
    for key in chosen:
        spec = copy.deepcopy(settings.get(key, run.current[key].spec))
        slots[key] = Slot(key, spec, run.run_id if key == HIDDEN else ids.next_int("databricks.run", 5001))
    repair_id = ids.next_int("databricks.repair", 9001)
    state_, status = render.run_state(parent_view(run))
    run.latest.outcome = {"state": state_, "status": status}
    number = len(run.rounds)
    steps = ex.run_steps({**run.attrs, "task_key": [k for k in chosen if k != HIDDEN], "repair": number})
    run.rounds = (*run.rounds, Round(number, slots, steps, repair_id=repair_id, started_at=call.now))
    run.current = {**run.current, **slots}  # a new dict: a run's first round shares its slots dict with `current`
    run.final_at = None
    run.admission = "started"
    if job is not None:
        run.timeout_seconds = int(job.settings.get("timeout_seconds") or 0)
    run.timeout_floor = None
    for slot in slots.values():
        state.index(run, slot)
    _keep_parameters(run, body)
    if run.job_id is not None:
        active = state.active.setdefault(run.job_id, [])
        if run.run_id not in active:  # a final run not yet taken off the list holds one slot, not two
            active.append(run.run_id)
        due.file(state, run)
    return Reply(200, {"repair_id": repair_id})


def _keep_parameters(run: Run, body: dict[str, Any]) -> None:
    if body.get("job_parameters"):
        run.job_parameters = params.merge(run.job_parameters, body["job_parameters"])
    run.overriding_parameters.update(params.overriding(body))
