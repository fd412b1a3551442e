"""Opaque page tokens for offset-based paging (stable for a snapshot, cheap to decode)."""

from __future__ import annotations

import binascii

from simulator.engine import b64url


class BadToken(ValueError):
    pass


def encode_offset(offset: int) -> str:
    return b64url.encode(f"o:{offset}".encode())


def decode_offset(token: str) -> int:
    try:
        text = b64url.decode(token).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadToken(token) from None
    kind, _, number = text.partition(":")
    if kind != "o" or not number.isdigit():
        raise BadToken(token)
    return int(number)
