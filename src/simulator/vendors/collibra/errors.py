"""Collibra's StandardErrorResponse, shared by /rest/dq/1.0, /rest/2.0 and /rest/jobs/v1 (see docs/decisions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.exchange import ApiError, ErrorKind, Reply
from simulator.vendors.spring import SPRING_PHRASES, reason_phrase

# Vendor-neutral kinds (contract layer and handlers) -> Collibra errorCode.
CODES: dict[ErrorKind | None, str] = {
    ErrorKind.INVALID_PARAMETER: "invalidRequest",
    ErrorKind.MISSING_PARAMETER: "invalidRequest",
    ErrorKind.MALFORMED_JSON: "invalidRequest",
    ErrorKind.MALFORMED_REQUEST: "invalidRequest",
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: "invalidRequest",
    ErrorKind.NOT_FOUND: "notFound",
    ErrorKind.METHOD_NOT_ALLOWED: "methodNotAllowed",
    ErrorKind.TOO_LARGE: "payloadTooLarge",
    ErrorKind.UNAUTHORIZED: "unauthorized",
    ErrorKind.FORBIDDEN: "forbidden",
    ErrorKind.RATE_LIMITED: "tooManyRequests",
    ErrorKind.UNAVAILABLE: "serviceUnavailable",
    ErrorKind.INTERNAL: "internalServerError",
}


class CollibraError(ApiError):
    """An ApiError that may carry Collibra's optional `helpMessage` (sent by the Core and v1 APIs only)."""

    def __init__(self, status: int, message: str, *, code: str, help_message: str | None = None, **kw: Any) -> None:
        super().__init__(status, message, code=code, **kw)
        self.help_message = help_message


def invalid(message: str, field: str | None = None) -> CollibraError:
    return CollibraError(400, message, code="invalidRequest", field=field)


def unauthorized(message: str) -> CollibraError:
    return CollibraError(
        401, message, code="unauthorized", help_message="Send HTTP Basic credentials or a bearer token."
    )


def forbidden(message: str) -> CollibraError:
    return CollibraError(403, message, code="forbidden")


def not_found(message: str, code: str) -> CollibraError:
    return CollibraError(404, message, code=code)


def error_body(error: ApiError, *, with_help: bool) -> dict[str, Any]:
    status = error.status
    title = reason_phrase(status, SPRING_PHRASES)
    body: dict[str, Any] = {
        "statusCode": status,
        "errorCode": error.code or CODES.get(error.kind, "internalServerError"),
        "titleMessage": title,
        "userMessage": error.message,
    }
    help_message = getattr(error, "help_message", None)
    if with_help and help_message:
        body["helpMessage"] = help_message
    return body


def challenge(realm: str) -> str:
    """The `WWW-Authenticate` of a Collibra 401: it takes Basic and Bearer (a 401 that says otherwise keeps its own)."""
    return f'Basic realm="{realm}", Bearer realm="{realm}"'


def render(
    error: ApiError,
    *,
    with_help: bool,
    realm: str,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    merged = {**(error.headers or {}), **(headers or {})}
    if error.status == 401:
        merged.setdefault("WWW-Authenticate", challenge(realm))
    return Reply(error.status, error_body(error, with_help=with_help), merged or None)
