"""Shared helpers for the CDQ tests: the error shape, creating and reading jobs over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

JOBS = "/v2/jobs"
ERROR_KEYS = {"status", "error", "message", "path", "timestamp"}


def error_of(reply: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """Assert the CDQ error shape with this status, and that the message names each of `words`."""
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert {"status", "error", "message", "timestamp"} <= set(body) <= ERROR_KEYS, body
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    for word in words:
        assert word in body["message"], body["message"]
    return body


def create(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"type": "DATA_CURATION_JOB", **fields}
    reply = client.post(JOBS, json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def get(client: httpx.Client, job_id: str) -> dict[str, Any]:
    reply = client.get(f"{JOBS}/{job_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
