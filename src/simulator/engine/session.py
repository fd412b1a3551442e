"""A session: one isolated world (clock, ids, scenarios and each API's state)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from simulator.engine.clock import Clock
from simulator.engine.faults import FaultBook
from simulator.engine.ids import IdSource
from simulator.engine.journal import Journal
from simulator.engine.scenario import Plan, Scenario


class PlanBook:
    """The plans in force, newest scenario first; the first plan that matches a run drives it."""

    __slots__ = ("_by_api", "scenarios")

    def __init__(self) -> None:
        self.scenarios: list[Scenario] = []
        self._by_api: dict[str, list[Plan]] = {}

    def add(self, scenario: Scenario) -> None:
        self.scenarios = [s for s in self.scenarios if not (s.name == scenario.name and s.api == scenario.api)]
        self.scenarios.append(scenario)
        self._rebuild()

    def remove(self, api: str, name: str) -> bool:
        before = len(self.scenarios)
        self.scenarios = [s for s in self.scenarios if not (s.name == name and s.api == api)]
        self._rebuild()
        return len(self.scenarios) != before

    def find(self, api: str, kind: str, attrs: Mapping[str, Any]) -> Plan | None:
        for plan in self._by_api.get(api, ()):
            if plan.kind == kind and plan.matches(attrs):
                return plan
        return None

    def named(self, api: str, name: str) -> Plan | None:
        return next((p for p in self._by_api.get(api, ()) if p.name == name), None)

    def _rebuild(self) -> None:
        by_api: dict[str, list[Plan]] = {}
        for scenario in reversed(self.scenarios):
            by_api.setdefault(scenario.api, []).extend(scenario.plans)
        self._by_api = by_api


class Session:
    """One isolated world: its own clock, ids, plans, vendor states, request journal and fault rules."""

    __slots__ = ("clock", "closing", "faults", "id", "ids", "journal", "max_runs", "plans", "seed", "states")

    def __init__(
        self,
        session_id: str,
        clock: Clock,
        seed: int | None,
        *,
        journal_size: int = 10_000,
        journal_enabled: bool = True,
        max_runs: int = 10_000,
    ) -> None:
        self.id = session_id
        self.clock = clock
        self.seed = seed
        self.ids = IdSource(seed)
        self.plans = PlanBook()
        self.states: dict[str, Any] = {}
        self.journal = Journal(journal_size, journal_enabled)
        self.faults = FaultBook(random.Random(seed))
        self.closing = False  # set when the server stops: long-polls answer at once
        self.max_runs = max_runs  # runs each API keeps (oldest ended ones are evicted first, active ones never)

    def now(self) -> float:
        return self.clock.now()
