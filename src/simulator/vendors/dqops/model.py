"""The DQOps job queue as the simulator keeps it: jobs, the change feed and the cron scheduler."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.engine.lifecycle import Timeline
from simulator.engine.session import Session
from simulator.engine.store import Store
from simulator.vendors.dqops.kinds import JobKind
from simulator.vendors.dqops.options import Options
from simulator.vendors.dqops.signals import Signal


@dataclass(slots=True)
class Job:
    """A DQOps job in the queue: its kind, parameters and timeline, how much of its history is in the change feed, and
    the signal that wakes requests waiting on it."""

    job_id: int
    kind: JobKind
    parameters: dict[str, Any]  # the member of DqoJobEntryParametersModel, without the stored result
    timeline: Timeline
    business_key: str | None = None
    recorded: int = 0  # how many entries of timeline.history are already in the change feed
    signal: Signal = field(default_factory=Signal)

    @property
    def created_at(self) -> float:
        return self.timeline.started_at


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the job change feed (DqoJobChangeModel): the job's new status and when; `updated_model` is the job's
    history entry, sent when the job is new, failed, or finished with a result."""

    sequence: int
    job: Job
    status: str
    at: float  # when the job entered `status` (simulator clock)
    logged_at: float  # when the simulator recorded it; retention counts from here
    updated_model: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class CronEntry:
    """A job the cron scheduler queues every `interval`; `cron_expression` is echoed in the job's parameters."""

    kind: JobKind
    interval: float  # seconds; fires at whole multiples of it on the simulator clock, like cron
    cron_expression: str | None


@dataclass(slots=True)
class DqopsState:
    """One session's DQOps job queue: jobs, the change feed and the cron scheduler; `last_sequence` is the last job id
    or change sequence handed out."""

    session: Session
    options: Options
    last_sequence: int
    jobs: Store[int, Job] = field(default_factory=Store)
    active: dict[int, Job] = field(default_factory=dict)  # jobs whose end is not yet in the change feed
    # The active jobs by when their timeline next moves (a heap; stale entries skipped), so `sync` looks only at
    # jobs that are due. Derived from `active`: rebuilt when the two disagree.
    due: list[tuple[float, int]] = field(default_factory=list)
    due_at: dict[int, float] = field(default_factory=dict)
    finished: deque[Job] = field(default_factory=deque)  # ended jobs, oldest end first
    business_keys: dict[str, int] = field(default_factory=dict)
    changes: deque[Change] = field(default_factory=deque)
    feed_signal: Signal = field(default_factory=Signal)
    scheduler_running: bool = True
    cron: list[CronEntry] = field(default_factory=list)
    cron_checked_at: float = 0.0
    last_synchronize_job: int | None = None
    # The clock subscription's cancel function; not part of a snapshot (a function is dropped), so a restored state
    # subscribes again to its new clock on its first sync.
    clock_listener: Callable[[], None] | None = None

    def listen_to_clock(self) -> None:
        if self.clock_listener is None:
            self.clock_listener = self.session.clock.subscribe(self.wake_everyone)

    def next_sequence(self, at: float) -> int:
        """Job ids, change sequences and lastSequenceNumber: epochSeconds * 1000000 + n, strictly growing."""
        self.last_sequence = max(self.last_sequence + 1, int(at) * 1_000_000)
        return self.last_sequence

    def wake_everyone(self) -> None:
        """The clock moved or changed mode: every long-poll re-reads the queue and re-arms its timer."""
        self.feed_signal.fire()
        for job in list(self.active.values()):
            job.signal.fire()
