"""Helpers for the dashboard tests: an SSE reader on a thread, and scenarios."""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any

import httpx
import orjson

Event = tuple[str, Any]


VISIBLE_RUN = """\
jobsim: 1
name: visible
api: databricks
plans:
  - match: {name: "visible-*"}
    steps:
      - {state: PENDING, for: 0.3s}
      - {state: RUNNING, for: 3s, message: In run}
      - {state: TERMINATED, result: SUCCESS}
"""

TASK = {"task_key": "t", "notebook_task": {"notebook_path": "/etl"}, "existing_cluster_id": "c-1"}


def many_runs(count: int) -> str:
    """A Databricks scenario whose job `bulk` already had `count` runs (one in seven still running for an hour)."""
    lines = [
        "jobsim: 1",
        "name: many-runs",
        "api: databricks",
        "plans:",
        "  - name: quick",
        "    named_only: true",
        "    steps:",
        "      - {state: PENDING, for: 1s}",
        "      - {state: RUNNING, for: 5s}",
        "      - {state: TERMINATED, result: SUCCESS}",
        "  - name: slow",
        "    named_only: true",
        "    steps:",
        "      - {state: PENDING, for: 1s}",
        "      - {state: RUNNING, for: 1h}",
        "      - {state: TERMINATED, result: FAILED, message: boom}",
        "data:",
        "  jobs:",
        "    - settings: {name: bulk, max_concurrent_runs: 1000000, tasks: [{task_key: t, notebook_task: "
        "{notebook_path: /x}, existing_cluster_id: c}]}",
        "      runs:",
    ]
    lines += [f"        - {{ago: {i * 3 + 1}s, plan: {'slow' if i % 7 == 0 else 'quick'}}}" for i in range(count)]
    return "\n".join(lines) + "\n"


def load_yaml(url: str, session: str, text: str) -> dict[str, Any]:
    reply = httpx.post(
        f"{url}/s/{session}/_sim/scenarios", content=text, headers={"Content-Type": "application/yaml"}, timeout=60
    )
    reply.raise_for_status()
    return reply.json()


class EventReader:
    """Reads `GET /_sim/events` on a thread; `next(...)` returns the next event of a kind, or fails after a timeout."""

    def __init__(self, url: str, *, params: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        self.events: queue.Queue[Event | None] = queue.Queue()
        self.status = 0
        self.headers: httpx.Headers | None = None
        self.ended = threading.Event()
        self._opened = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=None))
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, args=(url, params, headers), daemon=True)
        self._thread.start()
        if not self._opened.wait(10):
            raise AssertionError("the event stream did not answer")

    def _read(self, url: str, params: Any, headers: Any) -> None:
        try:
            with self._client.stream("GET", url, params=params, headers=headers) as response:
                self._response = response
                self.status, self.headers = response.status_code, response.headers
                self._opened.set()
                kind, data = "message", []
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif not line and data:
                        self.events.put((kind, orjson.loads("\n".join(data))))
                        kind, data = "message", []
        except Exception:  # closed from the test's thread, or the server went away
            pass
        finally:
            self._opened.set()
            self.ended.set()
            self.events.put(None)

    def next(self, kind: str | None = None, timeout: float = 10, where: Any = None) -> Any:
        """The data of the next event of `kind` (any kind when None) for which `where(data)` holds."""
        try:
            while True:
                item = self.events.get(timeout=timeout)
                if item is None:
                    raise AssertionError(f"the stream ended before a {kind or 'any'} event")
                got, data = item
                if (kind is None or got == kind) and (where is None or where(data)):
                    return data if kind is not None else item
        except queue.Empty:
            raise AssertionError(f"no {kind or 'any'} event within {timeout} s") from None

    def close(self) -> None:
        if self._response is not None:
            with contextlib.suppress(Exception):
                self._response.close()
        with contextlib.suppress(Exception):
            self._client.close()
        self._thread.join(5)

    def __enter__(self) -> EventReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
