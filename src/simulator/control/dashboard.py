"""The dashboard: `GET /_sim/ui` (plain HTML, CSS and JS shipped in control/ui/, no build step, nothing fetched from
elsewhere) and `GET /_sim/events`, a Server-Sent Events stream of one session: its runs in every API (through each
vendor's `run_views`), new entries of its request journal, its clock, sessions, faults and scenarios.

The stream observes the session every `INTERVAL` seconds (sooner when its clock moves, never more often than its own
cost allows) and sends only what changed, a bounded number of runs and requests per event. The dispatcher sends
replies whole, so the events reply carries an `EventStream` body: as text it is one snapshot and a `retry` hint (a
dispatcher that cannot stream sends that, and an EventSource polls by reconnecting); a dispatcher that streams calls
its `asgi_stream(scope, receive, send)`, which keeps the connection and sends changes until the client goes away or
the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from simulator.control.view import RuntimeView, clock_json, runtime_of
from simulator.engine.session import Session
from simulator.exchange import PHASES, ApiError, Call, ErrorKind, HandlerTable, Reply, RunView

log = logging.getLogger("jobsim")

UI_DIR = Path(__file__).resolve().parent / "ui"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The page may talk only to this server: nothing from a CDN, no external fonts, no inline code.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ASSET_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(css|js|svg)$")
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

INTERVAL = 0.4  # seconds between observations of the session
MIN_GAP = 0.1  # never observe more often, however often the clock moves
DUTY = 0.2  # observing may take at most this share of the event loop's time (5,000 runs cost about 25 ms)
HEARTBEAT = 15.0  # a comment line when nothing else was sent for this long
RETRY_MS = 1000  # how long an EventSource waits before it reconnects
RUNS_PER_EVENT = 500
REQUESTS_PER_EVENT = 200
REQUESTS_IN_SNAPSHOT = 500
REQUESTS_PER_TICK = 2000  # a burst beyond this sends only its newest entries (the event says how many it skipped)
HISTORY_LIMIT = 50  # state changes sent per run (the newest)
BODY_LIMIT = 16 * 1024  # journal bodies larger than this (as JSON) are sent as a cut preview


handlers = HandlerTable()


# --- the page --------------------------------------------------------------------------------------------------
_cache: dict[str, bytes] = {}


def _asset(name: str) -> bytes:
    data = _cache.get(name)
    if data is None:
        data = _cache[name] = (UI_DIR / name).read_bytes()
    return data


def _page_reply(name: str) -> Reply:
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if name.endswith(".html"):
        headers["Content-Security-Policy"] = CSP
    return Reply(200, _asset(name), headers, media_type=MEDIA_TYPES[Path(name).suffix])


@handlers.operation("simDashboard")
async def dashboard(call: Call) -> Reply:
    return _page_reply("index.html")


@handlers.operation("simDashboardAsset")
async def dashboard_asset(call: Call) -> Reply:
    name = call.path["asset"]
    if not _ASSET_NAME.match(name) or not (UI_DIR / name).is_file():
        raise ApiError(404, f"the dashboard has no file {name!r}", kind=ErrorKind.NOT_FOUND)
    return _page_reply(name)


# --- the event stream ------------------------------------------------------------------------------------------
@handlers.operation("simEvents")
async def events(call: Call) -> Reply:
    runtime = runtime_of(call)
    session_id = call.query.get("session") or call.session.id
    if not _SESSION_ID.match(session_id):
        raise ApiError(400, "a session id is 1-64 letters, digits, '_', '.' or '-'", kind=ErrorKind.INVALID_PARAMETER)
    try:
        runtime.sessions.get(session_id)  # created on first use, like any session
    except LookupError as exc:
        raise ApiError(429, str(exc), kind=ErrorKind.TOO_MANY_SESSIONS) from None
    watcher = Watcher(runtime, session_id)
    first = b"retry: %d\n\n" % RETRY_MS + b"".join(watcher.snapshot())
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Reply(200, EventStream(first, watcher), headers, media_type="text/event-stream")


def frame(kind: str, data: Any) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


class EventStream(str):
    """The body of a `/_sim/events` reply: the first snapshot as text, and the live stream for a dispatcher that
    can stream (it calls `asgi_stream` instead of sending the text)."""

    watcher: Watcher

    def __new__(cls, first: bytes, watcher: Watcher) -> EventStream:
        body = super().__new__(cls, first.decode())
        body.watcher = watcher
        return body

    async def asgi_stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", b"text/event-stream"),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.encode(), "more_body": True})
        await follow(self.watcher, receive, send)


async def follow(watcher: Watcher, receive: Receive, send: Send) -> None:
    """Send the session's changes until the client disconnects, the session is dropped or the server stops."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    gone = asyncio.Event()

    async def listen() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
        gone.set()
        wake.set()

    listener = loop.create_task(listen())
    clock = None
    unsubscribe: Callable[[], None] | None = None
    last_sent = loop.time()
    try:
        while not gone.is_set():
            session = watcher.current()
            if session is not None and session.clock is not clock:
                if unsubscribe is not None:
                    unsubscribe()
                clock = session.clock
                unsubscribe = clock.subscribe(wake.set)  # an advance or a new speed shows at once
            wake.clear()
            started = time.perf_counter()
            frames, finished = watcher.poll()
            cost = time.perf_counter() - started
            for chunk in frames:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                last_sent = loop.time()
            if finished:
                break
            if loop.time() - last_sent > HEARTBEAT:
                await send({"type": "http.response.body", "body": b": keep-alive\n\n", "more_body": True})
                last_sent = loop.time()
            pause = max(MIN_GAP, cost / DUTY)
            await asyncio.sleep(pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), max(INTERVAL - pause, 0))
    finally:
        listener.cancel()
        if unsubscribe is not None:
            unsubscribe()
        if not gone.is_set():
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})


