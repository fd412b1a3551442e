"""Each API's error body, checked by its keys: returns the message so a test can look for the field it names."""

from __future__ import annotations

from collections.abc import Callable

import httpx


def databricks(reply: httpx.Response) -> str:
    body = reply.json()
    assert set(body) == {"error_code", "message"}, body
    assert isinstance(body["error_code"], str) and body["error_code"].isupper(), body
    return str(body["message"])


def collibra(reply: httpx.Response) -> str:
    """StandardErrorResponse: the Data Quality API, the Core /rest/2.0 API and Jobs API v1 (which may add help)."""
    body = reply.json()
    required = {"statusCode", "errorCode", "titleMessage", "userMessage"}
    assert required <= set(body) <= required | {"helpMessage"}, body
    assert body["statusCode"] == reply.status_code
    return str(body["userMessage"])


def dqops(reply: httpx.Response) -> str:
    """Spring Boot's SpringErrorPayload."""
    body = reply.json()
    assert set(body) == {"timestamp", "status", "error", "exception", "message", "path"}, body
    assert body["status"] == reply.status_code and body["path"].startswith("/api/jobs")
    assert body["exception"].startswith("org.springframework."), body
    return str(body["message"])


def cdq(reply: httpx.Response) -> str:
    body = reply.json()
    required = {"status", "error", "message", "timestamp"}
    assert required <= set(body) <= required | {"path"}, body
    assert body["status"] == reply.status_code
    return str(body["message"])


def jobsim(reply: httpx.Response) -> str:
    """The control API's own shape (a scenario error adds where it is)."""
    body = reply.json()
    assert {"error", "message"} <= set(body) <= {"error", "message", "source", "line"}, body
    return str(body["message"])


def airflow(reply: httpx.Response) -> str:
    """FastAPI's: `detail` is a sentence, or (422) a list of problems with loc, msg and type."""
    body = reply.json()
    assert set(body) == {"detail"}, body
    detail = body["detail"]
    if isinstance(detail, str):
        return detail
    assert reply.status_code == 422 and all({"loc", "msg", "type"} <= set(item) for item in detail), body
    return " ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in detail)


def dbt_cloud(reply: httpx.Response) -> str:
    """dbt Cloud's envelope with `data` null and the status block."""
    body = reply.json()
    assert set(body) == {"status", "data"} and body["data"] is None, body
    status = body["status"]
    assert status["code"] == reply.status_code and status["is_success"] is False, body
    return str(status["user_message"])


SHAPES: dict[str, Callable[[httpx.Response], str]] = {
    "airflow": airflow,
    "dbt-cloud": dbt_cloud,
    "databricks": databricks,
    "collibra-dq": collibra,
    "collibra-dgc": collibra,
    "dqops": dqops,
    "cdq": cdq,
    "jobsim": jobsim,
}


def refused(reply: httpx.Response, api: str, status: int = 400) -> str:
    """Assert a refusal with this status in the API's JSON error shape, and a small body whatever the input."""
    assert reply.status_code == status, f"{api}: {reply.status_code} {reply.text[:300]}"
    assert reply.headers["content-type"] == "application/json"
    assert len(reply.content) < 4096, f"{api}: the error body echoes the input ({len(reply.content)} bytes)"
    return SHAPES[api](reply)
