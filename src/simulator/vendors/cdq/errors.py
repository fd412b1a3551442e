"""CDQ error bodies: `{status, error, message, path, timestamp}` (the Spring default error body)."""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

from simulator.contract.operation import Operation
from simulator.exchange import ApiError, Reply
from simulator.vendors.cdq.render import iso


def bad_request(message: str, field: str) -> ApiError:
    return ApiError(400, message, field=field, kind="invalid_parameter")


def not_found(job_id: str) -> ApiError:
    return ApiError(404, f"Job with jobId '{job_id}' not found.", field="jobId", kind="not_found")


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
