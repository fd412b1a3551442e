"""A safe control plane: loopback by default, a warning otherwise, and an optional token on /_sim/."""

from __future__ import annotations

import httpx
import pytest

from simulator.client import Jobsim, JobsimError
from tests.support import running_server, start_jobsim


def test_control_token_guards_every_control_call_but_not_vendor_apis() -> None:
    with running_server(control_token="s3cret", load_defaults=False) as guarded:
        for method, path in (
            ("GET", "/_sim/health"),
            ("POST", "/_sim/reset"),
            ("GET", "/_sim/requests"),
            ("GET", "/_sim/state"),
            ("POST", "/_sim/clock/advance"),
        ):
            reply = httpx.request(method, f"{guarded.url}{path}", json={"seconds": 1})
            assert reply.status_code == 401, path
            assert reply.json()["error"] == "unauthorized"
        wrong = httpx.get(f"{guarded.url}/_sim/health", headers={"X-Jobsim-Control-Token": "nope"})
        assert wrong.status_code == 401
        assert httpx.get(f"{guarded.url}/_sim/health", headers={"X-Jobsim-Control-Token": "s3cret"}).is_success
        assert httpx.get(f"{guarded.url}/_sim/health", headers={"Authorization": "Bearer s3cret"}).is_success
        assert httpx.get(f"{guarded.url}/api/2.2/jobs/list").status_code == 200
        with pytest.raises(JobsimError, match="401"):
            Jobsim(guarded.url).health()
        assert Jobsim(guarded.url, control_token="s3cret").health()["status"] == "ok"


def test_binding_beyond_loopback_warns() -> None:
    process, _ = start_jobsim("--host", "0.0.0.0", "--no-defaults")
    process.terminate()
    output = process.communicate(timeout=10)[0]
    assert "WARNING" in output and "reachable from other machines" in output


def test_default_bind_is_loopback() -> None:
    from simulator.cli import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
