"""The neutral vocabulary the server, the control API and every vendor speak.

A handler receives a `Call` (one request, already validated against its API document) and answers a `Reply` or
raises an `ApiError`; a `HandlerTable` maps operationIds to handlers; a `RunView` is one run as the dashboard shows
it, whatever the vendor. Nothing here knows a vendor, the server or the control plane.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.contract.operation import Operation, RequestProblem
from simulator.engine.session import Session
from simulator.errorkinds import ErrorKind
from simulator.headers import Headers

__all__ = [
    "NO_BODY",
    "PHASES",
    "ApiError",
    "Call",
    "ErrorKind",
    "Handler",
    "HandlerTable",
    "Reply",
    "RunView",
]


class _NoBody:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_BODY"


NO_BODY: Any = _NoBody()


@dataclass(slots=True)
class Reply:
    """What a handler answers: a status, a JSON-able body (or NO_BODY) and extra headers.

    `encoded` is the body's JSON as bytes when the handler already has them (a body it keeps and answers again): the
    server sends them instead of serializing `body`, so they must be exactly what serializing `body` gives."""

    status: int = 200
    body: Any = NO_BODY
    headers: Mapping[str, str] | None = None
    media_type: str = "application/json"
    encoded: bytes | None = None


class ApiError(Exception):
    """An error a handler raises; the vendor renders it in its own error shape.

    `code` is the vendor's own error code when the handler knows it; `kind` is the vendor-neutral reason (an
    `ErrorKind`), which the vendor maps to its own code when `code` is not given. `path` is
    the request's path (without a `/s/<session>` prefix) and `at` the time on the session's clock: the server stamps
    both before the vendor renders the error, so every error body of a session tells the same time as its runs.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        kind: ErrorKind | str | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.kind = ErrorKind(kind) if kind is not None else None  # a plug-in may still pass the kind's string
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
    # The ASGI scope: what few handlers read (the base URL, the raw query) is derived from it when read.
    scope: Mapping[str, Any]
    request_path: str = ""  # as the client sent it, without a /s/<session> prefix (e.g. to tell /api/2.1 from 2.2)
    caller: Any = None  # who is calling, as the vendor's `authenticate` found it
    _base_url: str | None = None

    @property
    def now(self) -> float:
        return self.session.clock.now()

    @property
    def base_url(self) -> str:
        """`scheme://host[:port]` and the root path the request came in on (links in replies point there)."""
        if self._base_url is None:
            scope = self.scope
            host = None
            for name, value in scope["headers"]:
                if name == b"host":
                    host = value.decode("latin-1")
                    break
            if host is None:
                server = scope.get("server") or ("127.0.0.1", 80)
                host = f"{server[0]}:{server[1]}"
            self._base_url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"
        return self._base_url

    @property
    def raw_query(self) -> str:
        return str(self.scope["query_string"].decode("latin-1"))


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

    @classmethod
    def joined(cls, *tables: HandlerTable) -> HandlerTable:
        """One table with the handlers of several (an operationId may appear in only one of them)."""
        joined = cls()
        for table in tables:
            for operation_id, handler in table._handlers.items():
                joined.operation(operation_id)(handler)
        return joined

    def get(self, operation_id: str) -> Handler | None:
        return self._handlers.get(operation_id)

    def __contains__(self, operation_id: str) -> bool:
        return operation_id in self._handlers

    def ids(self) -> list[str]:
        return sorted(self._handlers)
