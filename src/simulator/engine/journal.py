"""The request journal: a bounded ring buffer of what clients sent and got, and verification against it."""

from __future__ import annotations

import fnmatch
import itertools
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-databricks-token",
        "proxy-authorization",
        "x-jobsim-control-token",
    }
)
REDACTED = "***"


_UNREAD: Any = object()


class Entry:
    """One request as recorded. Headers and body are kept raw when recorded and decoded (headers redacted) the
    first time they are read, so recording costs a request almost nothing; `as_dict` is what clients see."""

    __slots__ = (
        "_body",
        "_headers",
        "_raw_body",
        "_raw_headers",
        "api",
        "fault",
        "latency_ms",
        "method",
        "operation",
        "path",
        "query",
        "seq",
        "session",
        "status",
        "time",
    )  # fmt: skip
    _raw_headers: bytes | Iterable[tuple[bytes, bytes]] | None  # bytes: packed by `Journal.add`
    _headers: dict[str, str] | None
    _raw_body: bytes | None
    _body: Any

    def __init__(
        self,
        seq: int,
        time: float,
        session: str,
        method: str,
        path: str,
        query: str,
        headers: Iterable[tuple[bytes, bytes]] | dict[str, str],
        body: Any,
        status: int = 0,
        api: str | None = None,
        operation: str | None = None,
        latency_ms: float = 0.0,
        fault: str | None = None,
    ) -> None:
        """`headers` as ASGI pairs (redacted when read) or an already redacted dict; `body` as raw bytes (parsed
        when read) or an already parsed value."""
        self.seq, self.time, self.session, self.method, self.path, self.query = seq, time, session, method, path, query
        self.status, self.api, self.operation, self.latency_ms, self.fault = status, api, operation, latency_ms, fault
        if isinstance(headers, dict):
            self._raw_headers, self._headers = None, headers
        else:
            self._raw_headers, self._headers = headers, None
        if isinstance(body, bytes | bytearray):
            self._raw_body, self._body = bytes(body), _UNREAD
        else:
            self._raw_body, self._body = None, body

    @classmethod
    def added(cls, item: tuple[Any, ...]) -> Entry:
        """An entry from the tuple `Journal.add` kept: raw headers and body, decoded when first read."""
        entry = cls.__new__(cls)
        (
            entry.seq, entry.time, entry.session, entry.method, entry.path, query, entry._raw_headers,
            entry._raw_body, entry.status, entry.api, entry.operation, seconds, entry.fault,
        ) = item  # fmt: skip
        entry.query = query.decode("latin-1")
        entry.latency_ms = round(seconds * 1000, 3)
        entry._headers, entry._body = None, _UNREAD
        return entry

    @property
    def headers(self) -> dict[str, str]:
        if self._headers is None:
            self._headers = redact(_unpacked(self._raw_headers or ()))
            self._raw_headers = None  # secrets do not outlive the first read
        return self._headers

    @property
    def body(self) -> Any:
        if self._body is _UNREAD:
            self._body = parse_body(self._raw_body or b"")
            self._raw_body = None
        return self._body

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "session": self.session,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "api": self.api,
            "operation": self.operation,
            "latency_ms": self.latency_ms,
            "fault": self.fault,
        }


def parse_body(raw: bytes) -> Any:
    """A recorded body: its JSON, else its text, None when empty."""
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")


# Between the parts of packed headers: HTTP/1.1 allows no NUL in a header's name or value (RFC 9110, 5.5).
_SEPARATOR = b"\0"


def _packed(headers: Sequence[tuple[bytes, bytes]]) -> bytes | tuple[tuple[bytes, bytes], ...]:
    """Headers kept as one bytes value: bytes are never tracked by the garbage collector, where a tuple of header
    tuples is as many tracked objects as headers, plus one, walked in a collection while the entry is kept (run-now at
    1,000 active: 5 of the 11 objects a request left to the collector). Headers that hold the separator (possible from
    an in-process caller only) are kept as a tuple."""
    if not headers:
        return ()
    packed = _SEPARATOR.join(itertools.chain.from_iterable(headers))
    if packed.count(_SEPARATOR) != 2 * len(headers) - 1:
        return tuple(headers)
    return packed


def _unpacked(headers: bytes | Iterable[tuple[bytes, bytes]]) -> Iterable[tuple[bytes, bytes]]:
    if isinstance(headers, bytes):
        parts = headers.split(_SEPARATOR)
        return zip(parts[0::2], parts[1::2], strict=True)
    return headers


