"""The plan book: the first matching plan, newest scenario first, whether the answer comes from its memo or not."""

from __future__ import annotations

import itertools
from types import MappingProxyType
from typing import Any

from simulator.engine.lifecycle import Step
from simulator.engine.scenario import Plan, Scenario
from simulator.engine.session import PlanBook

STEPS = (Step("RUNNING"),)


def plan(label: str, kind: str = "run", named_only: bool = False, **match: Any) -> Plan:
    return Plan(label, kind, MappingProxyType(match), STEPS, f"test:{label}", named_only)


def scenario(name: str, *plans: Plan, api: str = "x") -> Scenario:
    return Scenario(name, api, "", plans, {}, {}, (), f"test:{name}")


def first_match(book: PlanBook, api: str, kind: str, attrs: dict[str, Any]) -> Plan | None:
    """What the book answers without its memo: every plan of the API, newest scenario first."""
    for found in (p for s in reversed(book.scenarios) if s.api == api for p in s.plans):
        if found.kind == kind and found.matches(attrs):
            return found
    return None


PLANS = [
    plan("by-text", id="1"),
    plan("by-number", id=1.0),
    plan("truth", flag=True),
    plan("listed", task_key="load"),
    plan("tagged", tags={"team": "a*"}),
    plan("either", name=["x-*", "y"]),
    plan("hidden", named_only=True, name="*"),
    plan("task-kind", kind="task", name="*"),
]
VALUES: dict[str, list[Any]] = {
    "id": [1, 1.0, True, "1", 2, None, [1], (1,)],
    "flag": [True, 1, "True", False, None],
    "task_key": ["load", ["load", "x"], ("x",), {"load"}, frozenset(), None],
    "tags": [{"team": "alpha"}, {"team": "beta"}, {"team": 1}, [("team", "alpha")], None],
    "name": ["x-1", "y", "z", ["y"], None],
}


def test_every_answer_is_the_first_matching_plan_memo_or_not() -> None:
    book = PlanBook()
    book.add(scenario("old", *PLANS[:4]))
    book.add(scenario("new", *PLANS[4:]))
    names = list(VALUES)
    for values in itertools.product(*VALUES.values()):
        attrs = dict(zip(names, values, strict=True))
        for _ in range(2):  # the second time comes from the memo
            assert book.find("x", "run", attrs) is first_match(book, "x", "run", attrs), attrs
    assert book.find("x", "task", {"name": "anything"}) is PLANS[-1]
    assert book.find("other", "run", {"id": 1}) is None


def test_changed_plans_are_seen_at_once() -> None:
    book = PlanBook()

    def chosen() -> str | None:
        found = book.find("x", "run", {"name": "nightly"})
        return found.name if found else None

    book.add(scenario("a", plan("first", name="n*")))
    assert chosen() == "first"
    book.add(scenario("b", plan("second", name="night*")))  # newer: tried first
    assert chosen() == "second"
    assert book.remove("x", "b")
    assert chosen() == "first"
    assert book.remove("x", "a")
    assert chosen() is None


def test_values_without_a_stable_key_are_matched_directly() -> None:
    book = PlanBook()
    book.add(scenario("a", plan("tagged", tags={"1": "x"})))
    mixed = {1: "x", "1": "x"}  # keys of two types cannot be sorted into a key
    assert book.find("x", "run", {"tags": mixed}) is first_match(book, "x", "run", {"tags": mixed})
    assert book.find("x", "run", {"tags": {"1": "y"}}) is None
