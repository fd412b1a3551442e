"""DQOps (Spring Boot) error bodies: SpringErrorPayload {timestamp, status, error, exception, message, path}."""

from __future__ import annotations

import time

from simulator.contract.operation import Operation
from simulator.exchange import ApiError, Reply

# Spring's HttpStatus reason phrases.
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# The exception Spring names for each contract-layer reason.
_EXCEPTIONS = {
    "invalid_parameter": "org.springframework.web.method.annotation.MethodArgumentTypeMismatchException",
    "missing_parameter": "org.springframework.web.bind.MissingServletRequestParameterException",
    "malformed_json": "org.springframework.http.converter.HttpMessageNotReadableException",
    "malformed_request": "org.springframework.http.converter.HttpMessageNotReadableException",
    "unsupported_media_type": "org.springframework.web.HttpMediaTypeNotSupportedException",
    "not_found": "org.springframework.web.servlet.resource.NoResourceFoundException",
    "method_not_allowed": "org.springframework.web.HttpRequestMethodNotSupportedException",
    "too_large": "org.springframework.web.multipart.MaxUploadSizeExceededException",
    "unauthorized": "org.springframework.security.authentication.BadCredentialsException",
    "internal": "com.dqops.core.jobqueue.exceptions.DqoQueueJobExecutionException",
}
_BODY_FIELD_EXCEPTION = "org.springframework.http.converter.HttpMessageNotReadableException"


def render_error(error: ApiError, operation: Operation | None) -> Reply:
    exception = _EXCEPTIONS.get(error.kind or "")
    if " field" in error.message.split(":", 1)[0]:
        exception = _BODY_FIELD_EXCEPTION  # a body field of the wrong type or value: Jackson could not read the body
    body: dict[str, object] = {
        "timestamp": int((error.at if error.at is not None else time.time()) * 1000),
        "status": error.status,
        "error": _REASONS.get(error.status, "Error"),
    }
    if exception:
        body["exception"] = exception
    body["message"] = error.message
    body["path"] = error.path or (operation.path if operation is not None else "/api/jobs")
    return Reply(error.status, body, error.headers)
