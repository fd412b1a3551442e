"""The baseline: a bare Starlette app that answers a fixed JSON body (what jobsim is compared against)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BODY = {"run_id": 5001, "state": {"life_cycle_state": "RUNNING", "state_message": "In run"}}


async def fixed(request: Request) -> JSONResponse:
    return JSONResponse(BODY)


app = Starlette(
    routes=[Route("/api/2.2/jobs/runs/get", fixed), Route("/api/2.2/jobs/run-now", fixed, methods=["POST"])]
)
