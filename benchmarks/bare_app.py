"""The baselines: a bare Starlette app answering every benchmarked path with a fixed JSON body (what jobsim is
compared against), and a raw ASGI app doing the same without any framework (the ceiling of this uvicorn)."""

from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BODY = {"run_id": 5001, "state": {"life_cycle_state": "RUNNING", "state_message": "In run"}}
GETS = (
    "/api/2.2/jobs/runs/get",
    "/api/2.2/jobs/runs/list",
    "/api/2.2/jobs/list",
    "/api/jobs/jobs/{id}",
    "/v2/jobs/{id}",
    "/rest/dq/1.0/jobRuns/{run_id}",
    "/rest/2.0/jobs/{job_id}",
    "/_sim/health",
    "/api/v2/accounts/{account_id}/runs/{run_id}/",
    "/api/v2/dags/{dag_id}/dagRuns/{run_id}",
)
POSTS = ("/api/2.2/jobs/run-now",)


async def fixed(request: Request) -> JSONResponse:
    return JSONResponse(BODY)


app = Starlette(
    routes=[
        *(Route(path, fixed) for path in GETS),
        *(Route(path, fixed, methods=["POST"]) for path in POSTS),
    ]
)

_PAYLOAD = orjson.dumps(BODY)
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(_PAYLOAD)).encode())],
}
_BODY = {"type": "http.response.body", "body": _PAYLOAD}


async def raw(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Any path, the fixed body; reads a request body first like a real handler would."""
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        while (await receive()).get("more_body"):
            pass
    await send(_START)
    await send(_BODY)
