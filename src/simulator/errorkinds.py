"""Why a request failed, in vendor-neutral words: one enum for the contract layer, the dispatcher, the fault layer,
the control API and every vendor. Each vendor maps a kind to its own error code or exception name when it renders
the error; a handler that knows the vendor's own code passes it as `ApiError(code=...)` instead."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID_PARAMETER = "invalid_parameter"
    MISSING_PARAMETER = "missing_parameter"
    MALFORMED_JSON = "malformed_json"
    MALFORMED_REQUEST = "malformed_request"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    TOO_LARGE = "too_large"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"
    # the control API's own
    INVALID_SCENARIO = "invalid_scenario"
    INVALID_SNAPSHOT = "invalid_snapshot"
    TOO_MANY_SESSIONS = "too_many_sessions"

    @property
    def is_request_problem(self) -> bool:
        """The request broke its API document (counted as a validation failure in the metrics)."""
        return self in _REQUEST_PROBLEMS

    @classmethod
    def for_status(cls, status: int) -> ErrorKind:
        """The kind an error of this status stands for when nothing more is known (an injected fault)."""
        return _BY_STATUS.get(status, cls.INTERNAL)


_REQUEST_PROBLEMS = frozenset(
    {
        ErrorKind.INVALID_PARAMETER,
        ErrorKind.MISSING_PARAMETER,
        ErrorKind.MALFORMED_JSON,
        ErrorKind.MALFORMED_REQUEST,
        ErrorKind.UNSUPPORTED_MEDIA_TYPE,
        ErrorKind.TOO_LARGE,
    }
)
_BY_STATUS = {
    400: ErrorKind.INVALID_PARAMETER,
    401: ErrorKind.UNAUTHORIZED,
    403: ErrorKind.FORBIDDEN,
    404: ErrorKind.NOT_FOUND,
    405: ErrorKind.METHOD_NOT_ALLOWED,
    413: ErrorKind.TOO_LARGE,
    429: ErrorKind.RATE_LIMITED,
    503: ErrorKind.UNAVAILABLE,
}
