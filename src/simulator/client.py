"""A Python client for the control API: clock, scenarios, faults, the request journal, sessions.

sim = Jobsim("http://127.0.0.1:8000", session="my-test")   # vendor clients use sim.base_url
sim.freeze(); sim.advance("1h"); sim.add_fault(operation="jobsGetRun", error={"status": 503}, when={"nth": 2})
sim.assert_requests({"operation": "jobsRunNow"}, exactly=1)
"""

from __future__ import annotations

from typing import Any

import httpx


class JobsimError(RuntimeError):
    pass


class Jobsim:
    def __init__(
        self, url: str, session: str | None = None, timeout: float = 30.0, control_token: str | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.session = session
        self.base_url = f"{self.url}/s/{session}" if session else self.url
        self._headers = {"X-Jobsim-Control-Token": control_token} if control_token else {}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=self._headers)

    # --- plumbing --------------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        reply = self._http.request(method, f"/_sim{path}", **kwargs)
        if reply.status_code >= 400:
            raise JobsimError(f"{method} /_sim{path} -> {reply.status_code}: {reply.text}")
        return reply.json() if reply.headers.get("content-type", "").startswith("application/json") else reply.text

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Jobsim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the simulator ---------------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self) -> None:
        self._call("POST", "/reset")

    def drop(self) -> None:
        """Drop this session (and everything in it) from the server."""
        if self.session:
            httpx.delete(f"{self.url}/_sim/sessions/{self.session}", timeout=30, headers=self._headers)

    # --- clock -----------------------------------------------------------------------------------------------
    def clock(self) -> dict[str, Any]:
        return self._call("GET", "/clock")

    def freeze(self) -> dict[str, Any]:
        return self._call("PUT", "/clock", json={"mode": "virtual"})

    def real_time(self, speed: float = 1.0) -> dict[str, Any]:
        return self._call("PUT", "/clock", json={"mode": "real", "speed": speed})

    def advance(self, duration: float | str) -> dict[str, Any]:
        """Move the clock forward by seconds (a number) or a duration string such as '90s', '15m', '2h'."""
        body = {"seconds": duration} if isinstance(duration, int | float) else {"duration": duration}
        return self._call("POST", "/clock/advance", json=body)

    # --- scenarios -------------------------------------------------------------------------------------------
    def load_scenario(self, yaml_text: str | None = None, *, name: str | None = None) -> dict[str, Any]:
        if (yaml_text is None) == (name is None):
            raise ValueError("give the scenario's YAML text or the name of a bundled scenario")
        if yaml_text is None:
            return self._call("POST", "/scenarios", json={"name": name})
        return self._call(
            "POST", "/scenarios", content=yaml_text.encode(), headers={"Content-Type": "application/yaml"}
        )

    def scenarios(self) -> dict[str, Any]:
        return self._call("GET", "/scenarios")

    # --- faults ----------------------------------------------------------------------------------------------
    def add_fault(self, **rule: Any) -> dict[str, Any]:
        return self._call("POST", "/faults", json=rule)

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> int:
        return self._call("DELETE", "/faults")["removed"]

    # --- the request journal ---------------------------------------------------------------------------------
    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return self._call("GET", "/requests", params=filters)["requests"]

    def clear_requests(self) -> int:
        return self._call("DELETE", "/requests")["removed"]

    def verify(
        self,
        match: dict[str, Any],
        *,
        exactly: int | None = None,
        at_least: int | None = None,
        at_most: int | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"match": match}
        for name, value in (("exactly", exactly), ("at_least", at_least), ("at_most", at_most)):
            if value is not None:
                body[name] = value
        return self._call("POST", "/requests/verify", json=body)

    def assert_requests(self, match: dict[str, Any], **counts: int) -> None:
        """Raise AssertionError, with the nearest requests and how they differ, when the count is not met."""
        verdict = self.verify(match, **counts)
        if not verdict["pass"]:
            lines = [verdict.get("message", "verification failed")]
            for near in verdict.get("nearest", []):
                lines.append(f"  #{near['seq']} {near['request']}: {near['differences']}")
            raise AssertionError("\n".join(lines))
