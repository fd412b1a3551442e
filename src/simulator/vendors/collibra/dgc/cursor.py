"""`nextCursor` of the Jobs API v1: the position of the first job of the next page, bound to its listing.

A cursor holds where the next page starts (the job's sort value, createdOn and id: a keyset, so a job added
between two pages neither repeats nor shifts a job) and a digest of the query it was issued for, signed with the
session's id. A cursor jobsim did not issue fails the signature; one used with other filters or another sort
order is `OtherQuery`. The offset tokens of `simulator.engine.paging` cannot say either, hence this codec.
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
_KEY = b"jobsim/collibra-jobs-v1/cursor"
_MAC_BYTES = 12


class OtherQuery(BadToken):
    """A cursor this session issued, but for a listing with other filters or another sort order."""


def query_digest(query: Mapping[str, Any], ignore: Collection[str]) -> str:
    """What a listing asks for, as a short digest; list values count as sets (`state=A&state=B` = `B&A`)."""
    wanted = {
        name: sorted(value) if isinstance(value, list) else value for name, value in query.items() if name not in ignore
    }
    return hashlib.sha256(orjson.dumps(wanted, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


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
