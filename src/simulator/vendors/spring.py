"""Spring Boot's error body, for the vendors whose servers are Spring applications (CDQ, DQOps), and the reason
phrases Spring names statuses with (Collibra's servers use them too)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from simulator.exchange import ApiError, Reply

# Spring's HttpStatus names, where they differ from http.HTTPStatus.
SPRING_PHRASES: Mapping[int, str] = {413: "Payload Too Large"}


def reason_phrase(status: int, names: Mapping[int, str] | None = None) -> str:
    """The reason phrase of a status: `names` first, then http.HTTPStatus; "Error" for a status it does not know."""
    if names and status in names:
        return names[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def spring_error(
    error: ApiError,
    timestamp: Any,
    *,
    path: str | None,
    exception: str | None = None,
    names: Mapping[int, str] | None = None,
) -> Reply:
    """The body Spring Boot's DefaultErrorAttributes render: timestamp, status, error (the reason phrase),
    exception (when the server includes it), message and path (left out when unknown)."""
    body: dict[str, Any] = {"timestamp": timestamp, "status": error.status, "error": reason_phrase(error.status, names)}
    if exception:
        body["exception"] = exception
    body["message"] = error.message
    if path:
        body["path"] = path
    return Reply(error.status, body, error.headers)
