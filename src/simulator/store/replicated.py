"""Sessions kept in Redis, so replicas behind a proxy share them and a restarted replica loses nothing it saved.

A replica serves a session only while it holds the session's lease (lease.py). It loads the session from Redis on
the session's first request, keeps it in memory (every request is as fast as without Redis), saves what changed
every `save_interval` seconds off the request path, and everything on shutdown. Id counters are reserved in Redis
ahead of use: a response that hands out an id is sent only once Redis knows the id is taken, so a replica killed
before its next save never makes its successor issue the same id again (docs/decisions.md "Replicas").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
import redis.asyncio as aioredis

from simulator.engine.session import Session
from simulator.exchange import ApiError, Reply
from simulator.server.dispatch import SESSION_SCOPE_KEY
from simulator.server.metrics import Metrics
from simulator.server.runtime import Runtime
from simulator.server.sessions import DEFAULT_SESSION
from simulator.server.wire import send_reply
from simulator.store import codec, lease

log = logging.getLogger("jobsim")

ID_BLOCK = 1000  # ids reserved ahead per counter; a new block is reserved when half of the last one is used
QUIET_AFTER = 2  # saves an item stayed the same before it is compared only every RECHECK_EVERY saves
RECHECK_EVERY = 32
REPLICA_HEADER = b"x-jobsim-replica"  # on every answer: which replica served it
SAVES_AT_ONCE = 16
PUBLISH_EVERY = 10  # save cycles (half intervals) between two publications of this replica's metrics
BACKPRESSURE_AFTER = 0.75  # of a save interval; saves run every half interval
WANTED_IDLE_SECONDS = 1.0  # no request for this long: a session another replica asked for is handed to it
STOP_SECONDS = 5.0  # longest wait for one step of the shutdown (a stuck Redis must not keep the pod from stopping)
SLICE_SECONDS = 0.01  # longest stretch of encoding or decoding before the event loop gets a turn


DEPLOYMENT_PATHS = frozenset({"/_sim/health", "/_sim/metrics", "/_sim/sessions"})


def _with_replica(send: Any, replica: bytes) -> Any:
    async def send_with_replica(message: Any) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), (REPLICA_HEADER, replica)]}
        await send(message)

    return send_with_replica


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _raise_counters(session: Session, ceilings: dict[bytes, bytes]) -> None:
    """Move every id counter past what was reserved in Redis (all that a previous holder may have handed out)."""
    counters = session.ids._next
    for raw_kind, raw_ceiling in ceilings.items():
        kind, ceiling = raw_kind.decode(), int(raw_ceiling)
        counters[kind] = max(counters.get(kind, ceiling), ceiling)


def _query_session(scope: Any) -> str | None:
    for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if name == "session" and value:
            return value
    return None


class SessionUnavailable(Exception):
    """Another replica holds the session (or this one just lost it): try again after `retry_after` seconds."""

    def __init__(self, session_id: str, retry_after: int, holder: str | None = None) -> None:
        super().__init__(f"session {session_id!r} is served by another replica; retry in {retry_after}s")
        self.session_id, self.retry_after, self.holder = session_id, retry_after, holder


@dataclass(slots=True)
class Held:
    """A session this replica holds the lease of, and what of it Redis already has."""

    holder: str  # the lease's value: "<replica>|<fencing token>"
    session: Session
    hashes: dict[str, int] = field(default_factory=dict)  # item name -> hash of its saved encoding
    quiet: dict[str, int] = field(default_factory=dict)  # item name -> saves in a row it did not change
    journal_seq: int = 0  # last journal entry saved
    ceilings: dict[str, int] = field(default_factory=dict)  # id kind -> first id not reserved in Redis
    dirty: bool = True
    saves: int = 0
    in_flight: int = 0  # requests of the session being answered now (long-polls, event streams)
    # When the oldest answer not yet covered by a save was sent (None: all saved); see `before_answer`.
    unsaved_since: float | None = None
    saving: asyncio.Lock = field(default_factory=asyncio.Lock)
    used_at: float = field(default_factory=time.monotonic)  # when its last request began


class ReplicatedSessions:
    """The sessions of one replica of a deployment sharing a Redis database."""

    def __init__(
        self, runtime: Runtime, url: str, replica: str, *, lease_ms: int = 10_000, save_interval: float = 1.0
    ) -> None:
        self.runtime = runtime
        self.url = url
        self.replica = replica
        self.lease_ms = lease_ms
        self.save_interval = save_interval
        self.held: dict[str, Held] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._reserving = asyncio.Lock()
        self._encoding = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._redis: aioredis.Redis | None = None
        self._save_script: Any = None
        self._renew: Any = None
        self._release: Any = None
        self._take: Any = None
        self.saves_refused = 0
        self._cycles = 0

    # --- life ----------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._redis = aioredis.from_url(self.url, socket_timeout=10, socket_connect_timeout=5)
        await self._redis.ping()
        self._save_script = self._redis.register_script(lease.SAVE)
        self._renew = self._redis.register_script(lease.RENEW)
        self._release = self._redis.register_script(lease.RELEASE)
        self._take = self._redis.register_script(lease.TAKE)
        await self._restore_metrics()
        await self._resume_own()
        await self._publish()
        self._tasks = [
            # Twice per interval, so what was acknowledged is in Redis within one interval, the save's time included.
            asyncio.create_task(self._every(self.save_interval / 2, self._save_all)),
            asyncio.create_task(self._every(self.lease_ms / 3000, self._renew_all)),
        ]
        log.info("replica %s: sessions kept in %s", self.replica, self.url)

    async def _resume_own(self) -> None:
        """Take and load, before this replica reports healthy, the sessions whose leases are still recorded under its
        name: a previous incarnation was killed (a clean stop frees them). The proxy sends their requests here again
        as soon as the health check passes, and they are ready then, instead of each paying its load on its first
        request while the clients wait (docs/decisions.md "Replicas")."""
        mine = f"{self.replica}|"
        keys = [key async for key in self.redis.scan_iter(match=lease.lease_key("*"), count=1000)]
        if not keys:
            return
        values = await self.redis.mget(keys)
        skip = len(lease.lease_key(""))
        pairs = zip(keys, values, strict=True)
        ours = [_text(key)[skip:] for key, value in pairs if value and _text(value).startswith(mine)]
        gate = asyncio.Semaphore(SAVES_AT_ONCE)

        async def one(session_id: str) -> None:
            async with gate:
                # Another replica took it meanwhile, or this one is full: its requests will say so.
                with contextlib.suppress(SessionUnavailable, LookupError):
                    await self.open(session_id)

        await asyncio.gather(*(one(session_id) for session_id in ours))
        if ours:
            log.info("replica %s: took back %d sessions of its previous run", self.replica, len(ours))

    async def stop(self) -> None:
        """Save every held session in full, hand its lease back, and close (the server is stopping)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_SECONDS)
        for session_id in list(self.held):
            try:
                await asyncio.wait_for(self.save(session_id, final=True), STOP_SECONDS)
                held = self.held.pop(session_id, None)
                if held is not None:
                    await self._release(keys=[lease.lease_key(session_id)], args=[held.holder])
            except Exception:
                log.exception("replica %s: could not save session %s", self.replica, session_id)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._publish(), STOP_SECONDS)
            await asyncio.wait_for(self.redis.delete(lease.REPLICA_ALIVE + self.replica), STOP_SECONDS)
        await self.redis.aclose()

    @property
    def redis(self) -> aioredis.Redis:
        assert self._redis is not None, "the store is not started"
        return self._redis

    # --- on the request path -------------------------------------------------------------------------------------
    async def open(self, session_id: str) -> Session:
        """The session, held by this replica (taking its lease and loading it on first use)."""
        held = self.held.get(session_id)
        if held is None:
            lock = self._locks.setdefault(session_id, asyncio.Lock())
            async with lock:
                held = self.held.get(session_id)
                if held is None:
                    held = await self._acquire(session_id)
        held.dirty = True
        held.used_at = time.monotonic()
        return self.runtime.sessions.get(session_id)

    async def before_answer(self, session_id: str) -> None:
        """Before a response is sent: reserve the ids it may carry in Redis, and hold it while the session has
        answers older than 3/4 of a save interval that no save covers yet (saves run every half interval, so this
        happens only when they lag: a busy or shared CPU), so what was acknowledged is in Redis within an interval."""
        held = self.held.get(session_id)
        if held is None:
            return
        now = time.monotonic()
        held.dirty = True  # what this request changed is saved by the next save, even one begun while it ran
        if held.unsaved_since is None:
            held.unsaved_since = now
        elif now - held.unsaved_since > self.save_interval * BACKPRESSURE_AFTER:
            await self.save(session_id)
            if self.held.get(session_id) is not held:
                raise SessionUnavailable(session_id, 1)
            if held.unsaved_since is None:
                held.unsaved_since = now
        counters = self.runtime.sessions.get(session_id).ids._next
        ceilings = held.ceilings
        for kind, value in counters.items():
            if value + ID_BLOCK // 2 > ceilings.get(kind, 0):
                await self._reserve(session_id, held)
                return

    async def handle(self, scope: Any, receive: Any, send: Any, session_id: str | None, app: Any) -> None:
        """Serve one request of `session_id` with `app`: here if this replica holds it, else 503 + Retry-After.

        Without a session id, the dashboard's event stream names its session in `?session=` (the proxy routes by
        it too); anything else is the default session's.
        """
        replica = self.replica.encode()
        if session_id is None:
            if scope["path"] in DEPLOYMENT_PATHS:
                # Health checks and deployment-wide answers must not take the default session's lease.
                scope[SESSION_SCOPE_KEY] = self.runtime.sessions.default
                await app(scope, receive, _with_replica(send, replica))
                return
            session_id = _query_session(scope) or DEFAULT_SESSION
        try:
            scope[SESSION_SCOPE_KEY] = await self.open(session_id)
        except SessionUnavailable as exc:
            await self._unavailable(scope, send, exc, replica)
            return
        except LookupError as exc:
            await send_reply(send, Reply(429, {"error": "too_many_sessions", "message": str(exc)}))
            return
        refused = False

        async def send_held(message: Any) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                try:
                    await self.before_answer(session_id)
                except SessionUnavailable as exc:
                    refused = True
                    await self._unavailable(scope, send, exc, replica)
                    return
                message = {**message, "headers": [*message.get("headers", ()), (REPLICA_HEADER, replica)]}
            elif refused:
                return
            await send(message)

        held = self.held.get(session_id)
        if held is not None:
            held.in_flight += 1
        try:
            await app(scope, receive, send_held)
        finally:
            if held is not None:
                held.in_flight -= 1
                held.used_at = time.monotonic()

    async def _unavailable(self, scope: Any, send: Any, exc: SessionUnavailable, replica: bytes) -> None:
        """503 in the shape of the vendor the request was for, with Retry-After (when the lease can next be free)."""
        runtime = self.runtime
        headers = {"Retry-After": str(exc.retry_after), REPLICA_HEADER.decode(): replica.decode()}
        problem = ApiError(503, str(exc), kind="unavailable", headers=headers)
        problem.stamp(scope["path"], time.time())
        api = runtime.router.match(scope["method"], scope["path"]).api
        vendor = runtime.vendors.get(api) if api else None
        reply = (vendor or runtime.control).render_error(problem, None)
        reply.headers = {**(reply.headers or {}), **headers}
        await send_reply(send, reply)

    async def health(self) -> dict[str, Any]:
        return {
            "sessions": len(await self.session_ids()),
            "replica": self.replica,
            "replicas": await self.replicas(),
            "store": "redis",
        }

    async def metrics_text(self) -> str:
        totals, violations, runs = await self.metrics()
        figures = Metrics()
        figures.requests.update(totals["requests"])
        figures.faults_fired.update(totals["faults"])
        figures.validation_failures.update(totals["validation"])
        figures.contract_violations = violations
        return figures.render(runs)

    # --- taking and loading a session ----------------------------------------------------------------------------
    async def _acquire(self, session_id: str) -> Held:
        redis = self.redis
        token = await redis.incr(lease.fence_key(session_id))
        holder = f"{self.replica}|{token}"
        # Only called while this process does not hold the session: a lease under this replica's own name is then
        # a previous incarnation's (kill -9 and restart), taken over at once rather than after it runs out.
        taken = await self._take(keys=[lease.lease_key(session_id)], args=[holder, f"{self.replica}|", self.lease_ms])
        if not taken:
            pipe = redis.pipeline(transaction=False)
            pipe.pttl(lease.lease_key(session_id))
            pipe.get(lease.lease_key(session_id))
            pipe.set(lease.wanted_key(session_id), self.replica, px=self.lease_ms)
            ttl, other, _ = await pipe.execute()
            raise SessionUnavailable(
                session_id, max(1, math.ceil(max(ttl, 0) / 1000)), other.decode() if other else None
            )
        try:
            held = await self._load(session_id, holder)
            self.held[session_id] = held
            await self._reserve(session_id, held)
        except BaseException:
            self.held.pop(session_id, None)
            await self._release(keys=[lease.lease_key(session_id)], args=[holder])
            raise
        return held

    async def _load(self, session_id: str, holder: str) -> Held:
        pipe = self.redis.pipeline(transaction=False)
        pipe.get(lease.head_key(session_id))
        pipe.hgetall(lease.items_key(session_id))
        pipe.lrange(lease.journal_key(session_id), 0, -1)
        pipe.hgetall(lease.ids_key(session_id))
        # A request refused while another replica held the session is answered now: the hand-back it asked for is moot
        # (a replica refused again asks again).
        pipe.delete(lease.wanted_key(session_id))
        raw_head, raw_items, raw_journal, raw_ids, _ = await pipe.execute()
        runtime = self.runtime
        if raw_head is None:
            # Never saved, but ids may have been handed out (and reserved) before the replica died.
            fresh = runtime.sessions.get(session_id)
            _raise_counters(fresh, raw_ids)
            if raw_ids:
                fresh.ids.rng.seed(f"{fresh.seed}/{holder}")
            return Held(holder, fresh)
        head = orjson.loads(raw_head)
        session = codec.new_session(runtime, session_id, head, keep_running=True)
        items: dict[str, Any] = {}
        hashes: dict[str, int] = {}
        started = time.perf_counter()
        for raw_name, data in raw_items.items():
            name = raw_name.decode()
            items[name] = codec.decode_item(runtime, session, orjson.loads(data))
            hashes[name] = hash(data)
            if time.perf_counter() - started > SLICE_SECONDS:
                await asyncio.sleep(0)
                started = time.perf_counter()
        codec.fill_session(runtime, session, head, items)
        codec.restore_journal(session.journal, [orjson.loads(e) for e in raw_journal])
        _raise_counters(session, raw_ids)
        if not head.get("clean"):
            # Saved before a crash: random ids handed out after that save must not come again.
            session.ids.rng.seed(f"{session.seed}/{holder}")
        runtime.sessions.replace(session)
        log.info("replica %s: session %s loaded (%d items)", self.replica, session_id, len(items))
        return Held(holder, session, hashes=hashes, journal_seq=codec.last_seq(session.journal))

    async def _reserve(self, session_id: str, held: Held) -> None:
        async with self._reserving:
            counters = self.runtime.sessions.get(session_id).ids._next
            wanted = {
                kind: value + ID_BLOCK
                for kind, value in counters.items()
                if value + ID_BLOCK // 2 > held.ceilings.get(kind, 0)
            }
            if not wanted:
                return
            await self._write(session_id, held, ids=wanted)
            held.ceilings.update(wanted)

    # --- saving --------------------------------------------------------------------------------------------------
    async def save(self, session_id: str, *, final: bool = False) -> bool:
        """Write what changed in the session since its last save (everything when `final`); False if fenced off."""
        held = self.held.get(session_id)
        if held is None:
            return False
        async with held.saving:
            covered: list[float | None] = [None]  # the answers this save covers: the oldest one's time
            try:
                return await self._save_now(session_id, held, final, covered)
            except BaseException:
                held.dirty = True
                oldest = covered[0]
                if oldest is not None:
                    held.unsaved_since = min(oldest, held.unsaved_since or oldest)
                raise

    async def _save_now(self, session_id: str, held: Held, final: bool, covered: list[float | None]) -> bool:
        if self.held.get(session_id) is not held:
            return False
        runtime = self.runtime
        sessions = runtime.sessions
        if session_id not in sessions.ids():
            await self._write(session_id, held, drop=True)
            self.held.pop(session_id, None)
            await self._release(keys=[lease.lease_key(session_id)], args=[held.holder])
            return True
        session = sessions.get(session_id)
        replaced = session is not held.session or final
        if session is not held.session:
            held.session, held.hashes, held.quiet, held.journal_seq = session, {}, {}, 0
        held.saves += 1
        if not (held.dirty or replaced or held.saves % RECHECK_EVERY == 0):
            return True
        held.dirty = False
        # One session encodes at a time (oldest unsaved first); its write to Redis overlaps the next encoding.
        async with self._encoding:
            covered[0], held.unsaved_since = held.unsaved_since, None  # what was answered by now is encoded below
            items = dict(codec.items_of(runtime, session))
            head = codec.encode_head(runtime, session, items)
            head["clean"] = final
            changed: dict[str, bytes] = {}
            hashes, quiet, saves = held.hashes, held.quiet, held.saves
            started = time.perf_counter()
            for name, value in items.items():
                if (
                    not replaced
                    and quiet.get(name, 0) >= QUIET_AFTER
                    and name in hashes
                    and (hash(name) + saves) % RECHECK_EVERY
                ):
                    continue
                data = orjson.dumps(codec.encode_item(runtime, session, value))
                if replaced or hashes.get(name) != hash(data):
                    changed[name] = data
                    quiet[name] = 0
                else:
                    quiet[name] = quiet.get(name, 0) + 1
                if not final and time.perf_counter() - started > SLICE_SECONDS:
                    await asyncio.sleep(0)
                    started = time.perf_counter()
            gone = [name for name in hashes if name not in items]
            entries = codec.entries_after(session.journal, 0 if replaced else held.journal_seq)
            journal = []
            for entry in entries[-runtime.settings.journal_size :]:
                journal.append(orjson.dumps(codec.journal_entry(entry)))
                if not final and time.perf_counter() - started > SLICE_SECONDS:
                    await asyncio.sleep(0)
                    started = time.perf_counter()
            ids = dict(session.ids._next) if final else {}
        ok = await self._write(
            session_id,
            held,
            head=orjson.dumps(head),
            replace=replaced,
            items=changed,
            gone=gone,
            journal=journal,
            ids=ids,
        )
        if not ok:
            return False
        for name, data in changed.items():
            hashes[name] = hash(data)
        for name in gone:
            hashes.pop(name, None)
            quiet.pop(name, None)
        if entries:
            held.journal_seq = entries[-1].seq
        if ids:
            held.ceilings.update(ids)
        return True

    async def _write(
        self,
        session_id: str,
        held: Held,
        *,
        head: bytes = b"",
        replace: bool = False,
        items: dict[str, bytes] | None = None,
        gone: list[str] | None = None,
        journal: list[bytes] | None = None,
        ids: dict[str, int] | None = None,
        drop: bool = False,
    ) -> bool:
        """One fenced write; when the lease is no longer ours the session is given up here and False returned."""
        args: list[Any] = [held.holder, session_id, head, "1" if replace else "0"]
        items = items or {}
        args.append(len(items))
        for name, data in items.items():
            args += [name, data]
        gone = gone or []
        args += [len(gone), *gone]
        journal = journal or []
        args += [len(journal), *journal, self.runtime.settings.journal_size]
        ids = ids or {}
        args.append(len(ids))
        for kind, ceiling in ids.items():
            args += [kind, ceiling]
        args += [self.lease_ms, "1" if drop else "0"]
        if await self._save_script(keys=lease.session_keys(session_id), args=args):
            return True
        self.saves_refused += 1
        log.warning("replica %s: lost the lease of session %s; unsaved changes dropped", self.replica, session_id)
        if self.held.get(session_id) is held:
            self._give_up(session_id)
        raise SessionUnavailable(session_id, 1)

    def _give_up(self, session_id: str) -> None:
        held = self.held.pop(session_id, None)
        sessions = self.runtime.sessions
        if held is not None and session_id in sessions.ids():
            session = sessions.get(session_id)
            session.closing = True  # long-polls answer now; the next request goes to the new owner
            session.clock.notify()
            sessions.drop(session_id)

    async def _save_all(self) -> None:
        now = time.monotonic()
        idle_before = now - self.lease_ms / 1000
        if self.held:
            # A session another replica asked for (the proxy now sends its requests there) is freed as soon as none
            # came here for a while, rather than after a whole lease period.
            ids = list(self.held)
            wanted = await self.redis.mget([lease.wanted_key(sid) for sid in ids])
            for session_id, by in zip(ids, wanted, strict=True):
                held = self.held.get(session_id)
                if (
                    by is not None
                    and _text(by) != self.replica
                    and held is not None
                    and held.in_flight <= 0
                    and held.used_at < now - WANTED_IDLE_SECONDS
                ):
                    held.used_at = idle_before - 1  # hand it back below
        # Oldest unsaved answers first; several at a time, so one session's round trip to Redis does not wait for
        # another's (the encoding itself takes turns on the event loop).
        gate = asyncio.Semaphore(SAVES_AT_ONCE)

        async def one(session_id: str) -> None:
            async with gate:
                held = self.held.get(session_id)
                try:
                    if held is not None and held.in_flight <= 0 and held.used_at < idle_before:
                        await self.hand_back(session_id)
                    else:
                        await self.save(session_id)
                except SessionUnavailable:
                    pass

        order = sorted(self.held, key=lambda sid: self.held[sid].unsaved_since or float("inf"))
        await asyncio.gather(*(one(session_id) for session_id in order))
        self._cycles += 1
        if self._cycles % PUBLISH_EVERY == 0:
            await self._publish()  # counting every session's runs is not free: every few seconds is enough

    async def hand_back(self, session_id: str) -> None:
        """Save an idle session in full and free its lease: when the proxy's ring changed (a replica left and came
        back), the replica the session's requests now reach can take it; this one loads it again if they return."""
        held = self.held.get(session_id)
        if held is None:
            return
        used_at = held.used_at
        if not await self.save(session_id, final=True):
            return
        async with self._locks.setdefault(session_id, asyncio.Lock()):
            if self.held.get(session_id) is not held or held.in_flight > 0 or held.used_at != used_at:
                return  # a request came while it was being saved: keep it
            del self.held[session_id]
            sessions = self.runtime.sessions
            if session_id in sessions.ids():
                sessions.drop(session_id)
            await self._release(keys=[lease.lease_key(session_id)], args=[held.holder])

    async def _renew_all(self) -> None:
        held = list(self.held.items())
        if not held:
            return
        keys = [key for sid, _ in held for key in (lease.lease_key(sid), lease.fence_key(sid))]
        kept = await self._renew(keys=keys, args=[h.holder for _, h in held] + [self.lease_ms])
        for (session_id, was), still in zip(held, kept, strict=True):
            if not still and self.held.get(session_id) is was:
                log.warning("replica %s: lease of session %s expired; giving it up", self.replica, session_id)
                self._give_up(session_id)

    async def _every(self, seconds: float, job: Any) -> None:
        """Run `job` every `seconds`, start to start (a slow run shortens the next wait, never delays the cadence)."""
        began = time.monotonic()
        while True:
            began += seconds
            await asyncio.sleep(max(0.0, began - time.monotonic()))
            began = max(began, time.monotonic() - seconds)
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("replica %s: background store task failed", self.replica)

    # --- the deployment as a whole -------------------------------------------------------------------------------
    async def session_ids(self) -> list[str]:
        saved = {_text(m) for m in await self.redis.smembers(lease.SESSIONS)}
        return sorted(saved | set(self.runtime.sessions.ids()))

    async def replicas(self) -> list[str]:
        keys = [k.decode() async for k in self.redis.scan_iter(match=lease.REPLICA_ALIVE + "*", count=1000)]
        return sorted(k[len(lease.REPLICA_ALIVE) :] for k in keys)

    async def metrics(self) -> tuple[dict[str, Counter[Any]], int, list[tuple[str, str, str, int]]]:
        """Counters summed over every replica that ever published, and the runs of every live replica."""
        published = await self.redis.hgetall(lease.REPLICAS)
        alive = set(await self.replicas())
        totals: dict[str, Counter[Any]] = {"requests": Counter(), "faults": Counter(), "validation": Counter()}
        violations = 0
        runs: list[tuple[str, str, str, int]] = []
        for raw_name, raw in published.items():
            name = _text(raw_name)
            data = self._own_figures() if name == self.replica else orjson.loads(raw)
            for key in totals:
                for *labels, count in data[key]:
                    totals[key][tuple(labels)] += count
            violations += data["violations"]
            if name == self.replica or name in alive:
                runs += [tuple(r) for r in data["runs"]]
        return totals, violations, sorted(runs)

    def _own_figures(self) -> dict[str, Any]:
        metrics = self.runtime.metrics
        runs = []
        sessions = self.runtime.sessions
        for session_id in self.held:
            session = sessions.get(session_id)
            for name, vendor in self.runtime.vendors.items():
                for state, count in sorted(vendor.count_runs(session.states[name], session).items()):
                    runs.append([session_id, name, state, count])
        return {
            "requests": [[*k, n] for k, n in metrics.requests.items()],
            "faults": [[*k, n] for k, n in metrics.faults_fired.items()],
            "validation": [[*k, n] for k, n in metrics.validation_failures.items()],
            "violations": metrics.contract_violations,
            "runs": runs,
        }

    async def _publish(self) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(lease.REPLICAS, self.replica, orjson.dumps(self._own_figures()))
        alive_ms = max(self.lease_ms, int(3 * PUBLISH_EVERY * self.save_interval / 2 * 1000))
        pipe.set(lease.REPLICA_ALIVE + self.replica, str(len(self.held)), px=alive_ms)
        await pipe.execute()

    async def _restore_metrics(self) -> None:
        """A restarted replica's counters go on from what it published, so deployment totals never go back."""
        raw = await self.redis.hget(lease.REPLICAS, self.replica)
        if raw is None:
            return
        data = orjson.loads(raw)
        metrics = self.runtime.metrics
        for *labels, count in data["requests"]:
            metrics.requests[(labels[0], labels[1], int(labels[2]))] += count
        for *labels, count in data["faults"]:
            metrics.faults_fired[tuple(labels)] += count
        for *labels, count in data["validation"]:
            metrics.validation_failures[tuple(labels)] += count
        metrics.contract_violations += data["violations"]
