"""Helpers shared by the Collibra tests: error bodies, credentials, bundled scenario text."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DQ = "/rest/dq/1.0"
CORE = "/rest/2.0"
V1 = "/rest/jobs/v1"
DEPRECATED = "@1748736000"  # RFC 9745 Deprecation of the /rest/2.0 jobs operations: 2025-06-01T00:00:00Z
STANDARD_KEYS = {"statusCode", "errorCode", "titleMessage", "userMessage"}
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}


def scenario(ref: str) -> str:
    """The text of a bundled scenario, e.g. `collibra-dq/run-failure`."""
    return (SCENARIOS / f"{ref}.yaml").read_text(encoding="utf-8")


def basic(user: str, password: str = "secret") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(reply: httpx.Response, status: int, code: str, *, extra_keys: frozenset[str] = frozenset()) -> str:
    """Assert a StandardErrorResponse with this status and errorCode; return its userMessage."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert STANDARD_KEYS <= set(body) <= STANDARD_KEYS | extra_keys, body
    assert body["statusCode"] == status
    assert body["errorCode"] == code
    assert body["titleMessage"] == TITLES[status]
    assert body["userMessage"]
    return str(body["userMessage"])
