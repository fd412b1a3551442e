"""Bounded memory under a long stream of new runs: RSS and requests per second, start against end.

    python benchmarks/bench_memory.py [--runs 1000000] [--connections 8] [--max-runs N] [--databricks-only]

Starts `jobsim serve --no-defaults` in its own process and creates `--runs` runs through the HTTP API over several
keep-alive connections (raw asyncio, no client library in the way): nine in ten are Databricks `runs/submit`, the
tenth goes in turn to CDQ `POST /v2/jobs`, DQOps `POST /api/jobs/runchecks?wait=false` and Collibra DQ
`POST /rest/dq/1.0/jobs/{name}/run`. On the real clock every run ends in about a second, so the run cap
(`--max-runs`, default the server's) is what keeps memory flat. Prints the server's RSS before, during and after,
the requests per second (and the server's CPU time per request, steadier when the machine is shared) over the
first and the last 50,000 requests, and the runs each API holds at the end.
Not a test: read the figures (cost per request flat, RSS flat once the caps are reached).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from simulator.server.settings import DEFAULT_MAX_RUNS  # noqa: E402

WINDOW = 50_000
DQ_SCENARIO = """
jobsim: 1
name: bench
api: collibra-dq
data:
  jobs:
    - {name: bench_job, type: PUSHDOWN}
