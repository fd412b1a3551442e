"""What a vendor package provides, and what its handlers receive and return."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from starlette.datastructures import Headers

from simulator.contract.leniency import STRICT, ParserRules
from simulator.contract.operation import Operation, RequestProblem
from simulator.engine.lifecycle import Lifecycle, Step
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session


class _NoBody:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Any = _NoBody()


@dataclass(slots=True)
class Reply:
    """What a handler answers: a status, a JSON-able body (or NO_BODY) and extra headers."""

    status: int = 200
    body: Any = NO_BODY
    headers: Mapping[str, str] | None = None
    media_type: str = "application/json"


class ApiError(Exception):
    """An error a handler raises; the vendor renders it in its own error shape.

    `code` is the vendor's own error code when the handler knows it; `kind` is the vendor-neutral reason used when
    the contract layer raises it (invalid_parameter, missing_parameter, malformed_json, not_found, ...). `path` is
    the request's path (without a `/s/<session>` prefix) and `at` the time on the session's clock: the server stamps
    both before the vendor renders the error, so every error body of a session tells the same time as its runs.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        kind: str | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.kind = status, message, code, kind
        self.field, self.headers = field, headers
        self.path: str | None = None
        self.at: float | None = None

    def stamp(self, path: str, at: float) -> ApiError:
        """Where and when the error happened, unless the raiser already said."""
        self.path = self.path or path
        if self.at is None:
            self.at = at
        return self

    @classmethod
    def from_problem(cls, problem: RequestProblem) -> ApiError:
        return cls(problem.status, problem.message, kind=problem.kind, field=problem.field)


@dataclass(slots=True)
class Call:
    """Everything a handler may read about one request, already validated against the API document."""

    operation: Operation
    session: Session
    state: Any
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    headers: Headers
    base_url: str
    raw_query: str = ""
    request_path: str = ""  # as the client sent it, without a /s/<session> prefix (e.g. to tell /api/2.1 from 2.2)
    caller: Any = None  # who is calling, as the vendor's `authenticate` found it

    @property
    def now(self) -> float:
        return self.session.clock.now()


Handler = Callable[[Call], Awaitable[Reply]]

PHASES = ("queued", "running", "success", "failure", "cancelled", "other")


@dataclass(frozen=True, slots=True)
class RunView:
    """One run (or job) as the dashboard and `/_sim/events` show it, whatever the vendor.

    `state` is in the vendor's words; `phase` is one of PHASES (for colour); `history` lists (state, entered_at)
    on the simulator's clock, oldest first.
    """

    api: str
    id: str
    name: str
    state: str
    phase: str
    history: tuple[tuple[str, float], ...]
    started_at: float
    ended_at: float | None = None
    detail: str = ""


class HandlerTable:
    """Handlers by operationId, filled with the `@handlers.operation("id")` decorator."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def operation(self, operation_id: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if operation_id in self._handlers:
                raise ValueError(f"two handlers for {operation_id}")
            self._handlers[operation_id] = handler
            return handler

        return register

    def get(self, operation_id: str) -> Handler | None:
        return self._handlers.get(operation_id)

    def __contains__(self, operation_id: str) -> bool:
        return operation_id in self._handlers

    def ids(self) -> list[str]:
        return sorted(self._handlers)


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
    # How the vendor's server parses request JSON (protobuf JSON, Jackson, ...): applied by the contract layer.
    parser_rules: ClassVar[ParserRules] = STRICT

    options: dict[str, Any] = field(default_factory=dict)

    # --- state ----------------------------------------------------------------------------------------------
    def new_state(self, session: Session) -> Any:
        raise NotImplementedError

    def load_data(self, state: Any, session: Session, scenario: Scenario) -> None:
        """Apply a scenario's `data` section (sample jobs, runs, users) to a session's state."""

    def run_views(self, state: Any, session: Session) -> list[RunView]:
        """Every run (or job) the session holds, newest first, observed at the session's now."""
        return []

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

    def authenticate(self, headers: Headers, state: Any) -> Any:
        """Who is calling (handed to the handler as `Call.caller`); raise a 401 ApiError for missing or wrong
        credentials. Called before the request is validated, so a caller without valid credentials learns nothing
        about the API (as the vendors' servers do)."""
        return None

    # --- errors ---------------------------------------------------------------------------------------------
    def render_error(self, error: ApiError, operation: Operation | None) -> Reply:
        raise NotImplementedError
