"""`keyset` paging: a cursor names where the next page starts and is bound to its listing and its session.

A cursor holds the sort position of the first item of the next page (its sort values, so an item added between
two pages neither repeats nor shifts one) and a digest of the query it was issued for, signed with the session's
id. A cursor jobsim did not issue fails the signature; one used with other filters or another order is
`OtherQuery`. Offset tokens cannot say either.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import orjson

from simulator.engine import b64url
from simulator.engine.paging import BadToken

# Not a secret (the project is public): it only makes a cursor that was edited or made by hand fail the check.
_KEY = b"jobsim/declared/keyset"
_MAC_BYTES = 12


class OtherQuery(BadToken):
    """A cursor this session issued, but for a listing with other filters or another order."""


def query_digest(query: Mapping[str, Any], ignore: Collection[str]) -> str:
    """What a listing asks for, as a short digest; list values count as sets (`state=A&state=B` = `B&A`)."""
    wanted = {
        name: sorted(value, key=str) if isinstance(value, list) else value
        for name, value in query.items()
        if name not in ignore
    }
    return hashlib.sha256(orjson.dumps(wanted, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:16]


def issue(session_id: str, digest: str, position: Sequence[Any]) -> str:
    payload = orjson.dumps([digest, *position])
    return f"{b64url.encode(payload)}.{b64url.encode(_mac(session_id, payload))}"


def read(token: str, session_id: str, digest: str) -> list[Any]:
    """The position a cursor of this session holds; BadToken if jobsim did not issue it, OtherQuery if it was
    issued for another query."""
    body, dot, signature = token.partition(".")
    try:
        payload, given = b64url.decode(body), b64url.decode(signature)
    except (binascii.Error, ValueError):
        raise BadToken(token) from None
    if not dot or not hmac.compare_digest(given, _mac(session_id, payload)):
        raise BadToken(token)
    issued_for, *position = orjson.loads(payload)
    if issued_for != digest:
        raise OtherQuery(token)
    return position


def _mac(session_id: str, payload: bytes) -> bytes:
    return hmac.new(_KEY, session_id.encode() + b"\0" + payload, hashlib.sha256).digest()[:_MAC_BYTES]
