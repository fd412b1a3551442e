"""What a vendor package provides: the `Vendor` plug-in base (its hooks and class attributes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from simulator.contract.leniency import STRICT, ParserRules
from simulator.contract.operation import Operation
from simulator.engine.lifecycle import Lifecycle, Step
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session
from simulator.exchange import ApiError, HandlerTable, Reply, RunView
from simulator.headers import Headers


@dataclass
class Vendor:
    """A vendor API as a plug-in. Subclasses set the class attributes and override the hooks they need."""

    name: ClassVar[str]
    title: ClassVar[str]
    spec_files: ClassVar[tuple[str, ...]]
    lifecycles: ClassVar[Mapping[str, Lifecycle]]
    match_keys: ClassVar[frozenset[str]] = frozenset({"name", "id"})
    data_schema: ClassVar[Mapping[str, Any]] = {}
    default_scenario: ClassVar[str | None] = "default"
    handlers: ClassVar[HandlerTable]
    # What each state (in the vendor's words, as `RunView.state` and its history show it) means for the dashboard:
    # one of exchange.PHASES. A state not named here is "other".
    phases: ClassVar[Mapping[str, str]] = {}
    # How the vendor's server parses request JSON (protobuf JSON, Jackson, ...): applied by the contract layer.
    parser_rules: ClassVar[ParserRules] = STRICT

    options: dict[str, Any] = field(default_factory=dict)

    # --- state ----------------------------------------------------------------------------------------------
    def new_state(self, session: Session) -> Any:
        raise NotImplementedError

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        """Apply a scenario's `data` section (sample jobs, runs, users) to a session's state."""

    def retain(self, state: Any, session: Session) -> None:
        """Drop what the API no longer keeps (ended runs past their age or beyond `session.max_runs`), with the
        engine's `retention.retain`. The dispatcher calls it once per request to the API, before the handler; the
        dashboard and the metrics call it before they look."""

    def run_views(self, state: Any, session: Session) -> list[RunView]:
        """Every run (or job) the session holds, newest first, observed at the session's now."""
        return []

    def phase_of(self, state: str) -> str:
        return self.phases.get(state, "other")

    def count_runs(self, state: Any, session: Session) -> Mapping[str, int]:
        """Runs (or jobs) held in a session by their current state, in the vendor's words (for metrics)."""
        return {}

    # --- checks ---------------------------------------------------------------------------------------------
    def check_step(self, kind: str, step: Step) -> str | None:
        return None

    def precheck_body(self, operation: Operation, body: Any) -> None:
        """Refuse a body (raise an ApiError) where the vendor words a refusal better than the schema would. Runs
        after the API's parser rules and before schema validation; must not change the body."""

    def accepts_token(self, headers: Headers, tokens: frozenset[str]) -> bool:
        if not tokens:
            return True
        value = headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        return scheme.lower() == "bearer" and token.strip() in tokens

    # Operations answered without credentials (a token endpoint): neither `accepts_token` nor `authenticate` runs.
    public_operations: ClassVar[frozenset[str]] = frozenset()

    def authenticate(self, headers: Headers, state: Any) -> Any:
        """Who is calling (handed to the handler as `Call.caller`); raise a 401 ApiError for missing or wrong
        credentials. Called before the request is validated, so a caller without valid credentials learns nothing
        about the API (as the vendors' servers do)."""
        return None

    # --- errors ---------------------------------------------------------------------------------------------
    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        raise NotImplementedError
