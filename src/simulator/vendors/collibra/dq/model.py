"""Data Quality jobs (declared by scenarios) and their runs, as the simulator keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.engine.lifecycle import Timeline
from simulator.engine.store import Store
from simulator.vendors.collibra.auth import Users
from simulator.vendors.collibra.dq.rundates import RunDate


@dataclass(slots=True)
class DqJob:
    """A Data Quality job a scenario declares: its job type, the date format of its run dates, and the plan its runs
    follow (None: the first plan that matches)."""

    name: str
    job_type: str = "PUSHDOWN"
    date_format: str = "TIMESTAMP"
    plan: str | None = None


@dataclass(slots=True)
class DqRun:
    """A Data Quality job run: its run date (and end), who started it and its timeline; `backfill` marks a run a backrun
    request started for an earlier bin."""

    run_id: str
    job_name: str
    job_type: str
    run_date: RunDate
    run_date_end: RunDate | None
    started_by: str
    timeline: Timeline
    backfill: bool = False

    @property
    def status(self) -> str:
        return self.timeline.state

    @property
    def activity(self) -> str:
        return str(self.timeline.step.attrs.get("activity", ""))

    @property
    def updated_at(self) -> float:
        return self.timeline.entered_at


@dataclass(slots=True)
class DqState:
    """One session's Data Quality state: the declared jobs by name, their runs by id, and the scenario's users."""

    jobs: dict[str, DqJob] = field(default_factory=dict)
    runs: Store[str, DqRun] = field(default_factory=Store)
    users: Users = field(default_factory=Users)
