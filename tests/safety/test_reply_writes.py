"""Replies on the wire: a reply's headers leave with its body in one write (server/protocol.py, OneWrite), and every
kind of reply still arrives whole: pipelined requests, HEAD, `Expect: 100-continue`, the streamed event feed."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

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
    replies = []
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