def run_json(view: RunView, phase_of: Callable[[str], str]) -> dict[str, Any]:
    """A run as the dashboard draws it; `phase_of` is its vendor's state -> phase mapping (for the history)."""
    history = view.history[-HISTORY_LIMIT:]
    last = len(history) - 1
    return {
        "key": f"{view.api}:{view.id}",
        "api": view.api,
        "id": view.id,
        "name": view.name,
        "state": view.state,
        "phase": view.phase,
        "history": [[state, at, view.phase if i == last else phase_of(state)] for i, (state, at) in enumerate(history)],
        "history_cut": len(view.history) - len(history),
        "started_at": view.started_at,
        "ended_at": view.ended_at,
        "detail": view.detail,
    }


def _other(state: str) -> str:
    return "other"


def request_json(entry: Any) -> dict[str, Any]:
    body = entry.body
    if body is not None:
        size = len(orjson.dumps(body))
        if size > BODY_LIMIT:
            text = body if isinstance(body, str) else orjson.dumps(body).decode()
            body = {"jobsim_preview": text[:BODY_LIMIT], "bytes": size}
    return {
        "seq": entry.seq,
        "time": entry.time,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "api": entry.api,
        "operation": entry.operation,
        "latency_ms": entry.latency_ms,
        "fault": entry.fault,
        "headers": entry.headers,
        "body": body,
    }


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Watcher:
    """What one connection has been sent of one session, and the frames that bring it up to date."""

    def __init__(self, runtime: RuntimeView, session_id: str) -> None:
        self.runtime = runtime
        self.session_id = session_id
        self.session: Session | None = None  # the Session object last seen (a reset or a restore replaces it)
        self.runs: dict[str, RunView] = {}
        self.last_seq = 0
        self.clock: tuple[Any, ...] = ()
        self.sessions: list[str] = []
        self.faults: list[tuple[Any, ...]] = []
        self.scenarios: list[str] = []
        self.broken: set[str] = set()  # APIs whose run_views raised (logged once)

    def current(self) -> Session | None:
        sessions = self.runtime.sessions
        return sessions.get(self.session_id) if self.session_id in sessions.ids() else None

    # --- observing --------------------------------------------------------------------------------------------
    def _views(self, session: Session) -> dict[str, RunView]:
        views: dict[str, RunView] = {}
        for name, vendor in self.runtime.vendors.items():
            try:
                vendor.retain(session.states[name], session)
                found = vendor.run_views(session.states[name], session)
            except Exception:
                if name not in self.broken:
                    self.broken.add(name)
                    log.exception("%s: run_views failed; the dashboard leaves its runs as they were", name)
                views.update((key, view) for key, view in self.runs.items() if view.api == name)
                continue
            for view in found:
                views[f"{view.api}:{view.id}"] = view
        return views

    def _run_json(self, view: RunView) -> dict[str, Any]:
        vendor = self.runtime.vendors.get(view.api)
        return run_json(view, vendor.phase_of if vendor is not None else _other)

    def _clock_json(self, session: Session) -> dict[str, Any]:
        clock = clock_json(session.clock)
        self.clock = (clock["mode"], clock["speed"], clock["now"])
        return clock

    def _faults(self, session: Session) -> list[dict[str, Any]]:
        rules = [rule.summary() for rule in session.faults.rules]
        self.faults = [(r["id"], r["seen"], r["fired"]) for r in rules]
        return rules

    def _scenarios(self, session: Session) -> dict[str, Any]:
        loaded = [s.summary() for s in session.plans.scenarios]
        self.scenarios = [f"{s['api']}/{s['name']}:{s['source']}" for s in loaded]
        return {"loaded": loaded, "available": self.runtime.available_scenarios()}

    def snapshot(self) -> list[bytes]:
        """Everything, from scratch: a `snapshot` event, then `runs` events for the runs beyond the first batch."""
        session = self.runtime.sessions.get(self.session_id)
        self.session = session
        views = self._views(session)
        self.runs = views
        ordered = sorted(views.values(), key=lambda v: v.started_at, reverse=True)
        runs = [self._run_json(v) for v in ordered]
        entries = session.journal.entries()
        self.last_seq = entries[-1].seq if entries else 0
        self.sessions = self.runtime.sessions.ids()
        head = {
            "session": session.id,
            "sessions": self.sessions,
            "apis": sorted(self.runtime.vendors),
            "phases": list(PHASES),
            "clock": self._clock_json(session),
            "runs": runs[:RUNS_PER_EVENT],
            "runs_total": len(runs),
            "requests": [request_json(e) for e in entries[-REQUESTS_IN_SNAPSHOT:]],
            "last_seq": self.last_seq,
            "journal_enabled": session.journal.enabled,
            "faults": self._faults(session),
            "scenarios": self._scenarios(session),
        }
        rest = _chunks(runs[RUNS_PER_EVENT:], RUNS_PER_EVENT)
        return [frame("snapshot", head), *(frame("runs", {"runs": c, "removed": [], "total": len(runs)}) for c in rest)]

    def poll(self) -> tuple[list[bytes], bool]:
        """(frames to send, whether the stream is over)."""
        sessions = self.runtime.sessions
        if self.session_id not in sessions.ids():
            return [frame("end", {"reason": "session dropped", "session": self.session_id})], True
        session = sessions.get(self.session_id)
        if session.closing:
            return [frame("end", {"reason": "server stopping", "session": self.session_id})], True
        if session is not self.session:
            return self.snapshot(), False
        out: list[bytes] = []
        ids = sessions.ids()
        if ids != self.sessions:
            self.sessions = ids
            out.append(frame("sessions", {"sessions": ids}))
        clock = session.clock
        if (clock.mode, clock.speed, clock.now()) != self.clock:
            out.append(frame("clock", self._clock_json(session)))
        out += self._run_frames(session)
        out += self._request_frames(session)
        if [(r.id, r.seen, r.fired) for r in session.faults.rules] != self.faults:
            out.append(frame("faults", {"faults": self._faults(session)}))
        if [f"{s.api}/{s.name}:{s.source}" for s in session.plans.scenarios] != self.scenarios:
            out.append(frame("scenarios", self._scenarios(session)))
        return out, False

    def _run_frames(self, session: Session) -> list[bytes]:
        views = self._views(session)
        changed = [view for key, view in views.items() if self.runs.get(key) != view]
        removed = [key for key in self.runs if key not in views]
        self.runs = views
        if not changed and not removed:
            return []
        changed.sort(key=lambda v: v.started_at, reverse=True)
        runs = [self._run_json(v) for v in changed]
        out = []
        for index, chunk in enumerate(_chunks(runs, RUNS_PER_EVENT)):
            out.append(frame("runs", {"runs": chunk, "removed": removed if index == 0 else [], "total": len(views)}))
        if not runs:
            out.append(frame("runs", {"runs": [], "removed": removed, "total": len(views)}))
        return out

    def _request_frames(self, session: Session) -> list[bytes]:
        journal = session.journal
        if not len(journal):
            return []
        entries = journal.entries()
        if entries[-1].seq <= self.last_seq:
            return []
        fresh = [e for e in entries if e.seq > self.last_seq]
        skipped = max(len(fresh) - REQUESTS_PER_TICK, 0)
        fresh = fresh[skipped:]
        self.last_seq = fresh[-1].seq
        out = []
        for index, chunk in enumerate(_chunks(fresh, REQUESTS_PER_EVENT)):
            body = {"requests": [request_json(e) for e in chunk], "last_seq": chunk[-1].seq}
            if index == 0 and skipped:
                body["skipped"] = skipped
            out.append(frame("requests", body))
        return out
