"""Lifecycles and timelines.

A `Lifecycle` says which states exist, which are terminal and which moves are allowed. A `Plan` is a list of
`Step`s: a state held for a time on the clock or for a number of reads. A `Timeline` is one run's walk through a
plan; its state is computed when it is observed, so no task or thread exists per run and a request costs the same
whatever the number of stored runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Step:
    """Hold `state` for `seconds` of clock time or for `reads` observations; neither means hold until interrupted."""

    state: str
    seconds: float | None = None
    reads: int | None = None
    result: str | None = None
    message: str | None = None
    attrs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    @property
    def holds(self) -> bool:
        return self.seconds is None and self.reads is None


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """Which states exist, which a run may start in, which are terminal and which moves are allowed; `cancel_path` is
    the steps a cancel makes an active run follow."""

    name: str
    states: frozenset[str]
    initial: frozenset[str]
    terminal: frozenset[str]
    moves: Mapping[str, frozenset[str]]
    cancel_path: tuple[Step, ...]

    def can_move(self, source: str, target: str) -> bool:
        return target in self.moves.get(source, frozenset())

    def problems(self, steps: Iterable[Step]) -> list[str]:
        """Why a plan cannot run under this lifecycle (empty when it can)."""
        steps = list(steps)
        out: list[str] = []
        if not steps:
            return ["a plan needs at least one step"]
        for index, step in enumerate(steps):
            if step.state not in self.states:
                out.append(f"step {index + 1}: unknown state {step.state!r} (known: {', '.join(sorted(self.states))})")
        if out:
            return out
        if steps[0].state not in self.initial:
            out.append(
                f"step 1: a run cannot start in {steps[0].state!r} (it starts in one of "
                f"{', '.join(sorted(self.initial))})"
            )
        for index, (before, after) in enumerate(itertools.pairwise(steps)):
            if before.state in self.terminal:
                out.append(f"step {index + 1}: {before.state!r} is terminal, nothing may follow it")
            elif before.holds:
                out.append(f"step {index + 1}: only the last step may hold forever (give it 'for' or 'reads')")
            elif not self.can_move(before.state, after.state):
                out.append(f"step {index + 2}: {before.state!r} cannot move to {after.state!r}")
        last = steps[-1]
        if last.state in self.terminal and not last.holds:
            out.append(f"step {len(steps)}: a terminal step takes no 'for' or 'reads'")
        return out


class Timeline:
    """One run's walk through a plan. `observe` moves it to where the clock (and read count) says it is."""

    __slots__ = ("_entered_at", "_index", "_reads", "_steps", "history", "lifecycle")

    def __init__(self, lifecycle: Lifecycle, steps: Iterable[Step], start: float) -> None:
        self.lifecycle = lifecycle
        self._steps: tuple[Step, ...] = tuple(steps)
        self._index = 0
        self._entered_at = start
        self._reads = 0
        self.history: list[tuple[str, float]] = [(self._steps[0].state, start)]

    @property
    def step(self) -> Step:
        return self._steps[self._index]

    @property
    def state(self) -> str:
        return self._steps[self._index].state

    @property
    def entered_at(self) -> float:
        return self._entered_at

    @property
    def started_at(self) -> float:
        return self.history[0][1]

    @property
    def finished(self) -> bool:
        return self.state in self.lifecycle.terminal

    def ended_at(self) -> float | None:
        return self._entered_at if self.finished else None

    def time_in(self, states: Iterable[str]) -> float:
        """Seconds spent so far in any of `states` (by the history, up to the last observation)."""
        wanted = set(states)
        total = 0.0
        for (state, at), (_, until) in zip(self.history, self.history[1:], strict=False):
            if state in wanted:
                total += until - at
        return total

    def observe(self, now: float, read: bool = False) -> Step:
        self._follow_clock(now)
        if read:
            while True:
                step = self._steps[self._index]
                if step.reads is None:
                    break
                if self._reads < step.reads:
                    self._reads += 1
                    break
                self._enter(self._index + 1, now)
                self._follow_clock(now)
        return self._steps[self._index]

    def next_change_at(self) -> float | None:
        """When the clock alone will move this timeline next (None: only reads or an interruption will)."""
        step = self._steps[self._index]
        if step.seconds is None:
            return None
        return self._entered_at + step.seconds

    def interrupt(self, steps: Iterable[Step], now: float) -> None:
        """Leave the plan: follow `steps` from `now` (used by cancel). Does nothing to a finished timeline."""
        self._follow_clock(now)
        if self.finished:
            return
        new = tuple(steps)
        if new[0].state == self.state:
            self._steps = (*self._steps[: self._index], *new)
            self._reads = 0
            return
        self._steps = (*self._steps[: self._index + 1], *new)
        self._enter(self._index + 1, now)
        self._follow_clock(now)

    def _follow_clock(self, now: float) -> None:
        while True:
            step = self._steps[self._index]
            if step.seconds is None or self._index + 1 >= len(self._steps):
                return
            leaves_at = self._entered_at + step.seconds
            if now < leaves_at:
                return
            self._enter(self._index + 1, leaves_at)

    def _enter(self, index: int, at: float) -> None:
        at = max(at, self._entered_at)
        self._index = index
        self._entered_at = at
        self._reads = 0
        self.history.append((self._steps[index].state, at))
