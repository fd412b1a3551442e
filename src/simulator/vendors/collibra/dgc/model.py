"""DGC jobs as the simulator keeps them: one record, rendered by the Core 2.0 API and by the Jobs API v1."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.engine.lifecycle import Timeline
from simulator.engine.store import Store
from simulator.vendors.collibra.auth import Users
from simulator.vendors.collibra.dgc.lifecycle import progress, result_of


@dataclass(slots=True)
class DgcJob:
    job_id: str
    name: str
    type: str
    user_id: str
    created_by: str
    created_at: float  # also when the job becomes visible (scenario jobs may appear later)
    timeline: Timeline
    visibility: int = 1
    system: bool = False
    cancelable: bool = True
    self_managed: bool = False
    message: str | None = None
    modified_by: str | None = None
    modified_at: float | None = None
    deleted: bool = False

    @property
    def state(self) -> str:
        return self.timeline.state

    @property
    def result(self) -> str:
        return result_of(self.timeline.step)

    @property
    def start_date(self) -> float | None:
        return next((at for state, at in self.timeline.history if state == "RUNNING"), None)

    @property
    def end_date(self) -> float | None:
        return self.timeline.ended_at()

    @property
    def last_modified_on(self) -> float:
        return max(self.timeline.entered_at, self.modified_at or 0.0, self.created_at)

    def progress(self, now: float) -> float:
        return progress(self.timeline.step, self.timeline.entered_at, now)

    def text(self) -> str | None:
        return self.message or self.timeline.step.message or None


@dataclass(slots=True)
class DgcState:
    jobs: Store[str, DgcJob] = field(default_factory=Store)
    users: Users = field(default_factory=Users)

    def visible(self, now: float) -> list[DgcJob]:
        """Jobs that exist at `now` (scenario jobs may appear later), observed at `now`, oldest first."""
        out = []
        for job in self.jobs.oldest_first():
            if job.created_at <= now:
                job.timeline.observe(now)
                out.append(job)
        return out

    def get(self, job_id: str, now: float) -> DgcJob | None:
        job = self.jobs.get(job_id)
        if job is None or job.created_at > now:
            return None
        return job
