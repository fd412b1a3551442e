"""Unpadded URL-safe base64, as page tokens, cursors and JWT segments use it."""

from __future__ import annotations

import base64


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode(text: str) -> bytes:
    """The bytes of `text`, padding or not; binascii.Error (a ValueError) when it is not base64."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
