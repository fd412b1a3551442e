"""jobsim's own cost per request, without a server or a network: the ASGI app called in-process.

    python benchmarks/bench_inprocess.py [--requests 3000] [--rounds 5]

Builds `create_app(seed=1)` (all APIs, default scenarios, response validation on), the bare Starlette app and the
raw ASGI app of `benchmarks/bare_app.py`, and calls each with the same ASGI messages `--requests` times per round.
Prints the CPU time per request (the best round: process time, so other work on a shared machine barely moves it)
and Starlette's over jobsim's. What uvicorn and the socket cost comes on top for every server alike; read
`bench_http.py` for the figures over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks.bare_app import app as bare_app  # noqa: E402
from benchmarks.bare_app import raw as raw_app  # noqa: E402
from benchmarks.bench_http import DQ_SCENARIO, LONG_RUNS, TASK  # noqa: E402

from simulator import create_app  # noqa: E402

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def scope_for(method: str, path: str, query: bytes, body: bytes, content_type: bytes) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench")]
    if body:
        headers += [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }


async def call(
    app: App, method: str, path: str, body: object = None, content_type: bytes = b"application/json", parse: bool = True
) -> tuple[int, Any]:
    path, _, query = path.partition("?")
    payload = body.encode() if isinstance(body, str) else json.dumps(body).encode() if body is not None else b""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope_for(method, path, query.encode(), payload, content_type), receive, send)
    if not parse:  # measuring: the reply is not the server's work to read
        return sent[0]["status"], None
    body_bytes = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body_bytes) if body_bytes else None


async def prepare(app: App) -> list[tuple[str, str, str, str | None]]:
    async def ok(method: str, path: str, body: object = None, content_type: bytes = b"application/json") -> Any:
        status, answer = await call(app, method, path, body, content_type)
        assert status < 300, (method, path, status, answer)
        return answer

    await ok("POST", "/_sim/scenarios", LONG_RUNS, b"application/yaml")
    await ok("POST", "/_sim/scenarios", DQ_SCENARIO, b"application/yaml")
    tasks = [{"task_key": "ingest", **TASK}, {"task_key": "transform", "depends_on": [{"task_key": "ingest"}], **TASK}]
    realistic = (await ok("POST", "/api/2.2/jobs/create", {"name": "etl", "max_concurrent_runs": 5, "tasks": tasks}))[
        "job_id"
    ]
    crowded = (
        await ok(
            "POST",
            "/api/2.2/jobs/create",
            {"name": "bench-1000", "max_concurrent_runs": 1000, "tasks": [{"task_key": "t", **TASK}]},
        )
    )["job_id"]
    for _ in range(1000):
        await ok("POST", "/api/2.2/jobs/run-now", {"job_id": crowded})
    run_id = (await ok("POST", "/api/2.2/jobs/run-now", {"job_id": realistic}))["run_id"]
    dqops_job = (await ok("POST", "/api/jobs/runchecks?wait=false", {}))["jobId"]["jobId"]
    cdq_job = (await ok("POST", "/v2/jobs", {"type": "DATA_CURATION_JOB", "name": "bench"}))["id"]
    await ok("POST", "/rest/dq/1.0/jobs/bench_job/run", {})
    dq_run = (await ok("GET", "/rest/dq/1.0/jobRuns?limit=1"))["results"][0]["jobRunId"]
    await asyncio.sleep(2.5)  # the 2-task run ends (default plan: 0.9 s a task): runs/get reads a finished run
    return [
        ("databricks runs/get", "GET", f"/api/2.2/jobs/runs/get?run_id={run_id}", None),
        ("databricks runs/list", "GET", "/api/2.2/jobs/runs/list?limit=25", None),
        ("databricks jobs/list", "GET", "/api/2.2/jobs/list", None),
        ("dqops GET jobs/{id}", "GET", f"/api/jobs/jobs/{dqops_job}", None),
        ("cdq GET /v2/jobs/{id}", "GET", f"/v2/jobs/{cdq_job}", None),
        ("collibra-dq GET jobRuns/{id}", "GET", f"/rest/dq/1.0/jobRuns/{dq_run}", None),
        ("run-now, 2-task job", "POST", "/api/2.2/jobs/run-now", json.dumps({"job_id": realistic})),
        ("run-now, 1,000 active", "POST", "/api/2.2/jobs/run-now", json.dumps({"job_id": crowded})),
    ]


async def cost(app: App, method: str, path: str, body: str | None, requests: int, rounds: int) -> float:
    """CPU microseconds per request, the best of `rounds` rounds."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            await call(app, method, path, body, parse=False)
        best = min(best, (time.process_time() - started) / requests * 1e6)
    return best


async def main(requests: int, rounds: int) -> None:
    app = create_app(seed=1)
    cases = await prepare(app)
    print(f"{'case':30} {'jobsim us':>9} {'bare us':>8} {'raw us':>7} | bare/jobsim")
    for name, method, path, body in cases:
        status, _ = await call(app, method, path, body)
        assert status == 200, (name, status)
        sim = await cost(app, method, path, body, requests, rounds)
        bare_path = path.partition("?")[0]
        bare = await cost(bare_app, method, bare_path, body, requests, rounds)
        raw = await cost(raw_app, method, bare_path, body, requests, rounds)
        print(f"{name:30} {sim:9.1f} {bare:8.1f} {raw:7.1f} | {bare / sim:5.2f}x", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.rounds))
