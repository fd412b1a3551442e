"""uvicorn's HTTP protocol, with the connection's transport exposed to the app so a fault can reset it."""

from __future__ import annotations

import contextlib
import socket
import struct
from collections.abc import Callable
from typing import Any

from starlette.types import Scope
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TRANSPORT_KEY = "jobsim.transport"


class JobsimHttpProtocol(HttpToolsProtocol):
    def on_headers_complete(self) -> None:
        extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
        extensions[TRANSPORT_KEY] = self.transport
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope and not cycle.response_started:
            held = OneWrite(self.transport, cycle.on_response)
            cycle.transport = held  # type: ignore[assignment]
            cycle.on_response = held.completed


class OneWrite:
    """The transport as one response cycle sees it. uvicorn writes a reply's status line and headers, then its body,
    in two writes: two system calls and, with Nagle off, two TCP segments for a reply of a few hundred bytes. Headers
    that carry a content-length are held until the body's first write and leave with it, in one write; a streamed
    reply (chunked: the dashboard's event stream) and a `100 Continue` are written at once, as before. What is held is
    written before the connection closes and when the reply ends without a body (HEAD, 204)."""

    __slots__ = ("_first", "_held", "_on_response", "_transport")

    def __init__(self, transport: Any, on_response: Callable[[], None]) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._first = True
        self._on_response = on_response

    def write(self, data: bytes) -> None:
        if self._first:
            self._first = False
            if b"\r\ncontent-length: " in data and not data.startswith(b"HTTP/1.1 100 "):
                self._held = data
                return
        held = self._held
        if held is not None:
            self._held = None
            data = held + data
        self._transport.write(data)

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def completed(self) -> None:
        self.flush()
        self._on_response()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def reset_connection(scope: Scope) -> bool:
    """Abort the client's connection with a TCP reset. False when the server does not expose its transport."""
    transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True
