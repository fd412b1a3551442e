"""Databricks error bodies: `{"error_code": ..., "message": ...}` with the status codes the docs list."""

from __future__ import annotations

from simulator.exchange import ApiError, Reply

_CODES = {
    "invalid_parameter": "INVALID_PARAMETER_VALUE",
    "missing_parameter": "INVALID_PARAMETER_VALUE",
    "malformed_json": "MALFORMED_REQUEST",
    "malformed_request": "MALFORMED_REQUEST",
    "unsupported_media_type": "MALFORMED_REQUEST",
    "not_found": "ENDPOINT_NOT_FOUND",
    "method_not_allowed": "METHOD_NOT_ALLOWED",
    "too_large": "REQUEST_TOO_LARGE",
    "unauthorized": "UNAUTHORIZED",
    "forbidden": "PERMISSION_DENIED",
    "rate_limited": "REQUEST_LIMIT_EXCEEDED",
    "unavailable": "TEMPORARILY_UNAVAILABLE",
    "internal": "INTERNAL_SERVER_ERROR",
}


def render_error(error: ApiError) -> Reply:
    code = error.code or _CODES.get(error.kind or "", "INTERNAL_SERVER_ERROR")
    return Reply(error.status, {"error_code": code, "message": error.message}, error.headers)
