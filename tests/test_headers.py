"""A request's headers read as Starlette's `Headers` reads them: case-insensitive, first value, every value."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers as StarletteHeaders

from simulator.headers import Headers

RAW = [(b"content-type", b"application/json"), (b"x-api-key", b"k1"), (b"x-api-key", b"k2"), (b"host", b"h\xe9")]


@pytest.mark.parametrize("name", ["Content-Type", "content-type", "X-API-KEY", "host", "missing"])
def test_reads_as_starlettes_headers(name: str) -> None:
    ours, theirs = Headers(RAW), StarletteHeaders(raw=RAW)
    assert ours.get(name) == theirs.get(name)
    assert ours.get(name, "default") == theirs.get(name, "default")
    assert (name in ours) == (name in theirs)
    assert ours.getlist(name) == theirs.getlist(name)
    if name in theirs:
        assert ours[name] == theirs[name]
    else:
        with pytest.raises(KeyError):
            ours[name]
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert ours.raw == theirs.raw and ours == Headers(list(reversed(RAW)))
