"""A session as a small header plus one encoded item per stored run or job, so a save writes only what changed.

The header is the `GET /_sim/state` snapshot (engine/snapshot.py) in which every object held in a vendor's `Store`
(runs, jobs) is a reference to an item; each item is encoded on its own. Items do not refer to one another, only to
the session, its clock and the runtime (which every snapshot names as context), so they decode independently.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Iterator, Mapping
from typing import Any

from simulator.engine.clock import Clock
from simulator.engine.journal import Entry, Journal
from simulator.engine.session import Session
from simulator.engine.snapshot import FORMAT_VERSION, SnapshotError, decode, encode
from simulator.engine.store import Store
from simulator.server.runtime import Runtime


def items_of(runtime: Runtime, session: Session) -> Iterator[tuple[str, Any]]:
    """(item name, object) for every object in a `Store` of a vendor state, in insertion order."""
    for api in runtime.vendors:
        state = session.states[api]
        if not dataclasses.is_dataclass(state):
            continue
        for spec in dataclasses.fields(state):
            held = getattr(state, spec.name)
            # A store per field (coded vendors), or a dict of stores by resource (declared APIs).
            stores = {spec.name: held} if isinstance(held, Store) else {}
            if isinstance(held, dict):
                stores = {f"{spec.name}.{name}": store for name, store in held.items() if isinstance(store, Store)}
            for where, store in stores.items():
                for key, value in store._items.items():
                    kind = "i" if isinstance(key, int) else "s"
                    yield f"{api}:{where}:{kind}:{key}", value


def base_context(runtime: Runtime, session: Session) -> dict[str, Any]:
    return {"session": session, "clock": session.clock, "runtime": runtime}


def encode_head(runtime: Runtime, session: Session, items: Mapping[str, Any]) -> dict[str, Any]:
    """The session without its items (`items`: item name -> object), each written as a reference to its name."""
    clock = session.clock
    context = base_context(runtime, session)
    with_items = {**context, **items}
    return {
        "format": "jobsim-state",
        "version": FORMAT_VERSION,
        "session": session.id,
        "seed": session.seed,
        "clock": {"mode": clock.mode, "speed": clock.speed, "now": clock.now(), "wall": time.time()},
        "ids": encode(session.ids, context),
        "scenarios": [{"source": s.source, "text": s.text} for s in session.plans.scenarios],
        "faults": encode(session.faults, context),
        "states": {api: encode(session.states[api], with_items) for api in runtime.vendors},
    }


def encode_item(runtime: Runtime, session: Session, value: Any) -> Any:
    return encode(value, base_context(runtime, session))


def decode_item(runtime: Runtime, session: Session, data: Any) -> Any:
    return decode(data, base_context(runtime, session))


def new_session(runtime: Runtime, session_id: str, head: Mapping[str, Any], *, keep_running: bool) -> Session:
    """An empty session with the header's clock: with `keep_running`, a real clock counts the time it was saved."""
    if head.get("format") != "jobsim-state" or head.get("version") != FORMAT_VERSION:
        raise SnapshotError(f"not a jobsim state of version {FORMAT_VERSION}")
    clock_data = head["clock"]
    now = float(clock_data["now"])
    if keep_running and clock_data["mode"] == "real" and "wall" in clock_data:
        now += max(0.0, time.time() - float(clock_data["wall"])) * float(clock_data["speed"])
    settings = runtime.settings
    return Session(
        session_id,
        Clock(clock_data["mode"], clock_data["speed"], start=now),
        head.get("seed"),
        journal_size=settings.journal_size,
        journal_enabled=settings.journal,
        max_runs=settings.max_runs,
    )


def fill_session(runtime: Runtime, session: Session, head: Mapping[str, Any], items: Mapping[str, Any]) -> Session:
    """Put the header's state into `session`; `items` are the decoded items by name."""
    context = {**base_context(runtime, session), **items}
    session.ids = decode(head["ids"], context)
    session.faults = decode(head["faults"], context)
    for scenario in head.get("scenarios", []):
        session.plans.add(runtime.parse(scenario["text"], scenario["source"]))
    for api in runtime.vendors:
        session.states[api] = decode(head["states"][api], context)
    session.states[runtime.control.name] = runtime
    return session


def journal_entry(entry: Entry) -> dict[str, Any]:
    return entry.as_dict()


def restore_journal(journal: Journal, entries: list[Mapping[str, Any]]) -> None:
    """Refill a journal with saved entries (headers already redacted); numbering goes on after the last."""
    last = 0
    for data in entries:
        entry = Entry(**data)
        journal.recorded().append(entry)
        last = max(last, entry.seq)
    journal._seq = itertools.count(last + 1)


def last_seq(journal: Journal) -> int:
    entries = journal.recorded()
    return entries[-1].seq if entries else 0


def entries_after(journal: Journal, seq: int) -> list[Entry]:
    """Journal entries newer than `seq`, oldest first (walks back from the newest only)."""
    out = []
    for entry in reversed(journal.recorded()):
        if entry.seq <= seq:
            break
        out.append(entry)
    out.reverse()
    return out