"""
TASK = {"task_key": "t", "notebook_task": {"notebook_path": "/bench"}, "existing_cluster_id": "c-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        import psutil  # type: ignore[import-not-found]

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except ImportError:
        status = Path(f"/proc/{pid}/status").read_text()
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert found, "no VmRSS in /proc/<pid>/status (and psutil is not installed)"
        return int(found.group(1)) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server so far (less sensitive than req/s to other load on the machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request_bytes(method: str, path: str, body: object | None) -> bytes:
    payload = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    return (head + f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload


def call(port: int, method: str, path: str, body: object | None = None, content_type: str = "application/json") -> str:
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers={"Content-Type": content_type}
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return str(reply.read().decode())


def start_server(port: int, max_runs: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--no-defaults", "--seed", "1"]
    command += ["--max-runs", str(max_runs)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            call(port, "GET", "/_sim/health")
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("jobsim did not start")


class Load:
    """Hands out request numbers to the connections and stamps the moments the checkpoints were passed."""

    def __init__(self, total: int, requests: list[bytes], pid: int) -> None:
        self.total = total
        self.requests = requests
        self.pid = pid
        self.issued = 0
        self.done = 0
        self.errors: list[str] = []
        self.window = min(WINDOW, max(total // 4, 1))
        self.marks = {0: 0.0, self.window: 0.0, total - self.window: 0.0, total: 0.0}
        self.cpu = dict.fromkeys(self.marks, 0.0)
        self.every = max(total // 10, 1)
        self.progress: list[tuple[int, float, float, float]] = []

    def finished_one(self, status: int, head: bytes) -> None:
        self.done += 1
        if status >= 300 and len(self.errors) < 5:
            self.errors.append(head.split(b"\r\n", 1)[0].decode("latin-1"))
        if self.done in self.marks:
            self.marks[self.done] = time.perf_counter()
            self.cpu[self.done] = cpu_seconds(self.pid)
        if self.done % self.every == 0:
            elapsed = time.perf_counter() - self.marks[0]
            cpu = cpu_seconds(self.pid)
            previous = self.progress[-1] if self.progress else (0, 0.0, 0.0, self.cpu[0])
            self.progress.append((self.done, elapsed, rss_mb(self.pid), cpu))
            count = self.done - previous[0]
            rate, cpu_us = count / (elapsed - previous[1]), (cpu - previous[3]) / count * 1e6
            print(
                f"  {self.done:>9,} requests  {elapsed:6.1f} s  since the last line: {rate:6,.0f} req/s, "
                f"{cpu_us:4.0f} us server CPU per request  RSS {self.progress[-1][2]:6.1f} MiB",
                flush=True,
            )

    async def connection(self, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        requests = self.requests
        count = len(requests)
        try:
            while self.issued < self.total:
                number = self.issued
                self.issued += 1
                writer.write(requests[number % count])
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                if length:
                    await reader.readexactly(int(length.group(1)))
                self.finished_one(int(head[9:12]), head)
        finally:
            writer.close()

    def rate(self, start: int, end: int) -> float:
        return (end - start) / (self.marks[end] - self.marks[start])

    def cpu_us(self, start: int, end: int) -> float:
        """Server CPU microseconds per request between two checkpoints."""
        return (self.cpu[end] - self.cpu[start]) / (end - start) * 1e6


async def drive(load: Load, port: int, connections: int) -> None:
    load.marks[0] = time.perf_counter()
    load.cpu[0] = cpu_seconds(load.pid)
    await asyncio.gather(*(load.connection(port) for _ in range(connections)))


def held_runs(port: int) -> dict[str, int]:
    """Runs each API holds, as its own list endpoints say (Databricks and CDQ: the `jobsim_runs` gauge)."""
    held: dict[str, int] = {}
    for line in call(port, "GET", "/_sim/metrics").splitlines():
        found = re.match(r'jobsim_runs\{session="default",api="([^"]+)",state="[^"]*"\} (\d+)', line)
        if found:
            held[found.group(1)] = held.get(found.group(1), 0) + int(found.group(2))
    held["dqops"] = len(json.loads(call(port, "GET", "/api/jobs/jobs"))["jobs"])
    held["collibra-dq"] = json.loads(call(port, "GET", "/rest/dq/1.0/jobRuns?limit=1"))["total"]
    return held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1_000_000, help="runs to create (default 1,000,000)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections (default 8)")
    parser.add_argument("--max-runs", type=int, default=DEFAULT_MAX_RUNS, help="jobsim serve --max-runs")
    parser.add_argument("--databricks-only", action="store_true", help="only Databricks runs/submit")
    args = parser.parse_args()
    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass

    port = free_port()
    server = start_server(port, args.max_runs)
    try:
        call(port, "POST", "/_sim/scenarios", DQ_SCENARIO, "application/yaml")
        submit = request_bytes("POST", "/api/2.1/jobs/runs/submit", {"run_name": "bench", "tasks": [TASK]})
        others = [
            request_bytes("POST", "/v2/jobs", {"type": "DATA_CURATION_JOB", "name": "bench"}),
            request_bytes("POST", "/api/jobs/runchecks?wait=false", {}),
            request_bytes("POST", "/rest/dq/1.0/jobs/bench_job/run", {}),
        ]
        if args.databricks_only:
            requests = [submit]
        else:  # 30 requests: 27 Databricks, one of each other API
            requests = [submit] * 9 + [others[0]] + [submit] * 9 + [others[1]] + [submit] * 9 + [others[2]]
        before = rss_mb(server.pid)
        print(
            f"jobsim pid {server.pid}, --max-runs {args.max_runs:,}; {args.runs:,} runs over {args.connections} "
            f"connections ({'Databricks only' if args.databricks_only else '90% Databricks, 10% CDQ/DQOps/DQ'})"
        )
        print(f"  RSS before: {before:.1f} MiB")
        load = Load(args.runs, requests, server.pid)
        asyncio.run(drive(load, port, args.connections))
        after = rss_mb(server.pid)
        elapsed = load.marks[args.runs] - load.marks[0]
        window = load.window
        first = load.rate(0, window)
        last = load.rate(args.runs - window, args.runs)
        held = held_runs(port)
        print(f"requests: {args.runs:,} in {elapsed:.1f} s ({args.runs / elapsed:,.0f} req/s overall)")
        print(f"req/s: first {window:,} {first:,.0f} | last {window:,} {last:,.0f} | last/first {last / first:.2f}")
        cpu_first, cpu_last = load.cpu_us(0, window), load.cpu_us(args.runs - window, args.runs)
        print(f"server CPU per request: first {window:,} {cpu_first:.0f} us | last {window:,} {cpu_last:.0f} us")
        print(
            f"RSS: before {before:.1f} MiB | after {after:.1f} MiB | "
            f"peak seen {max(p[2] for p in load.progress):.1f} MiB"
        )
        print(
            "runs held at the end (cap per API {:,}): {}".format(
                args.max_runs, ", ".join(f"{k} {v:,}" for k, v in sorted(held.items()))
            )
        )
        if load.errors:
            print(f"errors (first {len(load.errors)}): {load.errors}")
            return 1
        return 0
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    raise SystemExit(main())
