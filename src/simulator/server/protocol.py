"""uvicorn's HTTP protocol, with the connection's transport exposed to the app so a fault can reset it, and replies
written in one piece."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any, cast

from starlette.types import Scope
from uvicorn._types import ASGISendEvent
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

TRANSPORT_KEY = "jobsim.transport"


class JobsimHttpProtocol(HttpToolsProtocol):
    def shutdown(self) -> None:
        # After the replies already waiting for the loop's next turn (JobsimCycle): closing first would drop them.
        self.loop.call_soon(super().shutdown)

    def on_headers_complete(self) -> None:
        extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
        extensions[TRANSPORT_KEY] = self.transport
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope and not cycle.response_started:
            # The cycle uvicorn just made (running or queued behind a pipelined one) writes replies our way.
            cycle.__class__ = JobsimCycle
            cast(JobsimCycle, cycle).held = None


class JobsimCycle(RequestResponseCycle):
    """uvicorn's request/response cycle, with one fast path for the replies jobsim sends nearly always: a status line
    uvicorn knows, headers with a content-length, a kept-alive connection, no access log. Their head is built as
    uvicorn builds it (its header checks included: two regular expressions on every header), reused whole for a
    status and headers seen before, and held until the body, so head and body leave in one write: one system call
    and, with Nagle off, one TCP segment instead of two. That write waits for the event loop's next turn, so the
    replies of all requests that were ready together leave together, after their handlers: the handlers run back to
    back and the kernel's sends come in one burst (under load, half the system time per request and a higher
    throughput; a reply waits at most for the handlers that were ready in the same turn). Any other reply (streamed,
    HEAD, 1xx/204/304, `Connection: close`, a paused transport) and any body that does not complete the reply at once
    go through uvicorn's own `send`, after the held head."""

    held: bytes | None

    async def send(self, message: ASGISendEvent) -> None:
        if self.held is not None:
            head, self.held = self.held, None
            body = message.get("body", b"") if message["type"] == "http.response.body" else None
            if (
                body is not None
                and len(body) == self.expected_content_length
                and not message.get("more_body", False)
                and not self.disconnected
                and not self.flow.write_paused
            ):
                asyncio.get_running_loop().call_soon(_write, self.transport, head + body)
                self.expected_content_length = 0
                self.response_complete = True
                self.message_event.set()
                self.on_response()
                return
            self.transport.write(head)
        elif not self.response_started and message["type"] == "http.response.start" and self._hold_head(message):
            return
        await super().send(message)

    def _hold_head(self, message: Any) -> bool:
        """Build and hold the reply's head when the fast path applies (see the class); False to leave it to uvicorn."""
        status = message["status"]
        if (
            status < 200
            or status in (204, 304)
            or not self.keep_alive
            or self.access_log
            or self.disconnected
            or self.flow.write_paused
            or self.scope["method"] == "HEAD"
        ):
            return False
        try:
            key = (status, *self.default_headers, *message.get("headers", ()))
            known = _HEADS.get(key)
        except TypeError:  # a header given as a list, not a tuple
            return False
        if known is None:
            known = _head(key)
            if len(_HEADS) >= _HEADS_MAX:
                _HEADS.clear()
            _HEADS[key] = known
        if not known:
            return False
        self.response_started = True
        self.waiting_for_100_continue = False
        self.chunked_encoding = False
        self.held, self.expected_content_length = known
        return True


def _head(key: tuple[Any, ...]) -> tuple[bytes, int] | tuple[()]:
    """A reply's head and content-length, as uvicorn would write them, or () when the fast path does not apply."""
    status, *headers = key
    line = STATUS_LINE.get(status)
    if line is None:
        return ()
    content = [line]
    length = None
    for name, value in headers:
        if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
            return ()  # uvicorn's own `send` raises its error for it
        lowered = name.lower()
        if lowered in (b"connection", b"transfer-encoding"):
            return ()
        if lowered == b"content-length" and length is None:
            try:
                length = int(value)
            except ValueError:
                return ()
        content.extend((lowered, b": ", value, b"\r\n"))
    if length is None or length < 0:
        return ()
    content.append(b"\r\n")
    return b"".join(content), length


# Heads already built, by status and headers: a poller's replies repeat the same few (the date changes once a
# second); cleared when full, so unusual replies cannot grow it.
_HEADS: dict[tuple[Any, ...], tuple[bytes, int] | tuple[()]] = {}
_HEADS_MAX = 1024


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


def _write(transport: Any, data: bytes) -> None:
    """A reply's write on the loop's next turn; a connection closed meanwhile (the client left) gets nothing."""
    if not transport.is_closing():
        transport.write(data)
