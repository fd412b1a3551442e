"""Plain ASGI middleware around the dispatcher: session routing, the request journal, fault injection."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import random
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulator.contract.router import Router
from simulator.engine.faults import FaultRule
from simulator.engine.journal import parse_body
from simulator.exchange import ApiError, ErrorKind, Reply
from simulator.server.dispatch import SESSION_SCOPE_KEY
from simulator.server.metrics import Metrics
from simulator.server.protocol import reset_connection
from simulator.server.sessions import Sessions
from simulator.server.wire import read_body, send_reply
from simulator.vendors.base import Vendor

SESSION_HEADER = b"x-jobsim-session"
CONTROL_PREFIX = "/_sim"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_JOURNAL_BODY_LIMIT = 64 * 1024


class SessionRouting:
    """Picks the session of a request, first match wins: the path `/s/<session>/...`, the header
    `X-Jobsim-Session: <session>`, then (vendor APIs only) the credentials: a bearer token, X-API-KEY or HTTP Basic
    user name `jobsim-session-<session>`, or with `per_token` any other credential, a session of its own
    (`tok-` and 16 hex digits of its SHA-256, never the secret itself). The default session otherwise. A session
    picked by credentials is named in the reply's `X-Jobsim-Session` header, so a client that keeps only host and
    port (Airflow's hook, the Databricks JavaScript SDK) still learns which session its token reached."""

    def __init__(self, app: ASGIApp, sessions: Sessions, replicated: Any = None, *, per_token: bool = False) -> None:
        self.app = app
        self.sessions = sessions
        # With a store, the store serves the request (it leases and loads the session first).
        self.replicated = replicated
        self.per_token = per_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        session_id = None
        by_credentials = False
        if path.startswith("/s/"):
            session_id, _, tail = path[3:].partition("/")
            prefix = f"/s/{session_id}"
            scope = {
                **scope,
                "path": "/" + tail,
                "root_path": scope.get("root_path", "") + prefix,
                "raw_path": scope.get("raw_path", b"")[len(prefix) :] or b"/",
            }
        else:
            for name, value in scope["headers"]:
                if name == SESSION_HEADER:
                    session_id = value.decode("latin-1")
                    break
            if session_id is None and not path.startswith(CONTROL_PREFIX):
                session_id = credential_session(scope["headers"], self.per_token)
                by_credentials = session_id is not None
        if self.replicated is not None and (session_id is None or _SESSION_ID.match(session_id)):
            if by_credentials:
                send = _naming_session(send, session_id or "")
            await self.replicated.handle(scope, receive, send, session_id, self.app)
            return
        if session_id is None:
            scope[SESSION_SCOPE_KEY] = self.sessions.default
        elif not _SESSION_ID.match(session_id):
            await send_reply(
                send,
                Reply(
                    400,
                    {"error": "invalid_session", "message": "a session id is 1-64 letters, digits, '_', '.' or '-'"},
                ),
            )
            return
        else:
            try:
                scope[SESSION_SCOPE_KEY] = self.sessions.get(session_id)
            except LookupError as exc:
                await send_reply(send, Reply(429, {"error": ErrorKind.TOO_MANY_SESSIONS, "message": str(exc)}))
                return
        if by_credentials:
            send = _naming_session(send, session_id or "")
        await self.app(scope, receive, send)


SESSION_CREDENTIAL_PREFIX = "jobsim-session-"
PER_TOKEN_PREFIX = "tok-"


def credential_session(headers: Any, per_token: bool) -> str | None:
    """The session the request's credentials name (see SessionRouting), or None."""
    authorization = api_key = None
    for name, value in headers:
        if name == b"authorization":
            authorization = value.decode("latin-1").strip()
        elif name == b"x-api-key":
            api_key = value.decode("latin-1").strip()
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        credentials = credentials.strip()
        named = _basic_user(credentials) if scheme.lower() == "basic" else credentials
        secret = f"{scheme.lower()} {credentials}"
    elif api_key:
        named, secret = api_key, f"x-api-key {api_key}"
    else:
        return None
    if named and named.startswith(SESSION_CREDENTIAL_PREFIX):
        return named[len(SESSION_CREDENTIAL_PREFIX) :]
    if per_token and secret.partition(" ")[2]:  # a scheme with no credentials names nothing
        return PER_TOKEN_PREFIX + hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return None


def _basic_user(credentials: str) -> str | None:
    try:
        text = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text.partition(":")[0]


def _naming_session(send: Send, session_id: str) -> Send:
    header = (SESSION_HEADER, session_id.encode("latin-1"))

    async def send_named(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), header]}
        await send(message)

    return send_named


