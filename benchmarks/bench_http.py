"""jobsim against a bare Starlette app and a raw ASGI app, measured side by side in one run.

    python benchmarks/bench_http.py [--seconds 5] [--connections 32] [--no-pin] [--only runs/get ...]

Three servers, each in its own process under uvicorn (pinned to the last core with taskset when there are at
least two; the load generator gets the others): `jobsim serve` with its defaults (all APIs, default scenarios,
response validation on), `benchmarks/bare_app.py:app` (Starlette answering the same paths with a fixed body) and
`benchmarks/bare_app.py:raw` (plain ASGI, the same body: the ceiling of this Python and uvicorn). The load comes
from wrk (apt-get install wrk; 2 threads), else from a small multi-process Python client (then the ratios, not the
figures, are what to read). For every endpoint it prints requests/s and p50/p99 latency of each server, and
jobsim's figures as ratios to bare Starlette's; then each server's CPU time per request and bare's over jobsim's
(the throughput ratio the servers would reach on an otherwise idle core: the steadier figure on a busy machine).
Then the start-up: seconds from launching `jobsim serve` to its
first answered request (cold: an empty compiled-document cache; warm: the usual case, started in turn with uvicorn
and the bare app, the median of each compared), and `create_app()` in a fresh interpreter against importing and
building the bare app.

The machine is often shared: compare ratios within one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK = {"notebook_task": {"notebook_path": "/bench"}, "existing_cluster_id": "c-1"}
# A plan that keeps the flooded job's runs RUNNING for an hour: its 1,000 slots stay taken and every further
# run-now queues behind them (the case where settling the job used to walk every active run).
LONG_RUNS = """
jobsim: 1
name: bench-long
api: databricks
plans:
  - name: long
    match: {name: bench-1000}
    steps:
      - {state: PENDING, for: 0.1s}
      - {state: RUNNING, for: 1h}
      - {state: TERMINATED, result: SUCCESS}
"""
DQ_SCENARIO = """
jobsim: 1
name: bench-dq
api: collibra-dq
data:
  jobs:
    - {name: bench_job, type: PUSHDOWN}
"""

Load = Callable[..., "tuple[float, float, float]"]
# Declared APIs ask for credentials (any token); the coded ones take any or none.
AUTH = {"Authorization": "Bearer bench"}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far: steadier than req/s when other work shares the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(command: list[str], cores: str | None) -> list[str]:
    return ["taskset", "-c", cores, *command] if cores and shutil.which("taskset") else command


def answered(port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", path)
        ok = connection.getresponse().status < 500
        connection.close()
        return ok
    except OSError:
        return False


def start(
    command: list[str], port: int, probe: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], float]:
    """Launch a server; return it and the seconds until it answered `probe`."""
    began = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if answered(port, probe):
            return process, time.perf_counter() - began
        if process.poll() is not None:
            break
        time.sleep(0.005)
    process.kill()
    raise RuntimeError(f"server did not start: {' '.join(command)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Client:
    """One keep-alive connection for setting up the benchmark's state."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def __call__(
        self,
        method: str,
        path: str,
        body: object = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> dict:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode() if body is not None else None
        self.connection.request(method, path, body=data, headers={"Content-Type": content_type, **(headers or {})})
        reply = self.connection.getresponse()
        payload = reply.read()
        if reply.status >= 300:
            raise RuntimeError(f"{method} {path}: {reply.status} {payload[:300]!r}")
        return json.loads(payload or b"{}")


