"""Reading request bodies within a limit and writing replies, on raw ASGI messages (the hot path)."""

from __future__ import annotations

import orjson
from starlette.types import Receive, Scope, Send

from simulator.exchange import NO_BODY, ApiError, ErrorKind, Reply


async def read_body(scope: Scope, receive: Receive, limit: int, chunks: list[bytes] | None = None) -> bytes:
    """The whole body, or ApiError 413 as soon as it is known to exceed `limit` (never reading past it). The chunks
    read go to `chunks` when given, so what was read before an error is still known."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise ApiError(400, "Content-Length is not a number", kind=ErrorKind.MALFORMED_REQUEST) from None
            if declared > limit:
                raise ApiError(
                    413,
                    f"Request body of {declared} bytes exceeds the limit of {limit} bytes",
                    kind=ErrorKind.TOO_LARGE,
                )
            break
    if chunks is None:
        chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ApiError(400, "client disconnected", kind=ErrorKind.MALFORMED_REQUEST)
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            chunks.append(chunk)
            if size > limit:
                raise ApiError(413, f"Request body exceeds the limit of {limit} bytes", kind=ErrorKind.TOO_LARGE)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


_JSON_TYPE = (b"content-type", b"application/json")


def encode(reply: Reply) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    body = reply.body
    if body is NO_BODY:
        payload = b""
        headers: list[tuple[bytes, bytes]] = []
    elif reply.media_type != "application/json" and isinstance(body, bytes | str):
        payload = body.encode() if isinstance(body, str) else body
        headers = [(b"content-type", reply.media_type.encode())]
    else:
        payload = reply.encoded if reply.encoded is not None else orjson.dumps(body)
        headers = [_JSON_TYPE]
    headers.append((b"content-length", str(len(payload)).encode()))
    if reply.headers:
        headers.extend((k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in reply.headers.items())
    return payload, headers


async def send_reply(send: Send, reply: Reply) -> None:
    payload, headers = encode(reply)
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
