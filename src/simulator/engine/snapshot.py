"""A JSON codec for session state, so a whole world can be saved and restored exactly.

Vendor states are plain dataclasses and slotted classes of the `simulator` package; they are walked generically, so
a new vendor gets snapshots for free. Only classes of this package are ever rebuilt from a snapshot.
`export_session` / `import_session` write and read a whole session (clock, ids, scenarios, faults, API states).
"""

from __future__ import annotations

import dataclasses
import importlib
import random
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from simulator.engine.clock import Clock
from simulator.engine.scenario import Scenario
from simulator.engine.session import Session

FORMAT_VERSION = 1
_PACKAGE = "simulator."


class SnapshotError(ValueError):
    pass


def encode(value: Any, context: Mapping[str, Any] | None = None) -> Any:
    """JSON for `value`; objects met twice (shared or cyclic) are written once and referenced by `$ref`.

    Objects named in `context` (the session, its clock, the runtime) are written as `{"$context": name}` and are
    replaced on decoding by the objects of the session being restored.
    """
    return _Encoder(context or {}).encode(value)


def decode(data: Any, context: Mapping[str, Any] | None = None) -> Any:
    return _Decoder(context or {}).decode(data)


def export_session(session: Session, apis: Iterable[str], context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The whole world of a session as JSON: clock, id counters, scenarios in force, fault rules, the states of
    `apis`. `context` names further shared objects (written by name, see `encode`)."""
    clock = session.clock
    context = {"session": session, "clock": clock, **(context or {})}
    return {
        "format": "jobsim-state",
        "version": FORMAT_VERSION,
        "session": session.id,
        "seed": session.seed,
        "clock": {"mode": clock.mode, "speed": clock.speed, "now": clock.now()},
        "ids": encode(session.ids, context),
        "scenarios": [{"source": s.source, "text": s.text} for s in session.plans.scenarios],
        "faults": encode(session.faults, context),
        "states": {api: encode(session.states[api], context) for api in apis},
    }


def import_session(
    data: Mapping[str, Any],
    apis: Iterable[str],
    new_session: Callable[[Clock, int | None], Session],
    parse: Callable[[str, str], Scenario],
    context: Mapping[str, Any] | None = None,
) -> Session:
    """Rebuild a session from `export_session` output, exactly (refuses other formats and versions).

    `new_session(clock, seed)` makes the empty session to fill; `parse(text, source)` reads a scenario.
    """
    if data.get("format") != "jobsim-state" or data.get("version") != FORMAT_VERSION:
        raise SnapshotError(f"not a jobsim state of version {FORMAT_VERSION} (format/version fields)")
    apis = list(apis)
    missing = set(apis) - set(data.get("states", {}))
    if missing:
        raise SnapshotError(f"the snapshot has no state for {', '.join(sorted(missing))}")
    clock_data = data["clock"]
    clock = Clock(clock_data["mode"], clock_data["speed"], start=clock_data["now"])
    session = new_session(clock, data.get("seed"))
    context = {"session": session, "clock": clock, **(context or {})}
    session.ids = decode(data["ids"], context)
    session.faults = decode(data["faults"], context)
    for scenario in data.get("scenarios", []):
        session.plans.add(parse(scenario["text"], scenario["source"]))
    for api in apis:
        session.states[api] = decode(data["states"][api], context)
    return session


class _Encoder:
    def __init__(self, context: Mapping[str, Any]) -> None:
        self.seen: dict[int, int] = {}
        self.keep: list[Any] = []  # keeps ids stable while encoding
        self.context = {id(obj): name for name, obj in context.items()}

    def encode(self, value: Any) -> Any:
        encode = self.encode
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, list):
            return [encode(v) for v in value]
        if isinstance(value, tuple):
            return {"$tuple": [encode(v) for v in value]}
        if isinstance(value, Counter):
            return {"$counter": [[encode(k), n] for k, n in value.items()]}
        if isinstance(value, dict):
            if all(isinstance(k, str) and not k.startswith("$") for k in value):
                return {k: encode(v) for k, v in value.items()}
            return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
        if isinstance(value, MappingProxyType):
            return {"$mapping": [[encode(k), encode(v)] for k, v in value.items()]}
        if isinstance(value, set | frozenset):
            return {"$set" if isinstance(value, set) else "$frozenset": [encode(v) for v in value]}
        if isinstance(value, deque):
            return {"$deque": [encode(v) for v in value], "maxlen": value.maxlen}
        if isinstance(value, random.Random):
            version, internal, gauss = value.getstate()
            return {"$random": [version, list(internal), gauss]}
        cls = type(value)
        name = f"{cls.__module__}:{cls.__qualname__}"
        if not cls.__module__.startswith(_PACKAGE):
            return {"$dropped": name}  # e.g. asyncio waiters: transient, rebuilt empty
        if id(value) in self.context:
            return {"$context": self.context[id(value)]}
        known = self.seen.get(id(value))
        if known is not None:
            return {"$ref": known}
        if dataclasses.is_dataclass(value):
            names = [f.name for f in dataclasses.fields(value)]
        else:
            names = [s for klass in cls.__mro__ for s in getattr(klass, "__slots__", ()) if hasattr(value, s)]
            if not names:
                raise SnapshotError(f"cannot snapshot a {name}")
        ref = self.seen[id(value)] = len(self.seen) + 1
        self.keep.append(value)
        return {"$class": name, "$id": ref, "fields": {n: encode(getattr(value, n)) for n in names}}


class _Decoder:
    def __init__(self, context: Mapping[str, Any]) -> None:
        self.objects: dict[int, Any] = {}
        self.context = context

    def decode(self, data: Any) -> Any:
        decode = self.decode
        if data is None or isinstance(data, bool | int | float | str):
            return data
        if isinstance(data, list):
            return [decode(v) for v in data]
        if not isinstance(data, dict):
            raise SnapshotError(f"unexpected {type(data).__name__} in snapshot")
        if "$tuple" in data:
            return tuple(decode(v) for v in data["$tuple"])
        if "$counter" in data:
            return Counter({decode(k): n for k, n in data["$counter"]})
        if "$dict" in data:
            return {decode(k): decode(v) for k, v in data["$dict"]}
        if "$mapping" in data:
            return MappingProxyType({decode(k): decode(v) for k, v in data["$mapping"]})
        if "$set" in data:
            return {decode(v) for v in data["$set"]}
        if "$frozenset" in data:
            return frozenset(decode(v) for v in data["$frozenset"])
        if "$deque" in data:
            return deque((decode(v) for v in data["$deque"]), maxlen=data.get("maxlen"))
        if "$random" in data:
            version, internal, gauss = data["$random"]
            rng = random.Random()
            rng.setstate((version, tuple(internal), gauss))
            return rng
        if "$dropped" in data:
            return None
        if "$context" in data:
            if data["$context"] not in self.context:
                raise SnapshotError(f"unknown context {data['$context']!r} in snapshot")
            return self.context[data["$context"]]
        if "$ref" in data:
            if data["$ref"] not in self.objects:
                raise SnapshotError(f"dangling reference {data['$ref']!r} in snapshot")
            return self.objects[data["$ref"]]
        if "$class" in data:
            cls = _class(data["$class"])
            obj: Any = object.__new__(cls)
            self.objects[data.get("$id", -1)] = obj
            for name, value in data["fields"].items():
                object.__setattr__(obj, name, decode(value))
            if dataclasses.is_dataclass(cls):
                _fill_defaults(obj, data["fields"])
            return obj
        return {k: decode(v) for k, v in data.items()}


def _fill_defaults(obj: Any, given: Mapping[str, Any]) -> None:
    """Fields added to a class after the snapshot was taken get their defaults."""
    for spec in dataclasses.fields(obj):
        if spec.name in given:
            continue
        if spec.default is not dataclasses.MISSING:
            object.__setattr__(obj, spec.name, spec.default)
        elif spec.default_factory is not dataclasses.MISSING:
            object.__setattr__(obj, spec.name, spec.default_factory())


def _class(name: str) -> type:
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(_PACKAGE) or not qualname or "<" in qualname:
        raise SnapshotError(f"refusing to rebuild {name!r}: only jobsim's own classes can be in a snapshot")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise SnapshotError(f"unknown class {name!r} in snapshot") from exc
    if not isinstance(target, type) or not (dataclasses.is_dataclass(target) or hasattr(target, "__slots__")):
        raise SnapshotError(f"refusing to rebuild {name!r}")
    return target
