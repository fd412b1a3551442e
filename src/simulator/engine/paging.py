"""Opaque page tokens for offset-based paging (stable for a snapshot, cheap to decode)."""

from __future__ import annotations

import base64
import binascii


class BadToken(ValueError):
    pass


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_offset(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadToken(token) from None
    kind, _, number = text.partition(":")
    if kind != "o" or not number.isdigit():
        raise BadToken(token)
    return int(number)
