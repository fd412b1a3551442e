"""The dispatcher's query splitter answers exactly what `urllib.parse.parse_qsl` would, for any query string."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from simulator.server.dispatch import query_pairs

QUERY_CHARS = st.sampled_from([*"abz09_-.~=&;%+ é/?", "%20", "%2B", "%3D", "%26", "%C3%A9", "%zz"])


@given(st.lists(QUERY_CHARS, max_size=40).map("".join))
def test_query_pairs_match_parse_qsl(text: str) -> None:
    assert query_pairs(text) == parse_qsl(text, keep_blank_values=True)
