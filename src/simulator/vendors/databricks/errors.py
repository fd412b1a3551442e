"""Databricks error bodies: `{"error_code": ..., "message": ...}` with the status codes the docs list."""

from __future__ import annotations

from simulator.exchange import ApiError, ErrorKind, Reply

_CODES: dict[ErrorKind | None, str] = {
    ErrorKind.INVALID_PARAMETER: "INVALID_PARAMETER_VALUE",
    ErrorKind.MISSING_PARAMETER: "INVALID_PARAMETER_VALUE",
    ErrorKind.MALFORMED_JSON: "MALFORMED_REQUEST",
    ErrorKind.MALFORMED_REQUEST: "MALFORMED_REQUEST",
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: "MALFORMED_REQUEST",
    ErrorKind.NOT_FOUND: "ENDPOINT_NOT_FOUND",
    ErrorKind.METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
    ErrorKind.TOO_LARGE: "REQUEST_TOO_LARGE",
    ErrorKind.UNAUTHORIZED: "UNAUTHORIZED",
    ErrorKind.FORBIDDEN: "PERMISSION_DENIED",
    ErrorKind.RATE_LIMITED: "REQUEST_LIMIT_EXCEEDED",
    ErrorKind.UNAVAILABLE: "TEMPORARILY_UNAVAILABLE",
    ErrorKind.INTERNAL: "INTERNAL_SERVER_ERROR",
}


def render_error(error: ApiError) -> Reply:
    code = error.code or _CODES.get(error.kind, "INTERNAL_SERVER_ERROR")
    return Reply(error.status, {"error_code": code, "message": error.message}, error.headers)
