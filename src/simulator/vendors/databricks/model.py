"""Databricks jobs and runs as the simulator keeps them.

A `Run` (job run or one-time run) has rounds: the original run and one per repair. A round holds one `Slot` per
task it runs; a slot holds the task's attempts (task runs, each with its own run_id and `Timeline`). A run without
tasks has one hidden slot (key ""), so every run is evaluated the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.engine.lifecycle import Step, Timeline
from simulator.engine.store import Store

HIDDEN = ""

RETENTION_SECONDS = 60 * 86400.0  # runs are removed 60 days after they end (Jobs API reference, runs/get-output)


# Jobs behind one-time runs take ids from here up, far from user jobs (1001 up), still exact in a JavaScript number.
HIDDEN_JOB_IDS = 10**12 + 1


@dataclass(slots=True)
class Job:
    """A Databricks job: its id, its settings (as jobs/create or jobs/reset gave them), creation time and creator."""

    job_id: int
    settings: dict[str, Any]
    created_time: int
    creator_user_name: str
    queues_by_default: bool = True  # False for jobs created or reset through the Jobs API 2.0/2.1
    single_task: bool = False  # made through Jobs API 2.0 with its task's fields at the settings root

    @property
    def name(self) -> str:
        return str(self.settings.get("name", "Untitled"))


@dataclass(slots=True)
class Attempt:
    """One task run: attempt `number` of a task, following its own timeline."""

    run_id: int
    number: int
    timeline: Timeline
    never_ran: bool = False  # skipped (run_if, concurrency) or cancelled before it started: start_time 0
    timeout_at: float | None = None
    timeout_done: bool = False
    plan: str | None = None


@dataclass(slots=True)
class Slot:
    """One task of one round: its settings and its attempts."""

    key: str
    spec: dict[str, Any]
    first_id: int
    # A tuple, replaced as attempts start: most slots of a queued or pending run have none yet, and an empty tuple is
    # shared (no object of its own for the collector to walk); see docs/decisions.md "Tracked objects per run".
    attempts: tuple[Attempt, ...] = ()
    retry_at: float | None = None
    final_at: float | None = None
    no_retry: bool = False

    @property
    def hidden(self) -> bool:
        return self.key == HIDDEN

    @property
    def depends_on(self) -> list[dict[str, Any]]:
        return list(self.spec.get("depends_on") or [])


@dataclass(slots=True)
class Round:
    """The original run (number 0) or a repair: the tasks it runs, when it started and how it was stopped."""

    number: int
    slots: dict[str, Slot]
    steps: tuple[Step, ...]
    repair_id: int | None = None
    started_at: float | None = None
    ended_at: float | None = None
    stop: str | None = None  # "cancel" or "timeout"
    stopped_at: float | None = None
    outcome: dict[str, Any] | None = None  # state/status once a later repair superseded this round


@dataclass(slots=True)
class Run:
    """A Databricks job run, or a one-time run (runs/submit): its rounds, the current slot of each task (`order`,
    `current`), how it was admitted, and the parameters and settings it runs with."""

    run_id: int
    job_id: int | None
    run_type: str
    run_name: str
    creator_user_name: str
    created_at: float
    order: list[str]
    rounds: tuple[Round, ...]  # a repair replaces it with one more (see "Tracked objects per run")
    current: dict[str, Slot]
    attrs: dict[str, Any]
    admission: str = "started"  # started | queued | skipped | canceled
    final_at: float | None = None
    timeout_seconds: int = 0
    timeout_floor: float | None = None  # a timeout changed on an active run cannot end it before the change
    queue_limit: int = 1
    trigger: str = "ONE_TIME"
    job_parameters: tuple[dict[str, Any], ...] = ()
    overriding_parameters: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # job_clusters, git_source, description snapshots
    idempotency_token: str | None = None
    single_task: bool = False  # a run of a single-task job, or a Jobs API 2.0 submit with root task fields
    # A one-time run (runs/submit) belongs to a job Databricks creates for it and never lists: its id is shown as the
    # run's `job_id` (Airflow's deferrable submit operator reads it); `job_id` above stays None (no user job).
    hidden_job_id: int | None = None

    @property
    def shown_job_id(self) -> int | None:
        return self.job_id if self.job_id is not None else self.hidden_job_id

    @property
    def start_ms(self) -> int:
        return round(self.created_at * 1000)

    @property
    def latest(self) -> Round:
        return self.rounds[-1]

    @property
    def hidden(self) -> bool:
        return self.order == [HIDDEN]

    def slots(self) -> list[Slot]:
        """The task view: for every task, the slot of the latest round that ran it."""
        return [self.current[key] for key in self.order]


@dataclass(slots=True)
class DueIndex:
    """A job's active runs by when they can next change (see `due`)."""

    heap: list[tuple[float, int]] = field(default_factory=list)  # (due, run id); stale entries are skipped
    due: dict[int, float] = field(default_factory=dict)  # run id -> the due time of its live entry


@dataclass(slots=True)
class DatabricksState:
    """One session's Databricks jobs and runs, with the indexes the Jobs API needs: runs by job, idempotency tokens,
    task run ids, and each job's active and queued runs."""

    jobs: Store[int, Job] = field(default_factory=Store)
    runs: Store[int, Run] = field(default_factory=Store)
    runs_by_job: dict[int, list[int]] = field(default_factory=dict)
    idempotency: dict[str, int] = field(default_factory=dict)
    task_runs: dict[int, int] = field(default_factory=dict)  # task run id -> job run id
    active: dict[int, list[int]] = field(default_factory=dict)  # job id -> started runs not yet seen final
    queued: dict[int, list[int]] = field(default_factory=dict)  # job id -> queued runs, oldest first
    due: dict[int, DueIndex] = field(default_factory=dict)  # job id -> its active runs by next change (derived)

    def add_run(self, run: Run) -> Run:
        self.runs.add(run.run_id, run)
        if run.job_id is not None:
            self.runs_by_job.setdefault(run.job_id, []).append(run.run_id)
        if run.idempotency_token:
            self.idempotency[run.idempotency_token] = run.run_id
        for slot in run.slots():
            self.index(run, slot)
        return run

    def index(self, run: Run, slot: Slot) -> None:
        if not slot.hidden:
            self.task_runs[slot.first_id] = run.run_id

    def delete_run(self, run: Run) -> None:
        self.runs.pop(run.run_id)
        if run.job_id is not None and run.job_id in self.runs_by_job:
            self.runs_by_job[run.job_id].remove(run.run_id)
        self._unindex_tasks(run)

    def forget(self, runs: list[Run]) -> None:
        """Drop the index entries of runs already taken out of `runs` (by the run cap or by retention).

        Unlike a deleted run, a forgotten run's idempotency token is forgotten too (else the tokens would grow
        without bound); the job lists are rebuilt once per job, so a batch costs one pass over each list.
        """
        gone_by_job: dict[int, set[int]] = {}
        for run in runs:
            if run.job_id is not None:
                gone_by_job.setdefault(run.job_id, set()).add(run.run_id)
            token = run.idempotency_token
            if token and self.idempotency.get(token) == run.run_id:
                del self.idempotency[token]
            self._unindex_tasks(run)
        for job_id, gone in gone_by_job.items():
            kept = self.runs_by_job.get(job_id)
            if kept is not None:
                kept[:] = [run_id for run_id in kept if run_id not in gone]

    def _unindex_tasks(self, run: Run) -> None:
        for round_ in run.rounds:
            for slot in round_.slots.values():
                self.task_runs.pop(slot.first_id, None)
                for attempt in slot.attempts:
                    self.task_runs.pop(attempt.run_id, None)
