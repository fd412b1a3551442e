"""Filtering and ordering jobs, as findJobs (Core 2.0) and listJobsV1 (Jobs API v1) describe it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.vendors.collibra.dgc.model import DgcJob

# v1 has no cancelled state (its cancel is the delete); a soft-deleted job reads DELETED whatever its Core state.
V1_STATE = {
    "WAITING": "WAITING",
    "RUNNING": "RUNNING",
    "CANCELING": "RUNNING",
    "COMPLETED": "COMPLETED",
    "ERROR": "FAILED",
    "CANCELED": "DELETED",
}


def v1_state(job: DgcJob) -> str:
    return "DELETED" if job.deleted else V1_STATE[job.state]


@dataclass(frozen=True, slots=True)
class Filter:
    name: str | None = None
    mode: str = "ANYWHERE"
    created_by: str | None = None
    states: Collection[str] = ()
    results: Collection[str] = ()
    types: Collection[str] = ()
    visible: bool | None = None
    state_of: Callable[[DgcJob], str] = lambda job: job.state

    def keep(self, job: DgcJob) -> bool:
        if self.name and not _name_matches(job.name, self.name, self.mode):
            return False
        if self.created_by and job.created_by != self.created_by:
            return False
        if self.states and self.state_of(job) not in self.states:
            return False
        if self.results and job.result not in self.results:
            return False
        if self.types and job.type not in self.types:
            return False
        return self.visible is None or (job.visibility > 0) == self.visible

    def apply(self, jobs: Iterable[DgcJob]) -> list[DgcJob]:
        return [job for job in jobs if self.keep(job)]


def _name_matches(name: str, wanted: str, mode: str) -> bool:
    if mode == "EXACT":
        return name == wanted
    name, wanted = name.casefold(), wanted.casefold()
    if mode == "START":
        return name.startswith(wanted)
    if mode == "END":
        return name.endswith(wanted)
    return wanted in name


SORT_KEYS: dict[str, Callable[[DgcJob], Any]] = {
    "NAME": lambda job: job.name.casefold(),
    "TYPE": lambda job: job.type.casefold(),
    "CREATED_ON": lambda job: job.created_at,
    "CREATED_BY": lambda job: job.created_by,
    "START_DATE": lambda job: job.start_date,
    "END_DATE": lambda job: job.end_date,
    "STATE": lambda job: job.state,
    "RESULT": lambda job: job.result,
}


def ordered(jobs: list[DgcJob], key: Callable[[DgcJob], Any], descending: bool) -> list[DgcJob]:
    """Sorted by `key`, ties by createdOn (newest first) then id; jobs without a value (no start/end) go last."""
    jobs = sorted(jobs, key=lambda job: job.job_id)
    jobs.sort(key=lambda job: job.created_at, reverse=True)
    keyed = [(key(job), job) for job in jobs]
    present = [pair for pair in keyed if pair[0] is not None]
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [job for _, job in present] + [job for value, job in keyed if value is None]


Position = Sequence[Any]  # (sort value or None, createdOn, id): where a job stands in an `ordered` list


def position(job: DgcJob, key: Callable[[DgcJob], Any]) -> Position:
    return (key(job), job.created_at, job.job_id)


def precedes(a: Position, b: Position, descending: bool) -> bool:
    """Whether a job at `a` comes before a job at `b` in the order `ordered` gives."""
    (value_a, created_a, id_a), (value_b, created_b, id_b) = a, b
    if (value_a is None) != (value_b is None):
        return value_b is None
    if value_a != value_b:
        return value_a > value_b if descending else value_a < value_b
    if created_a != created_b:
        return created_a > created_b
    return id_a < id_b
