"""Apache Airflow's Databricks provider against jobsim: the hook (sync and async) and the submit / run-now operators.

The connection is what a user puts in `AIRFLOW_CONN_DATABRICKS_DEFAULT`: host and port only (the hook drops any
path) and `schema: http`. The operators run their own `execute` with a minimal context (no scheduler, no database);
in deferrable mode the `DatabricksExecutionTrigger` they defer to is run with asyncio, as the triggerer runs it, and
its event goes back to `execute_complete`. A cancel is Airflow killing the task: `on_kill` (sync operators) or the
trigger's `on_kill` (deferred ones).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from _driver import CLUSTER, NOTEBOOK_TASK, UNKNOWN_RUN_ID, failure, run


def _configure(base_url: str, token: str) -> None:
    url = urlsplit(base_url)
    connection = {"conn_type": "databricks", "host": url.hostname, "port": url.port, "schema": url.scheme}
    os.environ["AIRFLOW_CONN_DATABRICKS_DEFAULT"] = json.dumps({**connection, "password": token})
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"


def _hook() -> Any:
    from airflow.providers.databricks.hooks.databricks import DatabricksHook

    return DatabricksHook(retry_limit=1, retry_delay=1)


def _one_time_run() -> dict[str, Any]:
    return {"run_name": "airflow-submit", "tasks": [_task()]}


def _task() -> dict[str, Any]:
    # The hook sends a payload as given (the operators are the ones that turn its numbers into strings).
    return {"task_key": "main", "notebook_task": NOTEBOOK_TASK, "existing_cluster_id": CLUSTER, "timeout_seconds": 600}


def _state(state: Any) -> dict[str, Any]:
    return {
        "life_cycle_state": state.life_cycle_state,
        "result_state": state.result_state,
        "state_message": state.state_message,
        "is_successful": state.is_successful,
    }


def _wait(hook: Any, run_id: int) -> Any:
    deadline = time.monotonic() + 60
    while not (state := hook.get_run_state(run_id)).is_terminal:
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} still {state}")
        time.sleep(0.3)
    return state


async def _a_wait(hook: Any, run_id: int) -> Any:
    deadline = time.monotonic() + 60
    while not (state := await hook.a_get_run_state(run_id)).is_terminal:
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} still {state}")
        await asyncio.sleep(0.3)
    return state


def hook_submit(base_url: str, token: str) -> dict[str, Any]:
    hook = _hook()
    run_id = hook.submit_run(_one_time_run())
    state = _wait(hook, run_id)
    return {
        "run_id": run_id,
        "job_id": hook.get_job_id(run_id),
        "run_page_url": hook.get_run_page_url(run_id),
        "state": _state(state),
        "state_str": hook.get_run_state_str(run_id),
        "tasks": [task["state"] for task in hook.get_run_tasks(run_id)],
    }


def hook_run_now(base_url: str, token: str) -> dict[str, Any]:
    hook = _hook()
    job_id = hook.create_job({"name": "airflow-job", "tasks": [_task()], "max_concurrent_runs": 2})
    run_id = hook.run_now({"job_id": job_id, "job_parameters": {"day": "2026-12-04"}})
    state = _wait(hook, run_id)
    return {"job_id": job_id, "run_job_id": hook.get_job_id(run_id), "run_id": run_id, "state": _state(state)}


def hook_async(base_url: str, token: str) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        hook = _hook()
        run_id = hook.submit_run(_one_time_run())
        async with hook:
            state = await _a_wait(hook, run_id)
            run = await hook.a_get_run(run_id)
            page_url = await hook.a_get_run_page_url(run_id)
        return {"run_id": run_id, "state": _state(state), "run_state": run["state"], "run_page_url": page_url}

    return asyncio.run(main())


def hook_cancel(base_url: str, token: str) -> dict[str, Any]:
    hook = _hook()
    run_id = hook.submit_run(_one_time_run())
    hook.cancel_run(run_id)
    return {"run_id": run_id, "state": _state(_wait(hook, run_id))}


def hook_unknown(base_url: str, token: str) -> dict[str, Any]:
    hook = _hook()
    result: dict[str, Any] = {}
    try:
        hook.get_run(UNKNOWN_RUN_ID)
    except Exception as error:
        result["get_run"] = failure(error) | {"http_status_code": getattr(error, "http_status_code", None)}

    async def a_get() -> None:
        async with hook:
            await hook.a_get_run_state(UNKNOWN_RUN_ID)

    try:
        asyncio.run(a_get())
    except Exception as error:
        result["a_get_run_state"] = failure(error) | {"http_status_code": getattr(error, "http_status_code", None)}
    try:
        hook.cancel_run(UNKNOWN_RUN_ID)
    except Exception as error:
        result["cancel_run"] = failure(error)
    return result


# --- operators -----------------------------------------------------------------------------------------------------
def _submit_operator(deferrable: bool) -> Any:
    from airflow.providers.databricks.operators.databricks import DatabricksSubmitRunOperator

    return DatabricksSubmitRunOperator(
        task_id="submit",
        tasks=[
            {"task_key": "main", "notebook_task": NOTEBOOK_TASK, "existing_cluster_id": CLUSTER, "timeout_seconds": 600}
        ],
        run_name="airflow-operator",
        timeout_seconds=3600,
        polling_period_seconds=1,
        databricks_retry_limit=1,
        deferrable=deferrable,
        do_xcom_push=False,
    )


def _run_now_operator(deferrable: bool, job_id: int | None = None) -> Any:
    from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator

    if job_id is None:
        job_id = _hook().create_job({"name": "airflow-run-now", "tasks": [_task()]})
    return DatabricksRunNowOperator(
        task_id="run_now",
        job_id=job_id,
        job_parameters={"day": "2026-12-04", "attempt": 1},
        polling_period_seconds=1,
        databricks_retry_limit=1,
        deferrable=deferrable,
        do_xcom_push=False,
    )


def _execute(operator: Any, cancel: bool = False) -> dict[str, Any]:
    """Run the operator as a worker would; deferred, run its trigger to its event and hand that back."""
    from airflow.exceptions import TaskDeferred

    context: dict[str, Any] = {}
    outcome: dict[str, Any] = {}
    try:
        if cancel and not operator.deferrable:
            _execute_then_kill(operator, context)
        else:
            operator.execute(context)
        outcome["returned"] = True
    except TaskDeferred as deferred:
        outcome["deferred"] = type(deferred.trigger).__name__
        outcome.update(asyncio.run(_trigger(deferred.trigger, cancel)))
        try:
            getattr(operator, deferred.method_name)(context, outcome["event"])
            outcome["returned"] = True
        except Exception as error:
            outcome.update(failure(error))
    except Exception as error:
        outcome.update(failure(error))
    outcome["run_id"] = operator.run_id
    return outcome


def _execute_then_kill(operator: Any, context: dict[str, Any]) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            operator.execute(context)
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    deadline = time.monotonic() + 30
    while not operator.run_id and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    operator.on_kill()  # what Airflow calls when a user marks the running task failed or it times out
    worker.join(60)
    if errors:
        raise errors[0]


async def _trigger(trigger: Any, cancel: bool) -> dict[str, Any]:
    if cancel:
        await trigger.on_kill()
    async for event in trigger.run():
        return {"event": event.payload}
    raise AssertionError("the trigger ended without an event")


def _case(make: Any, deferrable: bool = False, cancel: bool = False) -> Any:
    return lambda base_url, token: _execute(make(deferrable), cancel=cancel)


def operator_unknown_job(base_url: str, token: str) -> dict[str, Any]:
    return {
        "sync": _execute(_run_now_operator(False, job_id=UNKNOWN_RUN_ID)),
        "deferrable": _execute(_run_now_operator(True, job_id=UNKNOWN_RUN_ID)),
    }


if __name__ == "__main__":
    _configure(sys.argv[2], sys.argv[3])
    run(
        {
            "hook-submit": hook_submit,
            "hook-run-now": hook_run_now,
            "hook-async": hook_async,
            "hook-cancel": hook_cancel,
            "hook-unknown": hook_unknown,
            "submit": _case(_submit_operator),
            "submit-deferrable": _case(_submit_operator, deferrable=True),
            "submit-cancel": _case(_submit_operator, cancel=True),
            "submit-deferrable-cancel": _case(_submit_operator, deferrable=True, cancel=True),
            "run-now": _case(_run_now_operator),
            "run-now-deferrable": _case(_run_now_operator, deferrable=True),
            "run-now-deferrable-cancel": _case(_run_now_operator, deferrable=True, cancel=True),
            "unknown-job": operator_unknown_job,
        }
    )
