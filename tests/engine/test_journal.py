"""The journal's ring buffer: what the hot path adds (raw, as tuples) and what is recorded whole read back as one
ordered, numbered list of entries, secrets redacted, bounded by its size."""

from __future__ import annotations

from simulator.engine.journal import REDACTED, Journal, Pattern


def _add(journal: Journal, path: str, status: int = 200) -> None:
    headers = [(b"host", b"x"), (b"authorization", b"Bearer secret")]
    journal.add(1.5, "default", "GET", path, b"a=1", headers, b'{"k": 1}', status, "databricks", "op", 0.00025, None)


def test_added_and_recorded_entries_read_back_in_order_with_their_numbers() -> None:
    journal = Journal(size=10)
    _add(journal, "/one")
    journal.record(
        {"time": 2.0, "session": "default", "method": "POST", "path": "/two", "query": "", "headers": {}, "body": None}
    )
    _add(journal, "/three", 404)
    entries = journal.entries()
    assert [(e.seq, e.path) for e in entries] == [(1, "/one"), (2, "/two"), (3, "/three")]
    first = entries[0].as_dict()
    assert first["headers"] == {"host": "x", "authorization": REDACTED}
    assert first["body"] == {"k": 1} and first["query"] == "a=1" and first["latency_ms"] == 0.25
    assert journal.verify(Pattern(path="/three", status=404), exactly=1)["pass"]
    assert len(journal) == 3


def test_the_ring_keeps_the_newest_entries() -> None:
    journal = Journal(size=3)
    for number in range(5):
        _add(journal, f"/{number}")
    assert [e.path for e in journal.entries()] == ["/2", "/3", "/4"]
    _add(journal, "/5")
    assert [e.seq for e in journal.entries()] == [4, 5, 6]


def test_headers_read_back_as_sent_whatever_they_hold() -> None:
    journal = Journal(size=10)
    sent = [
        [(b"host", b"x"), (b"x-note", b"a: b, c"), (b"x-empty", b""), (b"Authorization", b"Basic dTpw")],
        [],  # no headers at all
        [(b"x-odd", b"one\x00two"), (b"host", b"y")],  # a NUL no HTTP/1.1 client sends (an in-process caller may)
    ]
    for headers in sent:
        journal.add(1.0, "default", "GET", "/h", b"", headers, b"", 200, None, None, 0.001, None)
    assert [entry.headers for entry in journal.entries()] == [
        {"host": "x", "x-note": "a: b, c", "x-empty": "", "authorization": REDACTED},
        {},
        {"x-odd": "one\x00two", "host": "y"},
    ]


def test_a_kept_entry_leaves_nothing_for_the_garbage_collector_to_walk() -> None:
    import gc

    journal = Journal(size=10)
    _add(journal, "/kept")
    [kept] = journal._entries
    # Its headers are one bytes value (never tracked), so the entry is the one object a request leaves the collector
    # (untracked at its first pass: a tuple of untracked values), not five (a tuple of header tuples and the entry).
    assert not any(gc.is_tracked(part) for part in kept)
    gc.collect()
    assert not gc.is_tracked(kept)
