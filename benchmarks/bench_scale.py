"""Replicas: throughput of 1 replica, 2 replicas (clients split by session) and 2 replicas behind HAProxy, as ratios;
the latency `--store redis` adds at a CI-like load; the longest event-loop pause while a 1,000-run session is saved.

    python benchmarks/bench_scale.py [--seconds 8] [--clients 8]

Starts Debian's redis-server and haproxy (.ci/install-services) on free ports and `jobsim serve --store` replicas as
processes. The load: client processes, each with its own sessions and a keep-alive connection, sending one
`runs/submit` for every four `runs/get`. The machine is often shared: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.scale.support import Replica, haproxy, redis_server  # noqa: E402

SUBMIT = json.dumps({"run_name": "bench", "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/b"}}]})


def _client(address: str, sessions: list[str], seconds: float, rate: float, out: multiprocessing.Queue) -> None:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    latencies: list[float] = []
    run_ids: dict[str, str] = {}
    errors = 0
    n = 0
    started = time.perf_counter()
    end = started + seconds
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        if rate:
            due = started + n / rate
            if due > now:
                time.sleep(due - now)
        session = sessions[n % len(sessions)]
        headers = {"X-Jobsim-Session": session, "Content-Type": "application/json"}
        begin = time.perf_counter()
        if n % 5 == 0 or session not in run_ids:
            connection.request("POST", "/api/2.2/jobs/runs/submit", SUBMIT, headers)
            reply = connection.getresponse()
            body = reply.read()
            if reply.status == 200:
                run_ids[session] = str(json.loads(body)["run_id"])
        else:
            connection.request("GET", f"/api/2.2/jobs/runs/get?run_id={run_ids[session]}", headers=headers)
            reply = connection.getresponse()
            reply.read()
        latencies.append(time.perf_counter() - begin)
        if reply.status != 200:
            errors += 1
        n += 1
    out.put((n, errors, latencies))


def load(targets: list[tuple[str, list[str]]], seconds: float, rate_per_client: float = 0.0) -> dict[str, float]:
    """Run one client process per (address, sessions) for `seconds`; requests/s, p50 and p99 in ms."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_client, args=(address, sessions, seconds, rate_per_client, queue))
        for address, sessions in targets
    ]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    total = sum(r[0] for r in results)
    latencies = sorted(x for r in results for x in r[2])
    return {
        "rps": total / seconds,
        "errors": sum(r[1] for r in results),
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def warm(targets: list[tuple[str, list[str]]]) -> None:
    load(targets, 1.0)


def loop_pause(store: str) -> tuple[float, float]:
    """The longest event-loop stall (ms) while a 1,000-run Databricks session is saved, first in full then after
    ten new runs, measured by a 1 ms ticker in the same loop."""
    import httpx

    from simulator.server.app import create_app

    async def main() -> float:
        app = create_app(store=store, replica="bench-pause", load_defaults=False, clock_mode="virtual")
        replicated = app.replicated
        assert replicated is not None
        await replicated.start()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://jobsim") as client:
            for _ in range(1000):
                await client.post("/s/big/api/2.2/jobs/runs/submit", content=SUBMIT)
            worst = worst_cpu = 0.0
            stop = False

            async def ticker() -> None:
                # Wall time between ticks includes the OS giving the CPU to other processes (a shared machine);
                # the process's CPU time between ticks is the loop's own work in one stretch.
                nonlocal worst, worst_cpu
                last, last_cpu = time.perf_counter(), time.process_time()
                while not stop:
                    await asyncio.sleep(0.001)
                    now, cpu = time.perf_counter(), time.process_time()
                    worst = max(worst, now - last - 0.001)
                    worst_cpu = max(worst_cpu, cpu - last_cpu)
                    last, last_cpu = now, cpu

            task = asyncio.create_task(ticker())
            await asyncio.sleep(0.01)
            await replicated.save("big")
            for _ in range(10):
                await client.post("/s/big/api/2.2/jobs/runs/submit", content=SUBMIT)
            await replicated.save("big")
            stop = True
            await task
        await replicated.stop()
        return worst * 1000, worst_cpu * 1000

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    assert shutil.which("redis-server") and Path("/usr/sbin/haproxy").exists(), "run .ci/install-services first"
    clients = args.clients
    sessions = [[f"bench-{c}-{i}" for i in range(4)] for c in range(clients)]
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    common = ("--no-defaults", "--no-journal")
    with redis_server(tmp) as store:
        subprocess.run(["redis-cli", "-u", store, "flushdb"], check=False, capture_output=True)
        one = Replica("solo", store, common).start()
        try:
            targets = [(one.address, s) for s in sessions]
            warm(targets)
            single = load(targets, args.seconds)
        finally:
            one.stop()
        pair = [Replica(f"jobsim-{i}", store, common).start() for i in range(2)]
        try:
            # Split by session: each client's sessions on one replica.
            direct = [(pair[c % 2].address, [f"d{s}" for s in sessions[c]]) for c in range(clients)]
            warm(direct)
            both = load(direct, args.seconds)
            with haproxy(pair, tmp) as proxy_url:
                proxy = proxy_url.removeprefix("http://")
                proxied_targets = [(proxy, [f"p{s}" for s in sessions[c]]) for c in range(clients)]
                warm(proxied_targets)
                proxied = load(proxied_targets, args.seconds)
        finally:
            for replica in pair:
                replica.stop()
        # CI-like load: 64 sessions, 200 requests/s in all, with and without the store (same replica settings).
        ci_sessions = [[f"ci-{c}-{i}" for i in range(8)] for c in range(8)]
        results = {}
        for label, url in (("no store", ""), ("--store redis", store)):
            replica = Replica("ci", url, ("--no-defaults",)).start()
            try:
                targets = [(replica.address, s) for s in ci_sessions]
                warm(targets)
                results[label] = load(targets, args.seconds, rate_per_client=200 / len(ci_sessions))
            finally:
                replica.stop()
        pause = loop_pause(store)
    print(f"{'setup':34} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for label, figures in (
        ("1 replica, direct", single),
        ("2 replicas, direct (split)", both),
        ("2 replicas through HAProxy", proxied),
    ):
        print(
            f"{label:34} {figures['rps']:8.0f} {figures['rps'] / single['rps']:6.2f} {figures['p50']:7.2f} "
            f"{figures['p99']:7.2f} {figures['errors']:6.0f}"
        )
    base, stored = results["no store"], results["--store redis"]
    print(
        f"\nCI-like load (64 sessions, 200 req/s): p50 {base['p50']:.2f} ms without a store, "
        f"{stored['p50']:.2f} ms with --store redis ({(stored['p50'] / base['p50'] - 1) * 100:+.0f}%); "
        f"p99 {base['p99']:.2f} / {stored['p99']:.2f} ms; achieved {base['rps']:.0f} / {stored['rps']:.0f} req/s"
    )
    print(
        f"longest event-loop pause while a 1,000-run session is saved: {pause[0]:.1f} ms wall, "
        f"{pause[1]:.1f} ms of the process's own CPU"
    )


if __name__ == "__main__":
    main()
