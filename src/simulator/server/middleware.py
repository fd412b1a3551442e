"""Plain ASGI middleware around the dispatcher: session routing (the journal and fault rules are the dispatcher's
own steps)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from simulator.exchange import ErrorKind, Reply
from simulator.server.dispatch import SESSION_SCOPE_KEY
from simulator.server.sessions import Sessions
from simulator.server.wire import send_reply

SESSION_HEADER = b"x-jobsim-session"
CONTROL_PREFIX = "/_sim"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


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
            # One pass over the headers for all three (most requests carry none of them).
            authorization = api_key = None
            for name, value in scope["headers"]:
                if name == SESSION_HEADER:
                    if session_id is None:
                        session_id = value.decode("latin-1")
                elif name == b"authorization":
                    authorization = value
                elif name == b"x-api-key":
                    api_key = value
            if session_id is None and (authorization or api_key) and not path.startswith(CONTROL_PREFIX):
                session_id = credential_session(authorization, api_key, self.per_token)
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


def credential_session(raw_authorization: bytes | None, raw_api_key: bytes | None, per_token: bool) -> str | None:
    """The session the request's credentials (the last Authorization and X-API-KEY headers) name (see
    SessionRouting), or None."""
    authorization = raw_authorization.decode("latin-1").strip() if raw_authorization else None
    api_key = raw_api_key.decode("latin-1").strip() if raw_api_key else None
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
