"""Real components for the replica tests: Debian's redis-server and haproxy on free ports, jobsim replicas as
processes started the way a user starts them (`jobsim serve --store ...`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _wait(check: object, what: str, process: subprocess.Popen[str] | None = None, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except (httpx.TransportError, OSError):
            pass
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what} exited: {process.communicate()[0]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not come up")
        time.sleep(0.05)


@contextlib.contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """redis-server on a free port, no persistence (the tests restart replicas, not Redis); yields its URL."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: run .ci/install-services"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    import redis

    client = redis.Redis(port=port)
    try:
        _wait(client.ping, "redis-server", process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Replica:
    """One `jobsim serve --store` process; restart it on the same port with `start()`."""

    name: str
    store: str
    args: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Replica:
        command = [sys.executable, "-m", "simulator", "serve", "--port", str(self.port), *self.args]
        if self.store:  # "" for one process in memory
            command += ["--store", self.store, "--replica", self.name]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        _wait(lambda: httpx.get(f"{self.url}/_sim/health", timeout=1).status_code == 200, self.name, self.process)
        return self

    def stop(self) -> str:
        """SIGTERM, as Kubernetes stops a pod; returns the replica's output."""
        return self._end(signal.SIGTERM)

    def kill(self) -> str:
        return self._end(signal.SIGKILL)

    def _end(self, sig: int) -> str:
        process = self.process
        if process is None:
            return ""
        if process.poll() is None:
            process.send_signal(sig)
        try:
            out = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired as exc:
            process.kill()
            raise AssertionError(f"{self.name} did not stop within 30 s: {exc.output}") from None
        self.log.append(out)
        self.process = None
        return out


@contextlib.contextmanager
def replicas(store: str, *names: str, args: tuple[str, ...] = ()) -> Iterator[list[Replica]]:
    started = [Replica(name, store, args) for name in names]
    try:
        for replica in started:
            replica.start()
        yield started
    finally:
        for replica in started:
            replica.kill()


def render_haproxy(replicas: list[Replica], bind: str) -> str:
    """deploy/haproxy.cfg as shipped, its `server` lines pointed at these replicas."""
    lines = []
    for line in (DEPLOY / "haproxy.cfg").read_text().splitlines():
        if line.strip().startswith("server "):
            continue
        lines.append(line)
        if line.strip().startswith("default-server"):
            lines += [f"    server {r.name} {r.address} check" for r in replicas]
    return "\n".join(lines).replace('"${JOBSIM_PROXY_BIND}"', bind) + "\n"


@contextlib.contextmanager
def haproxy(replicas: list[Replica], tmp: Path) -> Iterator[str]:
    """HAProxy with deploy/haproxy.cfg on a free port in front of `replicas`; yields its URL."""
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    assert Path(binary).exists(), "haproxy is missing: run .ci/install-services"
    port = free_port()
    config = tmp / "haproxy.cfg"
    config.write_text(render_haproxy(replicas, f"127.0.0.1:{port}"))
    process = subprocess.Popen(
        [binary, "-f", str(config), "-db"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{url}/_sim/health", timeout=1).status_code == 200, "haproxy", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def render_nginx(replicas: list[Replica], bind: str) -> str:
    """deploy/nginx.conf as shipped, filled in as envsubst fills it, with as many `server` lines as replicas."""
    lines = []
    for line in (DEPLOY / "nginx.conf").read_text().splitlines():
        if line.strip().startswith("server ${JOBSIM_"):
            if "${JOBSIM_0}" in line:
                lines += [line.replace("${JOBSIM_0}", r.address) for r in replicas]
            continue
        lines.append(line.replace("${JOBSIM_PROXY_BIND}", bind))
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def nginx(replicas: list[Replica], tmp: Path) -> Iterator[str]:
    """nginx with deploy/nginx.conf on a free port in front of `replicas`; yields its URL."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is missing: run .ci/install-services"
    port = free_port()
    prefix = tmp / "nginx"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(render_nginx(replicas, f"127.0.0.1:{port}"))
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(config), "-g", f"daemon off; pid {prefix}/nginx.pid; error_log stderr;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{url}/_sim/health", timeout=1).status_code == 200, "nginx", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


PROXIES = {"haproxy": haproxy, "nginx": nginx}
