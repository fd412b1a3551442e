"""DQOps (Spring Boot) error bodies: SpringErrorPayload {timestamp, status, error, exception, message, path}."""

from __future__ import annotations

import time

from simulator.contract.operation import Operation
from simulator.exchange import ApiError, ErrorKind, Reply
from simulator.vendors.spring import SPRING_PHRASES, spring_error

# The exception Spring names for each contract-layer reason.
_EXCEPTIONS: dict[ErrorKind | None, str] = {
    ErrorKind.INVALID_PARAMETER: "org.springframework.web.method.annotation.MethodArgumentTypeMismatchException",
    ErrorKind.MISSING_PARAMETER: "org.springframework.web.bind.MissingServletRequestParameterException",
    ErrorKind.MALFORMED_JSON: "org.springframework.http.converter.HttpMessageNotReadableException",
    ErrorKind.MALFORMED_REQUEST: "org.springframework.http.converter.HttpMessageNotReadableException",
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: "org.springframework.web.HttpMediaTypeNotSupportedException",
    ErrorKind.NOT_FOUND: "org.springframework.web.servlet.resource.NoResourceFoundException",
    ErrorKind.METHOD_NOT_ALLOWED: "org.springframework.web.HttpRequestMethodNotSupportedException",
    ErrorKind.TOO_LARGE: "org.springframework.web.multipart.MaxUploadSizeExceededException",
    ErrorKind.UNAUTHORIZED: "org.springframework.security.authentication.BadCredentialsException",
    ErrorKind.INTERNAL: "com.dqops.core.jobqueue.exceptions.DqoQueueJobExecutionException",
}
_BODY_FIELD_EXCEPTION = "org.springframework.http.converter.HttpMessageNotReadableException"


def render_error(error: ApiError, operation: Operation | None) -> Reply:
    exception = _EXCEPTIONS.get(error.kind)
    if " field" in error.message.split(":", 1)[0]:
        exception = _BODY_FIELD_EXCEPTION  # a body field of the wrong type or value: Jackson could not read the body
    return spring_error(
        error,
        int((error.at if error.at is not None else time.time()) * 1000),
        path=error.path or (operation.path if operation is not None else "/api/jobs"),
        exception=exception,
        names=SPRING_PHRASES,
    )
