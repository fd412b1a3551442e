"""One request as the dispatcher carries it, from routing to the journal: routed once, its body read once."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope

from simulator.contract.router import Match
from simulator.engine.journal import parse_body
from simulator.engine.session import Session
from simulator.exchange import ApiError
from simulator.server.wire import read_body

CONTEXT_SCOPE_KEY = "jobsim.request"
JOURNAL_BODY_LIMIT = 64 * 1024
_UNREAD: Any = object()


_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})  # methods whose requests usually carry no body


_BODY_HEADERS = frozenset({b"content-length", b"transfer-encoding"})


def _announces_body(scope: Scope) -> bool:
    for name, _ in scope["headers"]:  # noqa: SIM110 - a loop: any() over a generator costs more on every GET
        if name in _BODY_HEADERS:
            return True
    return False


class RequestContext:
    """What every step of one request shares: the session, the route, the body bytes (read on first need, so a
    request refused before its body matters never reads it) and what the journal records at the end."""

    __slots__ = (
        "_json",
        "chunks",
        "encoded",
        "fault",
        "limit",
        "match",
        "raw",
        "read_error",
        "receive",
        "scope",
        "session",
        "status",
    )

    def __init__(self, scope: Scope, receive: Receive, session: Session, match: Match, limit: int) -> None:
        self.scope = scope
        self.receive = receive
        self.session = session
        self.match = match
        self.limit = limit
        self.chunks: list[bytes] = []  # the body as far as it was read (kept when reading it failed)
        self.raw: bytes | None = None
        self.read_error: ApiError | None = None
        self._json: Any = _UNREAD
        self.encoded: tuple[bytes, list[tuple[bytes, bytes]]] | None = None  # the reply, serialized once
        self.fault: str | None = None
        self.status = 0

    async def body(self) -> bytes:
        """The whole body (once), or the ApiError (413, disconnect) that reading it raised, again on every call."""
        if self.raw is None:
            if self.read_error is not None:
                raise self.read_error
            if self.scope["method"] in _BODILESS and not _announces_body(self.scope):
                self.raw = b""  # HTTP/1.1: no Content-Length and no Transfer-Encoding is no body; nothing to await
                return self.raw
            try:
                self.raw = await read_body(self.scope, self.receive, self.limit, self.chunks)
            except ApiError as error:
                self.read_error = error
                raise
        return self.raw

    def may_have_body(self) -> bool:
        """False when the request certainly has no body (HTTP/1.1: a GET without Content-Length or
        Transfer-Encoding), so there is nothing to read."""
        if self.raw is not None:
            return bool(self.raw)
        return self.read_error is not None or self.scope["method"] not in _BODILESS or _announces_body(self.scope)

    def body_data(self) -> Any:
        """The body as fault rules match it: its JSON, else its text, None when empty or unread."""
        if self._json is _UNREAD:
            self._json = parse_body(self.raw or b"")
        return self._json

    def query_values(self) -> dict[str, str]:
        return dict(parse_qsl(self.scope["query_string"].decode("latin-1")))

    def journal_body(self) -> bytes:
        return b"".join(self.chunks)[:JOURNAL_BODY_LIMIT]
