"""uvicorn's HTTP protocol, with the connection's transport exposed to the app so a fault can reset it."""

from __future__ import annotations

import contextlib
import socket
import struct
from typing import Any

from starlette.types import Scope
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TRANSPORT_KEY = "jobsim.transport"


class JobsimHttpProtocol(HttpToolsProtocol):
    def on_headers_complete(self) -> None:
        extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
        extensions[TRANSPORT_KEY] = self.transport
        super().on_headers_complete()


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
