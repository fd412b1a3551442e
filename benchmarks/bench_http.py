"""Requests per second and p99 latency of jobsim vs a bare Starlette app, measured in the same run.

    python benchmarks/bench_http.py [--seconds 5] [--connections 8]

Both servers run under the same uvicorn settings in their own process. The load comes from wrk when it is
installed (apt-get install wrk), else from a small multi-process Python client (which then limits the figures:
the ratio is what to read). Prints one line per endpoint and the ratio jobsim/bare.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"server did not start: {' '.join(command)}")


def http(port: int, method: str, path: str, body: dict | None = None) -> dict:
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read() or b"{}")


def wrk(port: int, method: str, path: str, body: str | None, seconds: int, connections: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\nwrk.headers["Content-Type"] = "application/json"\n')
        if body:
            script.write(f"wrk.body = {json.dumps(body)}\n")
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rate, float(p99.group(1)) * scale


def _client(args: tuple[int, bytes, float]) -> list[float]:
    port, request, seconds = args
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    buffer = b""
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        sock.sendall(request)
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end >= 0:
                length = int(re.search(rb"content-length: (\d+)", buffer[:head_end].lower()).group(1))
                total = head_end + 4 + length
                if len(buffer) >= total:
                    buffer = buffer[total:]
                    break
            buffer += sock.recv(65536)
        latencies.append((time.perf_counter() - started) * 1000)
    sock.close()
    return latencies


def python_load(
    port: int, method: str, path: str, body: str | None, seconds: int, connections: int
) -> tuple[float, float]:
    payload = (body or "").encode()
    request = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    with multiprocessing.Pool(connections) as pool:
        results = pool.map(_client, [(port, request, seconds)] * connections)
    latencies = sorted(x for r in results for x in r)
    return len(latencies) / seconds, latencies[int(len(latencies) * 0.99)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--extra", nargs="*", default=[], help="extra `jobsim serve` flags")
    args = parser.parse_args()
    load = wrk if shutil.which("wrk") else python_load
    jobsim_port, bare_port = free_port(), free_port()
    uvicorn_flags = ["--log-level", "warning", "--no-access-log"]
    servers = [
        start(
            [
                sys.executable,
                "-m",
                "simulator",
                "serve",
                "--port",
                str(jobsim_port),
                "--seed",
                "1",
                "--no-defaults",
                *args.extra,
            ],
            jobsim_port,
        ),
        start(
            [sys.executable, "-m", "uvicorn", "benchmarks.bare_app:app", "--port", str(bare_port), *uvicorn_flags],
            bare_port,
        ),
    ]
    try:
        job_id = http(
            jobsim_port,
            "POST",
            "/api/2.2/jobs/create",
            {
                "name": "bench",
                "max_concurrent_runs": 1000,
                "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/b"}}],
            },
        )["job_id"]
        run_id = http(jobsim_port, "POST", "/api/2.2/jobs/run-now", {"job_id": job_id})["run_id"]
        cases = [
            ("runs/get", "GET", f"/api/2.2/jobs/runs/get?run_id={run_id}", None),
            # runs/submit: a one-time run, no job limit to settle (the plain cost of creating a run)
            (
                "runs/submit",
                "POST",
                "/api/2.2/jobs/runs/submit",
                json.dumps({"run_name": "b", "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/b"}}]}),
            ),
            # run-now floods one job past max_concurrent_runs (1000): every request settles its queue
            ("run-now", "POST", "/api/2.2/jobs/run-now", json.dumps({"job_id": job_id})),
        ]
        print(
            f"load generator: {'wrk' if load is wrk else 'python (install wrk for better figures)'}; "
            f"{args.connections} connections, {args.seconds} s per case"
        )
        for name, method, path, body in cases:
            bare_path = path.split("?")[0]
            bare_rate, bare_p99 = load(bare_port, method, bare_path, body, args.seconds, args.connections)
            sim_rate, sim_p99 = load(jobsim_port, method, path, body, args.seconds, args.connections)
            print(
                f"{name:9} jobsim {sim_rate:9.0f} req/s p99 {sim_p99:6.2f} ms | bare {bare_rate:9.0f} req/s "
                f"p99 {bare_p99:6.2f} ms | ratio {sim_rate / bare_rate:.2f}x"
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
