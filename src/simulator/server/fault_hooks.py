"""The session's fault rules, applied by the dispatcher around the handler: latency, vendor-shaped errors, dropped
connections, broken bodies.

Rules that look only at the request run before the handler; rules that look at the response (`response`,
`malformed`) run after it, on the reply object the handler gave (its serialized bytes only for a broken body).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.types import Send

from simulator.engine.faults import FaultBook, FaultRule
from simulator.engine.journal import parse_body
from simulator.exchange import NO_BODY, ApiError, ErrorKind, Reply
from simulator.server.metrics import Metrics
from simulator.server.protocol import reset_connection
from simulator.server.request import RequestContext
from simulator.server.wire import encode
from simulator.vendors.base import Vendor

Encoded = tuple[bytes, list[tuple[bytes, bytes]]]


class FaultHooks:
    def __init__(self, vendors: Mapping[str, Vendor], metrics: Metrics) -> None:
        self.vendors = vendors
        self.metrics = metrics

    async def candidates(self, ctx: RequestContext, book: FaultBook) -> list[FaultRule]:
        """The rules that match the request (the body is read for them, as the handler would read it)."""
        scope = ctx.scope
        method, path = scope["method"], scope["path"]
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            with contextlib.suppress(ApiError):  # the handler reports it; rules see no body
                await ctx.body()
        match = ctx.match
        operation = match.operation.operation_id if match.operation else None
        query, body = ctx.query_values(), ctx.body_data()
        return [r for r in book.rules if r.matches_request(match.api, operation, method, path, query, body)]

    async def before(self, ctx: RequestContext, book: FaultBook, rules: Sequence[FaultRule], send: Send) -> bool:
        """Apply the request-only rules that fire; True when one answered (or dropped) the request."""
        before = [r for r in rules if not r.needs_response]
        for rule in before:
            rule.seen += 1
        for rule in before:
            if rule.fires(book.rng) and await self._apply(rule, ctx, send, book.rng, None):
                return True
        return False

    async def after(
        self,
        ctx: RequestContext,
        book: FaultBook,
        rules: Sequence[FaultRule],
        reply: Reply,
        encoded: Encoded,
        send: Send,
    ) -> bool:
        """Apply the rules that look at the response; True when one answered instead of the reply."""
        after = [r for r in rules if r.needs_response]
        if not after:
            return False
        seen = _as_seen(reply, encoded[0])
        hit = [rule for rule in after if rule.matches_response(seen)]
        for rule in hit:
            rule.seen += 1
        for rule in hit:
            if rule.fires(book.rng) and await self._apply(rule, ctx, send, book.rng, (reply.status, encoded)):
                return True
        return False

    async def _apply(
        self,
        rule: FaultRule,
        ctx: RequestContext,
        send: Send,
        rng: random.Random,
        response: tuple[int, Encoded] | None,
    ) -> bool:
        """Carry out one fired rule; True when it answered (or dropped) the request itself."""
        spec = rule.spec
        api = ctx.match.api
        ctx.fault = rule.name
        self.metrics.faults_fired[(api or "-", rule.name)] += 1
        delay = rule.latency(rng)
        if delay:
            await asyncio.sleep(delay)
        if spec.get("drop"):
            if not reset_connection(ctx.scope):
                ctx.status = 200
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return True
        if "error" in spec:
            reply = self._error(spec["error"], api, ctx)
            payload, headers = encode(reply)
            ctx.status = reply.status
            await send({"type": "http.response.start", "status": reply.status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return True
        if "malformed" in spec and response is not None:
            status, (content, start_headers) = response
            broken = (
                content[: max(len(content) // 2, 1)] if spec["malformed"] == "truncate" else b'{"jobsim": <<garbage'
            )
            headers = [(k, v) for k, v in start_headers if k != b"content-length"]
            headers.append((b"content-length", str(len(broken)).encode()))
            ctx.status = status
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": broken})
            return True
        return False

    def _error(self, error: Mapping[str, Any], api: str | None, ctx: RequestContext) -> Reply:
        scope = ctx.scope
        status = int(error["status"])
        headers = {"Retry-After": str(error["retry_after"])} if "retry_after" in error else None
        message = error.get("message") or f"jobsim fault: injected {status} on {scope['method']} {scope['path']}"
        problem = ApiError(status, message, code=error.get("code"), kind=ErrorKind.for_status(status), headers=headers)
        problem.stamp(scope["path"], ctx.session.clock.now())
        vendor = self.vendors.get(api) if api else None
        if vendor is None:
            return Reply(status, {"error": problem.kind, "message": message}, headers)
        reply = vendor.render_error(problem, None)
        if headers:
            reply.headers = {**(reply.headers or {}), **headers}
        return reply


def _as_seen(reply: Reply, payload: bytes) -> Any:
    """The response body as a rule matches it: the reply's own object for JSON (what its bytes parse back to), the
    parsed bytes otherwise."""
    if reply.media_type == "application/json":
        return None if reply.body is NO_BODY else reply.body
    return parse_body(payload)
