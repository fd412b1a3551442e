"""What every Databricks handler shares: errors, look-ups that observe, list paging."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from simulator.engine.paging import BadToken, decode_offset, encode_offset
from simulator.exchange import ApiError, Call, Reply
from simulator.vendors.databricks import dag
from simulator.vendors.databricks.execution import Executor
from simulator.vendors.databricks.model import Attempt, DatabricksState, Job, Run, Slot
from simulator.vendors.databricks.queue import settle

EMPTY = Reply(200, {})
DEFAULT_USER = "jobsim@example.com"


def invalid(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, message, code="INVALID_PARAMETER_VALUE", field=field)


def invalid_state(message: str, field: str | None = None) -> ApiError:
    """A well-formed request the run's current state does not allow (the SDK raises InvalidState)."""
    return ApiError(400, message, code="INVALID_STATE", field=field)


def executor(call: Call) -> Executor:
    return Executor(call.state, call.session)


def find_job(state: DatabricksState, job_id: int) -> Job:
    found = state.jobs.get(job_id)
    if found is None:
        raise invalid(f"Job {job_id} does not exist.", "job_id")
    return found


def observe(ex: Executor, run: Run, now: float, read: bool = False) -> Run:
    """Bring a run (and its job's queue) up to `now`; a final run no longer depends on the queue."""
    if run.job_id is not None and run.final_at is None:
        settle(ex, run.job_id, now)
    ex.advance(run, now, read)
    return run


def observed(ex: Executor, runs: Iterable[Run], now: float) -> Iterator[Run]:
    """Observe runs as they are listed, settling each job's queue once."""
    settled: set[int] = set()
    for run in runs:
        if run.job_id is not None and run.job_id not in settled:
            settle(ex, run.job_id, now)
            settled.add(run.job_id)
        ex.advance(run, now)
        yield run


def find_run(call: Call, run_id: int, *, read: bool = False) -> Run:
    """A job run (or one-time run) by id; a task run id is refused with the vendor's message."""
    run, slot, _ = find_any(call, run_id, read=read)
    if slot is not None:
        raise invalid(f"Run {run_id} is a task run of job run {run.run_id}; use the job run id.", "run_id")
    return run


def find_any(call: Call, run_id: int, *, read: bool = False) -> tuple[Run, Slot | None, Attempt | None]:
    """A job run, or the task run with this id: (job run, its slot, its attempt or None while not started)."""
    state: DatabricksState = call.state
    run = state.runs.get(run_id)
    if run is not None:
        if run.final_at is None:  # a final run has nothing left to observe (see `observe` and `Executor.advance`)
            observe(executor(call), run, call.now, read)
        return run, None, None
    ex = executor(call)
    parent = state.task_runs.get(run_id)
    run = state.runs.get(parent) if parent is not None else None
    if run is None:
        raise invalid(f"Run {run_id} does not exist.", "run_id")
    observe(ex, run, call.now, read)
    for round_ in reversed(run.rounds):
        for slot in round_.slots.values():
            for attempt in slot.attempts:
                if attempt.run_id == run_id:
                    return run, slot, attempt
            if not slot.attempts and slot.first_id == run_id:
                return run, slot, None
    raise invalid(f"Run {run_id} does not exist.", "run_id")


# (array, key field, what one entry is called): keys that must be unique within a job.
_KEYED_ARRAYS = (
    ("tasks", "task_key", "task"),
    ("job_clusters", "job_cluster_key", "job cluster"),
    ("environments", "environment_key", "environment"),
)
_GIT_REFS = ("git_branch", "git_tag", "git_commit")
_RUN_AS = ("user_name", "service_principal_name", "group_name")


def check_unique_keys(settings: dict[str, Any]) -> None:
    for array, field, noun in _KEYED_ARRAYS:
        seen: set[str] = set()
        for item in settings.get(array) or []:
            key = item[field]
            if key in seen:
                what = noun.capitalize()
                raise invalid(f"{what} key {key!r} is used by more than one {noun}; {noun} keys must be unique.", array)
            seen.add(key)


def check_settings(settings: dict[str, Any]) -> None:
    """Rules across fields of job settings (or a runs/submit body) that the schema leaves to the handlers."""
    check_unique_keys(settings)
    tasks = settings.get("tasks") or []
    keys = {task["task_key"] for task in tasks}
    for task in tasks:
        for dependency in task.get("depends_on") or []:
            if dependency.get("task_key") not in keys:
                raise invalid(
                    f"Task {task['task_key']!r} depends on {dependency.get('task_key')!r}, "
                    "which is not a task of this job.",
                    "tasks",
                )
    cycle = dag.find_cycle(tasks)
    if cycle:
        raise invalid(f"The task dependencies form a cycle through {', '.join(cycle)}.", "tasks")
    if settings.get("schedule") is not None and settings.get("continuous") is not None:  # `continuous: {}` is set
        raise invalid("Only one of schedule and continuous can be set.", "schedule")
    git = settings.get("git_source") or {}
    refs = [name for name in _GIT_REFS if git.get(name) is not None]
    if len(refs) > 1:
        raise invalid(f"{refs[0]} cannot be specified in conjunction with {' or '.join(refs[1:])}.", "git_source")
    run_as = settings.get("run_as")
    # An empty name counts as not given: run_as_user_name is never "".
    if run_as is not None and len([name for name in _RUN_AS if run_as.get(name)]) != 1:
        raise invalid(
            "Exactly one of run_as.user_name, run_as.service_principal_name or run_as.group_name must be set.",
            "run_as",
        )


# --- list paging (tokens, and the deprecated offset the legacy CLI uses) -----------------------------------------
def page(items: Iterable[Any], offset: int, limit: int) -> tuple[list[Any], bool]:
    window = list(islice(items, offset, offset + limit + 1))
    return window[:limit], len(window) > limit


def token_value(call: Call) -> int | None:
    token = call.query.get("page_token")
    if not token:
        return None
    try:
        return decode_offset(token)
    except BadToken:
        raise invalid(
            f"Invalid value for parameter 'page_token': {token!r} is not a token this server issued.", "page_token"
        ) from None


def start_offset(call: Call) -> int:
    value = token_value(call)
    return value if value is not None else int(call.query.get("offset", 0))


def paging_fields(offset: int, limit: int, shown: int, has_more: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {"has_more": has_more}
    if has_more:
        fields["next_page_token"] = encode_offset(offset + shown)
    if offset > 0:
        fields["prev_page_token"] = encode_offset(max(offset - limit, 0))
    return fields