def wrk(
    port: int,
    method: str,
    path: str,
    body: str | None,
    seconds: int,
    connections: int,
    cores: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[float, float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\nwrk.headers["Content-Type"] = "application/json"\n')
        for name, value in (headers or {}).items():
            script.write(f'wrk.headers["{name}"] = "{value}"\n')
        if body:
            script.write(f"wrk.body = {json.dumps(body)}\n")
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name]
    output = subprocess.run(
        pinned([*command, f"http://127.0.0.1:{port}{path}"], cores), capture_output=True, text=True, check=True
    ).stdout
    os.unlink(script.name)
    if "Non-2xx" in output:
        raise RuntimeError(f"{method} {path} answered errors under load:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def percentile(label: str) -> float:
        found = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", output)
        assert found, output
        return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]

    return rate, percentile("50"), percentile("99")


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
                length = int(re.search(rb"content-length: (\d+)", buffer[:head_end].lower()).group(1))  # type: ignore[union-attr]
                total = head_end + 4 + length
                if len(buffer) >= total:
                    buffer = buffer[total:]
                    break
            buffer += sock.recv(65536)
        latencies.append((time.perf_counter() - started) * 1000)
    sock.close()
    return latencies


def python_load(
    port: int,
    method: str,
    path: str,
    body: str | None,
    seconds: int,
    connections: int,
    cores: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[float, float, float]:
    payload = (body or "").encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    request = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{extra}"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    with multiprocessing.Pool(min(connections, 8)) as pool:
        results = pool.map(_client, [(port, request, seconds)] * min(connections, 8))
    latencies = sorted(x for r in results for x in r)
    return len(latencies) / seconds, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]


Case = tuple[str, str, str, "str | None", "dict[str, str] | None"]
# Declared against coded: the same kind of request (read one run by id) on a declared API and a coded one.
DECLARED_VS_CODED = (
    ("dbt-cloud GET runs/{id}/", "cdq GET /v2/jobs/{id}"),
    ("airflow GET dagRuns/{id}", "cdq GET /v2/jobs/{id}"),
)


def prepare(port: int) -> list[Case]:
    """Create what the cases read and flood through the HTTP API; return (name, method, path, body) per case."""
    call = Client(port)
    call("POST", "/_sim/scenarios", LONG_RUNS, "application/yaml")
    call("POST", "/_sim/scenarios", DQ_SCENARIO, "application/yaml")
    realistic = call(
        "POST",
        "/api/2.2/jobs/create",
        {
            "name": "bench-etl",
            "max_concurrent_runs": 5,
            "tasks": [
                {"task_key": "ingest", **TASK},
                {"task_key": "transform", "depends_on": [{"task_key": "ingest"}], **TASK},
            ],
        },
    )["job_id"]
    crowded = call(
        "POST",
        "/api/2.2/jobs/create",
        {"name": "bench-1000", "max_concurrent_runs": 1000, "tasks": [{"task_key": "t", **TASK}]},
    )["job_id"]
    for _ in range(1000):
        call("POST", "/api/2.2/jobs/run-now", {"job_id": crowded})
    run_id = call("POST", "/api/2.2/jobs/run-now", {"job_id": realistic})["run_id"]
    dqops_job = call("POST", "/api/jobs/runchecks?wait=false", {})["jobId"]["jobId"]
    cdq_job = call("POST", "/v2/jobs", {"type": "DATA_CURATION_JOB", "name": "bench"})["id"]
    call("POST", "/rest/dq/1.0/jobs/bench_job/run", {})
    dq_run = call("GET", "/rest/dq/1.0/jobRuns?limit=1")["results"][0]["jobRunId"]
    dbt_run = call("POST", "/api/v2/accounts/1/jobs/70001/run/", {"cause": "bench"}, headers=AUTH)["data"]["id"]
    dag_run = call("POST", "/api/v2/dags/example_etl/dagRuns", {}, headers=AUTH)["dag_run_id"]
    dgc_job = call("GET", "/rest/2.0/jobs?limit=1")["results"][0]["id"]
    return [
        ("databricks runs/get", "GET", f"/api/2.2/jobs/runs/get?run_id={run_id}", None, None),
        ("databricks runs/list", "GET", "/api/2.2/jobs/runs/list?limit=25", None, None),
        ("databricks jobs/list", "GET", "/api/2.2/jobs/list", None, None),
        ("dqops GET jobs/{id}", "GET", f"/api/jobs/jobs/{dqops_job}", None, None),
        ("cdq GET /v2/jobs/{id}", "GET", f"/v2/jobs/{cdq_job}", None, None),
        ("collibra-dq GET jobRuns/{id}", "GET", f"/rest/dq/1.0/jobRuns/{dq_run}", None, None),
        ("collibra-dgc GET jobs/{id}", "GET", f"/rest/2.0/jobs/{dgc_job}", None, None),
        ("run-now, 2-task job", "POST", "/api/2.2/jobs/run-now", json.dumps({"job_id": realistic}), None),
        ("run-now, 1,000 active", "POST", "/api/2.2/jobs/run-now", json.dumps({"job_id": crowded}), None),
        ("dbt-cloud GET runs/{id}/", "GET", f"/api/v2/accounts/1/runs/{dbt_run}/", None, AUTH),
        ("airflow GET dagRuns/{id}", "GET", f"/api/v2/dags/example_etl/dagRuns/{dag_run}", None, AUTH),
    ]


def startup(args: argparse.Namespace, server_cores: str | None) -> None:
    # Start-ups read compiled bytecode, as an installed package does (pip writes it; the bare app's Starlette has
    # it): a PYTHONDONTWRITEBYTECODE environment would otherwise make every start compile jobsim from source.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=False)

    def serve_time(command: list[str], probe: str, env: dict[str, str] | None = None) -> float:
        port = free_port()
        process, seconds = start(pinned([*command, "--port", str(port)], server_cores), port, probe, env)
        stop(process)
        return seconds

    jobsim = [sys.executable, "-m", "simulator", "serve"]
    bare = [sys.executable, "-m", "uvicorn", "benchmarks.bare_app:app", "--log-level", "warning"]
    probe = "/api/2.2/jobs/list"
    with tempfile.TemporaryDirectory() as empty:
        cold = serve_time(jobsim, probe, {"JOBSIM_CACHE_DIR": empty})
    # In pairs, one of each in turn: whatever else the machine does at the time weighs on both alike.
    pairs = [(serve_time(jobsim, probe), serve_time(bare, probe)) for _ in range(args.starts)]
    warm = statistics.median(j for j, _ in pairs)
    bare_start = statistics.median(b for _, b in pairs)
    # The best of each too: other work on the machine only ever adds to a start.
    best, bare_best = min(j for j, _ in pairs), min(b for _, b in pairs)
    print(
        f"start to first answer   jobsim serve {warm:6.3f} s (cold cache {cold:6.3f} s) | bare Starlette "
        f"{bare_start:6.3f} s | ratio {warm / bare_start:.2f}x (best of {len(pairs)}: {best:.3f} s against "
        f"{bare_best:.3f} s, {best / bare_best:.2f}x)"
    )

    def in_process(code: str) -> float:
        script = f"import time\nt = time.perf_counter()\n{code}\nprint(time.perf_counter() - t)"
        out = subprocess.run(
            pinned([sys.executable, "-c", script], server_cores), cwd=ROOT, capture_output=True, text=True, check=True
        )
        return float(out.stdout.strip().splitlines()[-1])

    app = in_process("from simulator import create_app\ncreate_app()")
    bare_app = in_process("import benchmarks.bare_app")
    print(f"create_app() in-process {app:6.3f} s (imports included) | bare Starlette app {bare_app:6.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--starts", type=int, default=3, help="start-ups to take the median of")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the servers and wrk to cores")
    parser.add_argument("--only", nargs="*", default=[], help="run only cases whose name contains one of these")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--extra", nargs="*", default=[], help="extra `jobsim serve` flags")
    args = parser.parse_args()
    load = wrk if shutil.which("wrk") else python_load
    cores = os.cpu_count() or 1
    server_cores = None if args.no_pin or cores < 2 else str(cores - 1)
    load_cores = None if args.no_pin or cores < 2 else f"0-{cores - 2}"
    uvicorn_flags = ["--log-level", "warning", "--no-access-log", "--lifespan", "off"]
    ports = {"jobsim": free_port(), "bare": free_port(), "raw": free_port()}
    commands = {
        "jobsim": [sys.executable, "-m", "simulator", "serve", "--port", str(ports["jobsim"]), "--seed", "1"],
        "bare": [sys.executable, "-m", "uvicorn", "benchmarks.bare_app:app", "--port", str(ports["bare"])],
        "raw": [sys.executable, "-m", "uvicorn", "benchmarks.bare_app:raw", "--port", str(ports["raw"])],
    }
    commands["jobsim"] += args.extra
    commands["bare"] += uvicorn_flags
    commands["raw"] += uvicorn_flags
    servers = [
        start(pinned(command, server_cores), ports[name], "/_sim/health")[0] for name, command in commands.items()
    ]
    try:
        cases = prepare(ports["jobsim"])
        if args.only:
            cases = [case for case in cases if any(word in case[0] for word in args.only)]
        print(
            f"load: {'wrk -t2' if load is wrk else 'python client (install wrk for better figures)'}, "
            f"{args.connections} connections, {args.seconds} s per case; servers pinned to core {server_cores}, "
            f"load to {load_cores}; {os.cpu_count()} cores, {sys.version.split()[0]}"
        )
        print(
            f"{'case':26} {'jobsim req/s':>12} {'p50 ms':>7} {'p99 ms':>7} | {'bare req/s':>10} {'p50':>6} {'p99':>6}"
            f" | {'raw req/s':>9} | {'x bare':>6} {'p99 x':>6} {'x raw':>6} | CPU us/req jobsim bare raw, bare/jobsim"
        )
        pids = {name: server.pid for name, server in zip(commands, servers, strict=True)}

        def measured(
            name: str, method: str, path: str, body: str | None, headers: dict[str, str] | None
        ) -> tuple[float, float, float, float]:
            before = cpu_seconds(pids[name])
            rate, p50, p99 = load(ports[name], method, path, body, args.seconds, args.connections, load_cores, headers)
            cpu_us = (cpu_seconds(pids[name]) - before) / max(rate * args.seconds, 1) * 1e6
            return rate, p50, p99, cpu_us

        rates: dict[str, float] = {}
        for name, method, path, body, headers in cases:
            bare_path = re.sub(r"\?.*", "", path)
            bare = measured("bare", method, bare_path, body, headers)
            sim = measured("jobsim", method, path, body, headers)
            raw = measured("raw", method, bare_path, body, headers)
            rates[name] = bare[3] / sim[3]  # bare's CPU per request over jobsim's: steadier than req/s
            print(
                f"{name:26} {sim[0]:12.0f} {sim[1]:7.2f} {sim[2]:7.2f} | {bare[0]:10.0f} {bare[1]:6.2f} {bare[2]:6.2f}"
                f" | {raw[0]:9.0f} | {sim[0] / bare[0]:5.2f}x {sim[2] / bare[2]:5.2f}x {sim[0] / raw[0]:5.2f}x"
                f" | {sim[3]:5.0f} {bare[3]:5.0f} {raw[3]:5.0f}  {bare[3] / sim[3]:4.2f}x",
                flush=True,
            )
        for declared, coded in DECLARED_VS_CODED:
            if declared in rates and coded in rates:
                print(
                    f"declared vs coded (CPU per request): {declared} {rates[declared]:.2f}x bare, {coded} "
                    f"{rates[coded]:.2f}x bare | ratio {rates[declared] / rates[coded]:.2f} "
                    "(1.00 or more: a declared request costs no more)"
                )
    finally:
        for server in servers:
            stop(server)
    if not args.no_startup:
        startup(args, server_cores)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
