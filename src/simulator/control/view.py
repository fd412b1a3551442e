"""The control API's view of the running simulator: what its handlers may read and do, as Protocols the server's
`Runtime` satisfies. The control modules import no server code; the server hands them its runtime."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from simulator.contract.document import ApiDocument
from simulator.engine.clock import Clock
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.exchange import Call
from simulator.vendors.base import Vendor


class SessionsView(Protocol):
    def get(self, session_id: str) -> Session: ...
    def reset(self, session_id: str) -> Session: ...
    def drop(self, session_id: str) -> bool: ...
    def ids(self) -> list[str]: ...


class MetricsView(Protocol):
    @property
    def contract_violations(self) -> int: ...
    def render(self, runs_by_state: Iterable[tuple[str, str, str, int]]) -> str: ...


class SettingsView(Protocol):
    @property
    def scenarios_dir(self) -> Path: ...


class DeploymentView(Protocol):
    """Replicas sharing their sessions through a store: what the whole deployment holds, not one replica."""

    async def session_ids(self) -> list[str]: ...
    async def health(self) -> dict[str, Any]: ...
    async def metrics_text(self) -> str: ...


class RuntimeView(Protocol):
    """The running simulator as the control API sees it (its per-session state)."""

    @property
    def vendors(self) -> Mapping[str, Vendor]: ...
    @property
    def documents(self) -> Sequence[ApiDocument]: ...
    @property
    def sessions(self) -> SessionsView: ...
    @property
    def metrics(self) -> MetricsView: ...
    @property
    def settings(self) -> SettingsView: ...
    @property
    def deployment(self) -> DeploymentView | None: ...

    def available_scenarios(self) -> list[dict[str, str]]: ...
    def scenario_dirs(self) -> dict[str, Path]: ...
    def find_scenario(self, ref: str) -> Path: ...
    def parse(self, text: str, source: str) -> Scenario: ...
    def apply(self, session: Session, scenario: Scenario) -> None: ...
    def export_session(self, session: Session) -> dict[str, Any]: ...
    def import_session(self, session_id: str, data: Mapping[str, Any]) -> Session: ...


def clock_json(clock: Clock) -> dict[str, Any]:
    """A session's clock as the control API and the dashboard show it."""
    now = clock.now()
    return {
        "mode": clock.mode,
        "speed": clock.speed,
        "now": now,
        "now_iso": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
    }


def runtime_of(call: Call) -> RuntimeView:
    """The runtime a control handler works on (the control API's per-session state)."""
    runtime: RuntimeView = call.state
    return runtime
