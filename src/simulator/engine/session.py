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
    """The plans in force, newest scenario first; the first plan that matches a run drives it.

    Which plan matches is a function of the values of the attributes the plans name (`match` keys), so the answer
    is kept per API, kind and those values (up to `_MEMO_MAX` answers, cleared whole when full, and whenever the
    plans change): a run whose plan-relevant attributes were seen before skips the pattern matching. Values are
    keyed with their type where equal values of different types match differently (1, 1.0 and True; a list and a
    mapping), so two runs share an answer only when every plan would treat them alike.
    """

    __slots__ = ("_by_api", "_kinds", "_memo", "scenarios")

    def __init__(self) -> None:
        self.scenarios: list[Scenario] = []
        self._by_api: dict[str, list[Plan]] = {}
        # (api, kind) -> the plans that can match a run of that kind, and the attribute names they look at
        self._kinds: dict[tuple[str, str], tuple[tuple[Plan, ...], tuple[str, ...]]] = {}
        self._memo: dict[tuple[Any, ...], Plan | None] = {}

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
        candidates, names = self._kinds.get((api, kind)) or self._index(api, kind)
        if not candidates:
            return None
        try:
            key: tuple[Any, ...] | None = (
                (api, kind, _frozen(attrs.get(names[0])))  # plans naming one attribute (the usual `name`)
                if len(names) == 1
                else (api, kind, *[_frozen(attrs.get(name)) for name in names])
            )
        except TypeError:  # a value with no stable key (e.g. a mapping with keys of mixed types): match directly
            key = None
        if key is not None and key in self._memo:
            return self._memo[key]
        found = next((plan for plan in candidates if plan.matches(attrs)), None)
        if key is not None:
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[key] = found
        return found

    def named(self, api: str, name: str) -> Plan | None:
        return next((p for p in self._by_api.get(api, ()) if p.name == name), None)

    def _index(self, api: str, kind: str) -> tuple[tuple[Plan, ...], tuple[str, ...]]:
        candidates = tuple(p for p in self._by_api.get(api, ()) if p.kind == kind and not p.named_only)
        names = tuple(sorted({name for plan in candidates for name in plan.match}))
        self._kinds[(api, kind)] = (candidates, names)
        return candidates, names

    def _rebuild(self) -> None:
        by_api: dict[str, list[Plan]] = {}
        for scenario in reversed(self.scenarios):
            by_api.setdefault(scenario.api, []).extend(scenario.plans)
        self._by_api = by_api
        self._kinds = {}
        self._memo = {}


_MEMO_MAX = 4096
_SEQUENCE, _SET, _MAPPING = object(), object(), object()  # markers no attribute value can contain


def _frozen(value: Any) -> Any:
    """A hashable key for an attribute value: equal keys only for values every plan pattern treats alike."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is bool or kind is float:
        return (kind, value)  # 1, 1.0 and True are equal keys in a dict, but "1" matches only 1 and 1.0 by text
    if isinstance(value, list | tuple):
        return (_SEQUENCE, *[_frozen(item) for item in value])
    if isinstance(value, set | frozenset):
        return (_SET, frozenset(_frozen(item) for item in value))
    if isinstance(value, Mapping):
        return (_MAPPING, *sorted((k, _frozen(v)) for k, v in value.items()))
    raise TypeError(f"no plan key for a {kind.__name__}")


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
