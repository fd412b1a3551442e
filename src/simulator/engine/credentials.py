"""HTTP credentials read the way every API here reads them, and the `users` list scenarios declare for them.

Pure reading: what cannot be read is `None`, and each API answers it in its own 401.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from simulator.engine import b64url


def read_basic(credentials: str) -> tuple[str, str] | None:
    """`user:password` of HTTP Basic credentials (the part after `Basic `); None when they are not base64 of that."""
    try:
        text = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    name, colon, password = text.partition(":")
    if not colon or not name:
        return None
    return name, password


def jwt_subject(token: str) -> str | None:
    """The `sub` claim of a JWT (unverified: the simulator trusts its callers' tokens); None for any other token."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = orjson.loads(b64url.decode(parts[1]))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and subject else None


def users_schema(**extra_properties: Any) -> dict[str, Any]:
    """The `users` list of a scenario's data section, with the API's own extra user properties."""
    return {
        "type": "array",
        "description": "Users the API knows. With at least one user, every request must carry their credentials.",
        "items": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "anyOf": [{"required": ["password"]}, {"required": ["token"]}],
            "properties": {
                "name": {"type": "string", "minLength": 1, "pattern": "^[^:]+$"},
                "id": {"type": "string", "format": "uuid", "description": "Default: a UUIDv5 of the name."},
                "password": {"type": "string", "description": "Password for HTTP Basic."},
                "token": {"type": "string", "minLength": 1, "description": "Bearer token (a JWT or any string)."},
                **extra_properties,
            },
        },
    }