class Journaling:
    """Counts every vendor request for the metrics and records it in the session's journal (when enabled)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        session = scope[SESSION_SCOPE_KEY]
        journal = session.journal
        status = 0
        chunks: list[bytes] = []
        size = 0

        async def receive_recorded() -> Message:
            nonlocal size
            message = await receive()
            chunk = message.get("body", b"")
            if chunk and size < _JOURNAL_BODY_LIMIT:
                chunks.append(chunk[: _JOURNAL_BODY_LIMIT - size])
                size += len(chunk)
            return message

        async def send_recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive_recorded if journal.enabled else receive, send_recorded)
        finally:
            api = scope.get("jobsim.api")
            operation = scope.get("jobsim.operation")
            self.metrics.requests[(api or "-", operation or "-", status)] += 1
            if journal.enabled:
                journal.record(
                    {
                        "time": session.clock.now(),
                        "session": session.id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "query": scope["query_string"].decode("latin-1"),
                        "headers": scope["headers"],  # redacted when first read
                        "body": b"".join(chunks),  # parsed when first read
                        "status": status,
                        "api": api,
                        "operation": operation,
                        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                        "fault": scope.get("jobsim.fault"),
                    }
                )


class FaultInjection:
    """Applies the session's fault rules: latency, vendor-shaped errors, dropped connections, broken bodies."""

    def __init__(
        self, app: ASGIApp, router: Router, vendors: Mapping[str, Vendor], metrics: Metrics, max_body: int
    ) -> None:
        self.app = app
        self.router = router
        self.vendors = vendors
        self.metrics = metrics
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        book = scope[SESSION_SCOPE_KEY].faults
        if not book.rules:
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        match = self.router.match(method, path)
        operation = match.operation.operation_id if match.operation else None
        scope["jobsim.api"], scope["jobsim.operation"] = match.api, operation
        reads_body = method in ("POST", "PUT", "PATCH", "DELETE")
        try:
            raw = await read_body(scope, receive, self.max_body) if reads_body else b""
        except ApiError:
            raw = b""
        # A GET's body is left unread for the dispatcher (Databricks reads GET parameters from a JSON body).
        replay = _replay(raw) if reads_body else receive
        query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        body = parse_body(raw)
        candidates = [r for r in book.rules if r.matches_request(match.api, operation, method, path, query, body)]
        before = [r for r in candidates if not r.needs_response]
        for rule in before:
            rule.seen += 1
        for rule in before:
            if rule.fires(book.rng) and await self._apply(rule, scope, send, match.api, book.rng, None):
                return
        after = [r for r in candidates if r.needs_response]
        if not after:
            await self.app(scope, replay, send)
            return
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, replay, capture)
        content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        parsed = parse_body(content)
        hit = [rule for rule in after if rule.matches_response(parsed)]
        for rule in hit:
            rule.seen += 1
        for rule in hit:
            if rule.fires(book.rng) and await self._apply(
                rule, scope, send, match.api, book.rng, (messages[0], content)
            ):
                return
        for message in messages:
            await send(message)

    async def _apply(
        self,
        rule: FaultRule,
        scope: Scope,
        send: Send,
        api: str | None,
        rng: random.Random,
        response: tuple[Message, bytes] | None,
    ) -> bool:
        """Carry out one fired rule; True when it answered (or dropped) the request itself."""
        spec = rule.spec
        scope["jobsim.fault"] = rule.name
        self.metrics.faults_fired[(api or "-", rule.name)] += 1
        delay = rule.latency(rng)
        if delay:
            await asyncio.sleep(delay)
        if spec.get("drop"):
            if not reset_connection(scope):
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return True
        if "error" in spec:
            await send_reply(send, self._error(spec["error"], api, scope))
            return True
        if "malformed" in spec and response is not None:
            start, content = response
            broken = (
                content[: max(len(content) // 2, 1)] if spec["malformed"] == "truncate" else b'{"jobsim": <<garbage'
            )
            headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
            headers.append((b"content-length", str(len(broken)).encode()))
            await send({"type": "http.response.start", "status": start["status"], "headers": headers})
            await send({"type": "http.response.body", "body": broken})
            return True
        return False

    def _error(self, error: Mapping[str, Any], api: str | None, scope: Scope) -> Reply:
        status = int(error["status"])
        headers = {"Retry-After": str(error["retry_after"])} if "retry_after" in error else None
        message = error.get("message") or f"jobsim fault: injected {status} on {scope['method']} {scope['path']}"
        problem = ApiError(status, message, code=error.get("code"), kind=ErrorKind.for_status(status), headers=headers)
        problem.stamp(scope["path"], scope[SESSION_SCOPE_KEY].clock.now())
        vendor = self.vendors.get(api) if api else None
        if vendor is None:
            return Reply(status, {"error": problem.kind, "message": message}, headers)
        reply = vendor.render_error(problem, None)
        if headers:
            reply.headers = {**(reply.headers or {}), **headers}
        return reply


def _replay(raw: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # like a real connection: nothing more until the client goes away
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return receive
