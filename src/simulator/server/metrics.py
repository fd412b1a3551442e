"""Counters for `GET /_sim/metrics` (Prometheus text format)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping


class Metrics:
    __slots__ = ("contract_violations", "faults_fired", "requests", "validation_failures")

    def __init__(self) -> None:
        self.contract_violations = 0
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.faults_fired: Counter[tuple[str, str]] = Counter()
        self.validation_failures: Counter[tuple[str, str]] = Counter()

    def render(self, runs_by_state: Iterable[tuple[str, str, str, int]]) -> str:
        lines = [
            "# HELP jobsim_requests_total Requests answered, by API, operation and status.",
            "# TYPE jobsim_requests_total counter",
        ]
        lines += [
            _line("jobsim_requests_total", {"api": a, "operation": o, "status": str(s)}, n)
            for (a, o, s), n in sorted(self.requests.items())
        ]
        lines += [
            "# HELP jobsim_faults_fired_total Faults injected, by API and rule.",
            "# TYPE jobsim_faults_fired_total counter",
        ]
        lines += [
            _line("jobsim_faults_fired_total", {"api": a, "rule": r}, n)
            for (a, r), n in sorted(self.faults_fired.items())
        ]
        lines += [
            "# HELP jobsim_request_validation_failures_total Requests refused because they broke the API document.",
            "# TYPE jobsim_request_validation_failures_total counter",
        ]
        lines += [
            _line("jobsim_request_validation_failures_total", {"api": a, "operation": o}, n)
            for (a, o), n in sorted(self.validation_failures.items())
        ]
        lines += [
            "# HELP jobsim_response_contract_violations_total Responses of jobsim that broke their document.",
            "# TYPE jobsim_response_contract_violations_total counter",
            f"jobsim_response_contract_violations_total {self.contract_violations}",
            "# HELP jobsim_runs Runs (jobs) held, by session, API and state.",
            "# TYPE jobsim_runs gauge",
        ]
        lines += [_line("jobsim_runs", {"session": se, "api": a, "state": st}, n) for se, a, st, n in runs_by_state]
        return "\n".join(lines) + "\n"


def _line(name: str, labels: Mapping[str, str], value: int) -> str:
    text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return f"{name}{{{text}}} {value}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
