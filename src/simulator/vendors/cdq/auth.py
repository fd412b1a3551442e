"""Who is calling: an API key (`Authorization: Bearer <key>` or `X-API-KEY: <key>`) and the organization it has.

Server-wide keys (`--auth-token`, Settings.auth_tokens) are checked by the dispatcher through `accepts_token`.
Keys declared in scenario data (`data.apiKeys`) name a user and organization; once a session declares any, a
request must send one of them or a server-wide key. Any other caller is the session's default caller
(`data.caller`, else user `jobsim-user` in organization `jobsim_org`).
"""

from __future__ import annotations

from contextvars import ContextVar

from simulator.exchange import ApiError, Call, ErrorKind
from simulator.headers import Headers
from simulator.vendors.cdq.model import Caller, CdqState

# The server-wide keys of the app serving the current request: `accepts_token` (called by the dispatcher just
# before the handler, in the same task) sets it, so it is per request and never part of a session's state.
_SERVER_KEYS: ContextVar[frozenset[str]] = ContextVar("cdq_server_keys", default=frozenset())


def presented_keys(headers: Headers) -> list[str]:
    keys = []
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        keys.append(token.strip())
    api_key = headers.get("x-api-key", "").strip()
    if api_key:
        keys.append(api_key)
    return keys


def accepts(headers: Headers, tokens: frozenset[str]) -> bool:
    _SERVER_KEYS.set(tokens)
    return not tokens or any(key in tokens for key in presented_keys(headers))


def caller(call: Call) -> Caller:
    state: CdqState = call.state
    keys = presented_keys(call.headers)
    for key in keys:
        found = state.api_keys.get(key)
        if found is not None:
            return found
    if state.api_keys and not any(key in _SERVER_KEYS.get() for key in keys):
        raise ApiError(401, "Full authentication is required to access this resource.", kind=ErrorKind.UNAUTHORIZED)
    return state.default_caller
