"""CDQ error bodies: `{status, error, message, path, timestamp}` (the Spring default error body)."""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

from simulator.contract.operation import Operation
from simulator.vendors.base import ApiError, Call, Reply
from simulator.vendors.cdq.render import iso


class CdqError(ApiError):
    """An error a handler raises: it knows the session's time (the server adds the request path)."""

    def __init__(self, call: Call, status: int, message: str, *, field: str | None = None, kind: str | None = None):
        super().__init__(status, message, field=field, kind=kind)
        self.at = call.now


def bad_request(call: Call, message: str, field: str) -> CdqError:
    return CdqError(call, 400, message, field=field, kind="invalid_parameter")


def not_found(call: Call, job_id: str) -> CdqError:
    return CdqError(call, 404, f"Job with jobId '{job_id}' not found.", field="jobId", kind="not_found")


def render_error(error: ApiError, operation: Operation | None) -> Reply:
    try:
        phrase = HTTPStatus(error.status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {"status": error.status, "error": phrase, "message": error.message}
    if error.path:
        body["path"] = error.path
    body["timestamp"] = iso(error.at if error.at is not None else time.time())
    return Reply(error.status, body, error.headers)
