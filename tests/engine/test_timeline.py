"""Engine unit tests: lifecycles, timelines and the virtual clock (no HTTP)."""

from __future__ import annotations

import itertools
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine.clock import Clock
from simulator.engine.lifecycle import Lifecycle, Step, Timeline

LIFE = Lifecycle(
    name="job",
    states=frozenset({"WAITING", "RUNNING", "DONE", "FAILED", "STOPPING", "CANCELLED"}),
    initial=frozenset({"WAITING"}),
    terminal=frozenset({"DONE", "FAILED", "CANCELLED"}),
    moves=MappingProxyType(
        {
            "WAITING": frozenset({"RUNNING", "STOPPING", "CANCELLED"}),
            "RUNNING": frozenset({"DONE", "FAILED", "STOPPING"}),
            "STOPPING": frozenset({"CANCELLED"}),
        }
    ),
    cancel_path=(Step("STOPPING", seconds=5), Step("CANCELLED")),
)
PLAN = (Step("WAITING", seconds=60), Step("RUNNING", seconds=1800), Step("DONE", result="ok"))


def test_virtual_clock_jumps_an_hour_in_one_call() -> None:
    clock = Clock("virtual", start=1_000_000.0)
    timeline = Timeline(LIFE, PLAN, clock.now())
    assert timeline.observe(clock.now()).state == "WAITING"
    clock.advance(3600)
    assert clock.now() == 1_003_600.0
    assert timeline.observe(clock.now()).state == "DONE"
    # Transitions are stamped when they were due, not when they were observed.
    assert timeline.history == [("WAITING", 1_000_000.0), ("RUNNING", 1_000_060.0), ("DONE", 1_001_860.0)]
    assert timeline.ended_at() == 1_001_860.0


def test_virtual_clock_stays_frozen_and_never_goes_back() -> None:
    clock = Clock("virtual", start=10.0)
    assert clock.now() == clock.now() == 10.0
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert clock.real_seconds_until(20.0) is None


def test_real_clock_speed_factor() -> None:
    clock = Clock("real", speed=1000.0)
    before = clock.now()
    clock.configure(speed=1000.0)
    assert clock.real_seconds_until(before + 3600) <= 3.6


def test_steps_that_last_a_number_of_reads() -> None:
    plan = (Step("WAITING", reads=2), Step("RUNNING", reads=1), Step("DONE"))
    timeline = Timeline(LIFE, plan, 0.0)
    seen = [timeline.observe(0.0, read=True).state for _ in range(5)]
    assert seen == ["WAITING", "WAITING", "RUNNING", "DONE", "DONE"]
    assert timeline.observe(0.0).state == "DONE"


def test_cancel_interrupts_and_a_terminal_run_stays_terminal() -> None:
    timeline = Timeline(LIFE, PLAN, 0.0)
    timeline.interrupt(LIFE.cancel_path, 100.0)
    assert timeline.state == "STOPPING"
    assert timeline.observe(104.0).state == "STOPPING"
    assert timeline.observe(105.0).state == "CANCELLED"
    timeline.interrupt(LIFE.cancel_path, 200.0)
    assert timeline.observe(10_000.0).state == "CANCELLED"


def test_plan_problems_are_reported() -> None:
    assert LIFE.problems(PLAN) == []
    assert "cannot start" in LIFE.problems([Step("RUNNING")])[0]
    assert "cannot move" in LIFE.problems([Step("WAITING", seconds=1), Step("DONE")])[0]
    assert "terminal" in LIFE.problems([Step("WAITING", seconds=1), Step("CANCELLED", seconds=1)])[0]
    assert "unknown state" in LIFE.problems([Step("NOPE")])[0]
    assert "hold forever" in LIFE.problems([Step("WAITING"), Step("RUNNING")])[0]


def _plans() -> st.SearchStrategy[list[Step]]:
    """Valid plans: walks along allowed moves, each non-final step with a duration or read count."""

    @st.composite
    def build(draw: st.DrawFn) -> list[Step]:
        state = "WAITING"
        steps: list[Step] = []
        for _ in range(draw(st.integers(0, 4))):
            following = sorted(LIFE.moves.get(state, frozenset()))
            if not following:
                break
            if draw(st.booleans()):
                steps.append(Step(state, seconds=draw(st.floats(0, 100, allow_nan=False))))
            else:
                steps.append(Step(state, reads=draw(st.integers(1, 3))))
            state = draw(st.sampled_from(following))
        steps.append(Step(state))
        return steps

    return build()


@settings(max_examples=300, deadline=None)
@given(
    plan=_plans(),
    events=st.lists(
        st.tuples(st.sampled_from(["time", "read", "cancel"]), st.floats(0, 50, allow_nan=False)), max_size=30
    ),
)
def test_lifecycle_property_no_illegal_move_terminal_stays_terminal_time_monotone(plan, events) -> None:
    assert LIFE.problems(plan) == []
    now = 0.0
    timeline = Timeline(LIFE, plan, now)
    was_terminal = False
    for kind, delta in events:
        now += delta
        if kind == "cancel":
            timeline.interrupt(LIFE.cancel_path, now)
        else:
            timeline.observe(now, read=kind == "read")
        history = timeline.history
        for (before, at_before), (after, at_after) in itertools.pairwise(history):
            assert LIFE.can_move(before, after), f"illegal move {before} -> {after}"
            assert at_after >= at_before, "timestamps went backwards"
        assert history[-1][1] <= now
        if was_terminal:
            assert timeline.finished
        was_terminal = timeline.finished
