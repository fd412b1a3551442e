"""CDQ jobs, job types and callers as the simulator keeps them, per session."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from typing import Any

from simulator.engine.lifecycle import Step, Timeline
from simulator.engine.store import Store

DEFAULT_USER = "jobsim-user"
DEFAULT_ORGANIZATION = "jobsim_org"

SortKey = tuple[int, int]  # (createdAt in ms, creation number): a total order, stable while jobs are added


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sends a request: the user and organization a job created by it gets."""

    user: str
    organization_id: str
    workspace_id: str | None = None


@dataclass(frozen=True, slots=True)
class JobType:
    """A CDQ job type as `listJobTypes` shows it, with the `domain` and `dockerImageUrl` a new job of that type gets."""

    type: str
    features: tuple[str, ...] = ()
    description: str | None = None
    domain: str | None = None
    docker_image_url: str | None = None


@dataclass(slots=True)
class CdqJob:
    """A CDQ job: the fields the client sent, the user and organization that own it, and its timeline through its plan.

    `seq` (its creation number) and `created_at` make its sort key; `rest` is set while it waits on its dependencies."""

    id: str
    seq: int
    created_at: float
    fields: dict[str, Any]  # what the client sent (type, name, tags, labels, jobDependencies, ...)
    user: str
    organization_id: str
    timeline: Timeline
    plan: tuple[Step, ...]  # the whole plan, for the RUNNING step's attrs
    rest: tuple[Step, ...] = ()  # steps after the dependency gate, attached once the dependencies are done
    updated_at: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)  # sample-data-only fields (reportUri, mainLabel, ...)

    @property
    def key(self) -> SortKey:
        return int(self.created_at * 1000), self.seq

    @property
    def type(self) -> str:
        return str(self.fields["type"])

    @property
    def dependencies(self) -> list[str]:
        return [str(d["jobId"]) for d in self.fields.get("jobDependencies", [])]

    @property
    def waiting_on_dependencies(self) -> bool:
        return bool(self.rest)


TOMBSTONE_SLACK = 0.1


@dataclass(frozen=True, slots=True)
class Tombstone:
    """What a deleted (or expired, or evicted) job had become, so jobs depending on it still know how it ended."""

    status: str
    ended_at: float | None
    deleted_at: float


@dataclass(slots=True)
class CdqState:
    """One session's CDQ state: jobs, tombstones of deleted ones, job types and the callers of API keys.

    `order` holds `(createdAt in ms, creation number, job id)` of every stored job, sorted, for `listJobs` pages."""

    jobs: Store[str, CdqJob] = field(default_factory=Store)
    order: list[tuple[int, int, str]] = field(default_factory=list)
    deleted: dict[str, Tombstone] = field(default_factory=dict)
    job_types: dict[str, JobType] = field(default_factory=dict)
    api_keys: dict[str, Caller] = field(default_factory=dict)
    default_caller: Caller = field(default_factory=lambda: Caller(DEFAULT_USER, DEFAULT_ORGANIZATION))

    def add(self, job: CdqJob) -> CdqJob:
        self.jobs.add(job.id, job)
        bisect.insort(self.order, (*job.key, job.id))
        return job

    def forget(self, dropped: list[CdqJob], limit: int, now: float) -> None:
        """Jobs retention took out of `jobs`: out of the order too, each leaving a tombstone (capped like the jobs,
        oldest first, with slack) so jobs depending on it still learn how it ended."""
        if not dropped:
            return
        gone = {job.id for job in dropped}
        self.order[:] = [entry for entry in self.order if entry[2] not in gone]
        for job in dropped:
            self.deleted[job.id] = Tombstone(job.timeline.state, job.timeline.ended_at(), now)
        deleted = self.deleted
        if len(deleted) > limit:
            for job_id in list(itertools.islice(deleted, len(deleted) - int(limit * (1 - TOMBSTONE_SLACK)))):
                del deleted[job_id]

    def remove(self, job: CdqJob, tombstone: Tombstone) -> None:
        self.jobs.pop(job.id)
        entry = (*job.key, job.id)
        index = bisect.bisect_left(self.order, entry)
        if index < len(self.order) and self.order[index] == entry:
            del self.order[index]
        self.deleted[job.id] = tombstone
