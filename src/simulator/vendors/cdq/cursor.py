"""`startAfter` / `nextStartAfter` values: the position of the last item returned, not an offset.

A jobs cursor is the sort key of the last job shown (createdAt in ms, creation number) written as digits with two
check digits (ISO 7064 mod 97-10, as in IBANs), so it looks like the vendor's `5712566172571652` and a value
jobsim did not issue is refused. A job-types cursor is the last type name shown, base64url-encoded.
"""

from __future__ import annotations

import binascii

from simulator.engine import b64url
from simulator.vendors.cdq.model import SortKey

_SEQ_DIGITS = 9
_MAX_DIGITS = 40
_TYPE_PREFIX = "type:"


class BadCursor(ValueError):
    pass


def job_cursor(key: SortKey) -> str:
    created_ms, seq = key
    digits = f"{created_ms}{seq:0{_SEQ_DIGITS}d}"
    check = 98 - int(digits + "00") % 97
    return f"{digits}{check:02d}"


def read_job_cursor(text: str) -> SortKey:
    if (
        not text.isascii()
        or not text.isdigit()
        or not _SEQ_DIGITS + 2 < len(text) <= _MAX_DIGITS
        or int(text) % 97 != 1
    ):
        raise BadCursor(text)
    digits = text[:-2]
    return int(digits[:-_SEQ_DIGITS]), int(digits[-_SEQ_DIGITS:])


def type_cursor(name: str) -> str:
    return b64url.encode(f"{_TYPE_PREFIX}{name}".encode())


def read_type_cursor(text: str) -> str:
    try:
        decoded = b64url.decode(text).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(text) from None
    if not decoded.startswith(_TYPE_PREFIX) or len(decoded) == len(_TYPE_PREFIX):
        raise BadCursor(text)
    return decoded[len(_TYPE_PREFIX) :]