def redact(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        out[name] = REDACTED if name in SECRET_HEADERS else raw_value.decode("latin-1")
    return out


@dataclass(slots=True)
class Pattern:
    """Which requests to look for. Strings are globs; `query` and `body` must be contained in the request."""

    method: str | None = None
    path: str | None = None
    api: str | None = None
    operation: str | None = None
    status: int | None = None
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None

    def score(self, entry: Entry) -> tuple[int, int]:
        """(criteria met, criteria given): a match when both are equal."""
        checks = []
        if self.method is not None:
            checks.append(entry.method.upper() == self.method.upper())
        if self.path is not None:
            checks.append(fnmatch.fnmatchcase(entry.path, self.path))
        if self.api is not None:
            checks.append(entry.api == self.api)
        if self.operation is not None:
            checks.append(entry.operation == self.operation)
        if self.status is not None:
            checks.append(entry.status == self.status)
        if self.query:
            from urllib.parse import parse_qs

            given = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(entry.query).items()}
            checks.append(all(str(given.get(k)) == str(v) for k, v in self.query.items()))
        if self.body is not None:
            checks.append(contains(entry.body, self.body))
        return sum(checks), len(checks)

    def matches(self, entry: Entry) -> bool:
        met, given = self.score(entry)
        return met == given


def contains(actual: Any, expected: Any) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(k in actual and contains(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list | tuple)  # a reply object's tuple is the JSON array it is sent as
            and len(actual) == len(expected)
            and all(contains(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, str) and isinstance(actual, str):
        return fnmatch.fnmatchcase(actual, expected)
    return bool(actual == expected)


class Journal:
    __slots__ = ("_entries", "_seq", "enabled")

    def __init__(self, size: int = 10_000, enabled: bool = True) -> None:
        # Entries, and after them what `add` recorded since the last read, as tuples (see `recorded`).
        self._entries: deque[Any] = deque(maxlen=max(size, 1))
        self._seq = itertools.count(1)
        self.enabled = enabled

    def record(self, entry_without_seq: dict[str, Any]) -> Entry:
        entry = Entry(seq=next(self._seq), **entry_without_seq)
        self.recorded().append(entry)
        return entry

    def add(
        self,
        time: float,
        session: str,
        method: str,
        path: str,
        query: bytes,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        status: int,
        api: str | None,
        operation: str | None,
        seconds: float,
        fault: str | None,
    ) -> None:
        """`record` for the server's hot path: the raw query, headers and body bytes and the latency in seconds, kept
        as one tuple; it becomes an `Entry` when the journal is first read after it (`recorded`), so a request that
        nobody reads back costs one tuple."""
        self._entries.append(
            (
                next(self._seq),
                time,
                session,
                method,
                path,
                query,
                _packed(headers),
                body,
                status,
                api,
                operation,
                seconds,
                fault,
            )
        )

    def recorded(self) -> deque[Entry]:
        """Every entry, oldest first: the live ring buffer, with what `add` kept as tuples made entries (once)."""
        entries = self._entries
        if entries and type(entries[-1]) is tuple:  # tuples only ever follow entries: converting makes all entries
            self._entries = entries = deque(
                (item if type(item) is Entry else Entry.added(item) for item in entries), maxlen=entries.maxlen
            )
        return entries

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, pattern: Pattern | None = None, limit: int | None = None) -> list[Entry]:
        found = [e for e in self.recorded() if pattern is None or pattern.matches(e)]
        return found[-limit:] if limit else found

    def verify(
        self, pattern: Pattern, exactly: int | None = None, at_least: int | None = None, at_most: int | None = None
    ) -> dict[str, Any]:
        matched = self.entries(pattern)
        count = len(matched)
        ok = (
            (exactly is None or count == exactly)
            and (at_least is None or count >= at_least)
            and (at_most is None or count <= at_most)
        )
        expected = ", ".join(
            f"{name.replace('_', ' ')} {value}"
            for name, value in (("exactly", exactly), ("at_least", at_least), ("at_most", at_most))
            if value is not None
        )
        result: dict[str, Any] = {"pass": ok, "matched": count, "expected": expected or "any number"}
        if not ok:
            nearest = sorted(self.recorded(), key=lambda e: (pattern.score(e)[0], e.seq), reverse=True)[:5]
            result["nearest"] = [_diff(pattern, e) for e in nearest if not pattern.matches(e)]
            result["message"] = f"expected {result['expected']} request(s) matching the pattern, found {count}"
        return result


def _diff(pattern: Pattern, entry: Entry) -> dict[str, Any]:
    differences = {}
    for name in ("method", "path", "api", "operation", "status"):
        wanted = getattr(pattern, name)
        if wanted is not None and not Pattern(**{name: wanted}).matches(entry):
            differences[name] = {"expected": wanted, "actual": getattr(entry, name)}
    if pattern.query and not Pattern(query=pattern.query).matches(entry):
        differences["query"] = {"expected": dict(pattern.query), "actual": entry.query}
    if pattern.body is not None and not contains(entry.body, pattern.body):
        differences["body"] = {"expected": pattern.body, "actual": entry.body}
    return {"seq": entry.seq, "request": f"{entry.method} {entry.path}", "differences": differences}
