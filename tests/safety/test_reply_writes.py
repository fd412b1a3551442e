"""Replies on the wire: a reply's headers leave with its body in one write (server/protocol.py, JobsimCycle), byte for
byte as uvicorn writes them, on the event loop's next turn, and every kind of reply still arrives whole: pipelined
requests, HEAD, `Expect: 100-continue`, the streamed event feed, a reply sent just before the server stops."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle
from uvicorn.server import ServerState

from simulator.server.protocol import JobsimCycle, JobsimHttpProtocol
from tests.support import RunningServer, running_server


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server() as running:
        yield running


def _connect(server: RunningServer) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def _read_replies(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """`count` replies with a content-length, as (head, body)."""
    data = b""
    replies: list[tuple[bytes, bytes]] = []
    while len(replies) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end]
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            if len(data) >= head_end + 4 + length:
                replies.append((head, data[head_end + 4 : head_end + 4 + length]))
                data = data[head_end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(replies)} replies"
        data += chunk
    return replies


def test_pipelined_requests_get_their_replies_in_order(server: RunningServer) -> None:
    paths = [b"/api/2.1/jobs/list?limit=1", b"/_sim/health", b"/api/2.1/jobs/get?job_id=999999", b"/api/2.1/jobs/list"]
    with _connect(server) as sock:
        sock.sendall(b"".join(b"GET %s HTTP/1.1\r\nhost: x\r\n\r\n" % path for path in paths))
        replies = _read_replies(sock, 4)
    assert [head.split(b"\r\n")[0] for head, _ in replies] == [
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 400 Bad Request",
        b"HTTP/1.1 200 OK",
    ]
    markers = [b'"jobs"', b'"status"', b"INVALID_PARAMETER", b'"jobs"']
    assert all(marker in body for marker, (_, body) in zip(markers, replies, strict=True))
    assert replies[0][1].count(b'"job_id"') == 1 and b"does not exist" in replies[2][1]


def test_a_head_reply_ends_and_the_connection_serves_the_next_request(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"HEAD /_sim/health HTTP/1.1\r\nhost: x\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 405 ") and data.endswith(b"\r\n\r\n")
        sock.sendall(b"GET /_sim/health HTTP/1.1\r\nhost: x\r\n\r\n")
        [(head, body)] = _read_replies(sock, 1)
    assert head.startswith(b"HTTP/1.1 200 ") and b'"status"' in body


def test_expect_100_continue_gets_continue_then_the_reply(server: RunningServer) -> None:
    body = b'{"name": "one-write"}'
    with _connect(server) as sock:
        sock.sendall(
            b"POST /api/2.1/jobs/create HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b"expect: 100-continue\r\ncontent-length: %d\r\n\r\n" % len(body)
        )
        interim = sock.recv(65536)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        [(head, reply)] = _read_replies(sock, 1)
    assert head.startswith(b"HTTP/1.1 200 ") and b'"job_id"' in reply


def test_the_event_stream_is_still_streamed_in_chunks(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /_sim/events HTTP/1.1\r\nhost: x\r\n\r\n")
        data = b""
        while b"event: snapshot" not in data:
            chunk = sock.recv(65536)
            assert chunk
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 ") and b"transfer-encoding: chunked" in data.lower()


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def _cycle(kind: type, method: str = "GET", keep_alive: bool = True) -> Any:
    flow = SimpleNamespace(write_paused=False, resume_reading=lambda: None)
    cycle = kind(
        scope={"method": method, "http_version": "1.1"},
        transport=_Transport(),
        flow=flow,
        logger=logging.getLogger("test"),
        access_logger=logging.getLogger("test.access"),
        access_log=False,
        default_headers=[(b"server", b"uvicorn"), (b"date", b"Sat, 05 Dec 2026 08:00:00 GMT")],
        message_event=asyncio.Event(),
        expect_100_continue=False,
        keep_alive=keep_alive,
        on_response=lambda: None,
    )
    cycle.held = None
    return cycle


REPLIES = [
    (200, [(b"content-type", b"application/json"), (b"content-length", b"2")], [b"{}"]),
    (400, [(b"Content-Type", b"application/json"), (b"content-length", b"2"), (b"x-extra", b"1")], [b"{}"]),
    (200, [(b"content-length", b"4")], [b"ab", b"cd"]),  # a body in two parts: the head goes first, then uvicorn
    (200, [(b"content-type", b"text/event-stream"), (b"transfer-encoding", b"chunked")], [b"data: 1\n\n", b""]),
    (200, [(b"content-length", b"2"), (b"connection", b"close")], [b"{}"]),
    (204, [], [b""]),
    (200, [(b"content-type", b"application/json")], [b"{}"]),  # no content-length: uvicorn chunks it
]


@pytest.mark.parametrize(("status", "headers", "parts"), REPLIES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_replies_leave_byte_for_byte_as_uvicorn_writes_them(
    status: int, headers: list[tuple[bytes, bytes]], parts: list[bytes], method: str
) -> None:
    async def written(kind: type) -> tuple[Any, bytes]:
        cycle = _cycle(kind, method)
        await cycle.send({"type": "http.response.start", "status": status, "headers": headers})
        for number, part in enumerate(parts):
            more = number < len(parts) - 1
            await cycle.send({"type": "http.response.body", "body": part, "more_body": more})
        await asyncio.sleep(0)  # the loop's next turn, when a whole reply is written
        return cycle, b"".join(cycle.transport.writes)

    async def both() -> None:
        ours, ours_bytes = await written(JobsimCycle)
        theirs, theirs_bytes = await written(RequestResponseCycle)
        assert ours_bytes == theirs_bytes
        assert ours.response_complete and theirs.response_complete
        assert ours.keep_alive == theirs.keep_alive and ours.transport.closed == theirs.transport.closed
        one_piece = method == "GET" and len(parts) == 1 and status == 200 and b"content-length" in dict(headers)
        if one_piece and b"connection" not in dict(headers):
            assert len(ours.transport.writes) == 1  # head and body in one write

    asyncio.run(both())


def test_a_body_shorter_than_its_content_length_fails_as_in_uvicorn() -> None:
    async def short() -> None:
        cycle = _cycle(JobsimCycle)
        await cycle.send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
        with pytest.raises(RuntimeError, match="shorter than Content-Length"):
            await cycle.send({"type": "http.response.body", "body": b"abc"})

    asyncio.run(short())


def _connection(app: Any) -> tuple[JobsimHttpProtocol, _Transport]:
    """A jobsim HTTP connection on a transport that records what is written (call inside a running loop)."""
    config = uvicorn.Config(
        app, http=JobsimHttpProtocol, ws="none", lifespan="off", log_level="warning", access_log=False
    )
    config.load()
    loop = asyncio.get_running_loop()
    protocol = JobsimHttpProtocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    transport = _Transport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"{}"})


def test_a_reply_sent_just_before_the_server_stops_still_leaves_before_the_connection_closes() -> None:
    async def scenario() -> _Transport:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            await _ok(scope, receive, send)
            protocol.shutdown()  # the server stops in the same turn, before the reply's write

        protocol, transport = _connection(app)
        protocol.data_received(b"GET /x HTTP/1.1\r\nhost: x\r\n\r\n")
        for _ in range(5):
            await asyncio.sleep(0)
        return transport

    transport = asyncio.run(scenario())
    assert len(transport.writes) == 1 and transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b"\r\n\r\n{}")
    assert transport.closed


def test_a_client_gone_before_its_reply_is_written_gets_nothing_and_nothing_fails() -> None:
    async def scenario() -> _Transport:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            await _ok(scope, receive, send)
            transport.close()  # the client left in the same turn

        protocol, transport = _connection(app)
        protocol.data_received(b"GET /x HTTP/1.1\r\nhost: x\r\n\r\n")
        for _ in range(5):
            await asyncio.sleep(0)
        return transport

    assert asyncio.run(scenario()).writes == []


def test_the_replies_of_requests_ready_together_are_written_after_all_their_handlers_ran() -> None:
    events: list[str] = []

    async def scenario() -> None:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            events.append(f"handled {scope['path']}")
            await _ok(scope, receive, send)

        connections = [_connection(app) for _ in range(3)]
        for number, (protocol, transport) in enumerate(connections):
            transport.write = lambda data, n=number: events.append(f"written /{n}")  # type: ignore[method-assign]
            protocol.data_received(b"GET /%d HTTP/1.1\r\nhost: x\r\n\r\n" % number)
        for _ in range(5):
            await asyncio.sleep(0)

    asyncio.run(scenario())
    assert events == ["handled /0", "handled /1", "handled /2", "written /0", "written /1", "written /2"]
