"""What every run of a job starts from, derived once per version of the job's settings.

A job's settings are replaced whole by jobs/reset and jobs/update (never changed in place), so what a run takes from
them (its tasks in dependency order, the task keys it is matched by, its snapshot of retry and cluster settings) is
derived once per settings object and shared by its runs: run-now then builds only what is the run's own (ids, slots,
attempts). Nothing changes a task spec in place after it is stored (a repair copies the spec it changes), so runs
and their job may share them, as runs of one job share them on the real service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.vendors.databricks import dag

_JOB_RETRY_FIELDS = ("max_retries", "min_retry_interval_millis", "retry_on_timeout")
SIZE = 1024  # settings objects kept (the newest used); an evicted one is derived again when used


@dataclass(frozen=True, slots=True)
class RunTemplate:
    """What the runs of one version of a job's settings share: tasks in both orders, what a run keeps, its timeout."""

    tasks: list[dict[str, Any]]  # as in the settings, job order (task run ids are handed out in this order)
    order: list[str]  # task keys, each after its dependencies
    keys: list[str]  # task keys, job order
    extra: dict[str, Any]  # description, job_clusters, git_source and the retry fields, as the run keeps them
    timeout_seconds: int


def extra_of(settings: dict[str, Any]) -> dict[str, Any]:
    """What a run keeps of its job's settings besides its tasks (for runs/get and repairs)."""
    extra = {key: settings[key] for key in _JOB_RETRY_FIELDS if key in settings}
    for key in ("description", "job_clusters", "git_source"):
        if settings.get(key):
            extra[key] = settings[key]
    return extra


def derive(settings: dict[str, Any], tasks: list[dict[str, Any]]) -> RunTemplate:
    return RunTemplate(
        tasks=tasks,
        order=dag.order(tasks),
        keys=[str(t["task_key"]) for t in tasks],
        extra=extra_of(settings),
        timeout_seconds=int(settings.get("timeout_seconds") or 0),
    )


class Templates:
    """Templates by settings object: the entry holds the object, so an id is never mistaken for a newer one."""

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._entries: dict[int, tuple[dict[str, Any], RunTemplate]] = {}

    def of(self, settings: dict[str, Any]) -> RunTemplate:
        entry = self._entries.get(id(settings))
        if entry is not None and entry[0] is settings:
            return entry[1]
        template = derive(settings, list(settings.get("tasks", [])))
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[id(settings)] = (settings, template)
        return template
