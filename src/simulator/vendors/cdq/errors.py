"""CDQ error bodies: `{status, error, message, path, timestamp}` (the Spring default error body)."""

from __future__ import annotations

import time

from simulator.contract.operation import Operation
from simulator.exchange import ApiError, ErrorKind, Reply
from simulator.vendors.cdq.render import iso
from simulator.vendors.spring import spring_error


def bad_request(message: str, field: str) -> ApiError:
    return ApiError(400, message, field=field, kind=ErrorKind.INVALID_PARAMETER)


def not_found(job_id: str) -> ApiError:
    return ApiError(404, f"Job with jobId '{job_id}' not found.", field="jobId", kind=ErrorKind.NOT_FOUND)


def render_error(error: ApiError, operation: Operation | None) -> Reply:
    return spring_error(error, iso(error.at if error.at is not None else time.time()), path=error.path)
