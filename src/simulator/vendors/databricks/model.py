"""Databricks jobs and runs as the simulator keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.engine.lifecycle import Timeline
from simulator.engine.store import Store


@dataclass(slots=True)
class Job:
    job_id: int
    settings: dict[str, Any]
    created_time: int
    creator_user_name: str

    @property
    def name(self) -> str:
        return str(self.settings.get("name", "Untitled"))


@dataclass(slots=True)
class TaskRun:
    run_id: int
    spec: dict[str, Any]

    @property
    def task_key(self) -> str:
        return str(self.spec["task_key"])


@dataclass(slots=True)
class Repair:
    repair_id: int
    timeline: Timeline
    task_run_ids: list[int]


@dataclass(slots=True)
class Run:
    run_id: int
    job_id: int | None
    run_type: str
    run_name: str
    creator_user_name: str
    timeline: Timeline
    tasks: list[TaskRun]
    trigger: str = "ONE_TIME"
    job_parameters: list[dict[str, Any]] = field(default_factory=list)
    overriding_parameters: dict[str, Any] = field(default_factory=dict)
    idempotency_token: str | None = None
    description: str | None = None
    original: Timeline | None = None
    original_task_run_ids: list[int] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)

    @property
    def start_ms(self) -> int:
        first = self.original or self.timeline
        return int(first.started_at * 1000)


@dataclass(slots=True)
class DatabricksState:
    jobs: Store[int, Job] = field(default_factory=Store)
    runs: Store[int, Run] = field(default_factory=Store)
    runs_by_job: dict[int, list[int]] = field(default_factory=dict)
    idempotency: dict[str, int] = field(default_factory=dict)

    def add_run(self, run: Run) -> Run:
        self.runs.add(run.run_id, run)
        if run.job_id is not None:
            self.runs_by_job.setdefault(run.job_id, []).append(run.run_id)
        if run.idempotency_token:
            self.idempotency[run.idempotency_token] = run.run_id
        return run

    def delete_run(self, run: Run) -> None:
        self.runs.pop(run.run_id)
        if run.job_id is not None and run.job_id in self.runs_by_job:
            self.runs_by_job[run.job_id].remove(run.run_id)
