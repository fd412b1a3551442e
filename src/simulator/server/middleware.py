"""Plain ASGI middleware around the dispatcher: session routing (the journal and fault rules are the dispatcher's
own steps)."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from simulator.exchange import Reply
from simulator.server.dispatch import SESSION_SCOPE_KEY
from simulator.server.sessions import Sessions
from simulator.server.wire import send_reply

SESSION_HEADER = b"x-jobsim-session"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class SessionRouting:
    """`/s/<session>/...` or header `X-Jobsim-Session: <session>` picks the session; default otherwise."""

    def __init__(self, app: ASGIApp, sessions: Sessions) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        session_id = None
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
                await send_reply(send, Reply(429, {"error": "too_many_sessions", "message": str(exc)}))
                return
        await self.app(scope, receive, send)
