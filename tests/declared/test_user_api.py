"""A user's own declared API (docs/examples/my-api, the walk-through of docs/declaring-an-api.md), served with
`jobsim serve --api FOLDER`; `jobsim check` on api.yaml files; the engine's features on a declared API."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from tests.dashboard.helpers import EventReader
from tests.support import start_jobsim

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "my-api"


@pytest.fixture(scope="module")
def acme() -> Iterator[str]:
    process, base = start_jobsim("--api", str(EXAMPLE), "--seed", "3")
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def http(acme: str) -> Iterator[httpx.Client]:
    httpx.post(f"{acme}/_sim/reset").raise_for_status()
    with httpx.Client(base_url=acme, timeout=10) as client:
        yield client


def wait_until_ended(http: httpx.Client, export_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        export = http.get(f"/v1/exports/{export_id}").json()
        if export["status"] in ("DONE", "FAILED", "CANCELLED") or time.monotonic() > deadline:
            return dict(export)
        time.sleep(0.1)


def test_only_the_users_api_is_served_with_its_scenario(http: httpx.Client) -> None:
    assert http.get("/_sim/health").json()["apis"] == ["acme-exports"]
    assert [s["ref"] for s in http.get("/_sim/scenarios").json()["available"]] == ["acme-exports/default"]
    sample = http.get("/v1/exports").json()["exports"]
    assert [(e["report"], e["status"]) for e in sample] == [("daily-sales", "DONE")]


def test_an_export_runs_to_done(http: httpx.Client) -> None:
    started = http.post("/v1/exports", json={"report": "weekly", "format": "parquet"})
    assert started.status_code == 202
    export = started.json()
    assert export["id"].startswith("exp-") and export["status"] == "PENDING" and "finished_ms" not in export
    done = wait_until_ended(http, export["id"])
    assert done["status"] == "DONE" and done["finished_ms"] >= done["created_ms"]
    assert done["download_url"].endswith(f"/files/{export['id']}.parquet") and done["took_seconds"] > 0


def test_the_scenario_makes_yearly_exports_fail(http: httpx.Client) -> None:
    export = http.post("/v1/exports", json={"report": "yearly"}).json()
    failed = wait_until_ended(http, export["id"])
    assert failed["status"] == "FAILED" and failed["error"] == "The warehouse timed out."
    assert "download_url" not in failed


def test_cancel_and_cancelling_again(http: httpx.Client) -> None:
    export = http.post("/v1/exports", json={"report": "weekly"}).json()
    cancelled = http.post(f"/v1/exports/{export['id']}/cancel").json()
    assert cancelled["status"] == "CANCELLED"
    again = http.post(f"/v1/exports/{export['id']}/cancel")
    assert again.status_code == 409
    assert again.json() == {
        "error": {"code": "CONFLICT", "message": f"Export {export['id']} has already ended (CANCELLED)."}
    }


def test_pages_by_token_and_filters(http: httpx.Client) -> None:
    made = [http.post("/v1/exports", json={"report": f"r{i}"}).json()["id"] for i in range(5)]
    seen, token = [], None
    while True:
        page = http.get("/v1/exports", params={"page_size": 2, **({"page_token": token} if token else {})}).json()
        seen += [e["id"] for e in page["exports"]]
        token = page.get("next_page_token")
        if not token:
            break
    assert seen[:5] == made[::-1] and len(seen) == 6  # newest first, then the sample
    done = http.get("/v1/exports", params={"status": "DONE"}).json()["exports"]
    assert [e["report"] for e in done] == ["daily-sales"]
    bad = http.get("/v1/exports", params={"page_token": "not-a-token"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_ARGUMENT"


def test_unknown_id_and_invalid_input_in_the_apis_error_shape(http: httpx.Client) -> None:
    missing = http.get("/v1/exports/exp-9")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "NOT_FOUND", "message": "No export exp-9."}}
    invalid = http.post("/v1/exports", json={"report": "x", "format": "xlsx"})
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "INVALID_ARGUMENT"
    assert "format" in invalid.json()["error"]["message"]


def test_faults_journal_metrics_and_dashboard_work_on_it(http: httpx.Client, acme: str) -> None:
    http.post("/_sim/faults", json={"api": "acme-exports", "operation": "getExport", "error": {"status": 503}})
    export = http.post("/v1/exports", json={"report": "weekly"}).json()
    faulted = http.get(f"/v1/exports/{export['id']}")
    assert faulted.status_code == 503 and faulted.json()["error"]["code"] == "ERROR"
    http.delete("/_sim/faults")
    journal = http.get("/_sim/requests", params={"api": "acme-exports"}).json()
    assert {"startExport", "getExport"} <= {entry["operation"] for entry in journal["requests"]}
    metrics = http.get("/_sim/metrics").text
    assert 'api="acme-exports"' in metrics
    events = EventReader(f"{acme}/_sim/events")
    try:
        snapshot = events.next("snapshot")
    finally:
        events.close()
    runs = [run for run in snapshot["runs"] if run["api"] == "acme-exports"]
    assert {run["name"] for run in runs} >= {"weekly", "daily-sales"}
    assert {run["phase"] for run in runs} <= {"queued", "running", "success"}


def test_snapshot_round_trip(http: httpx.Client) -> None:
    http.post("/v1/exports", json={"report": "snap"})
    source = http.get("/v1/exports").json()
    state = http.get("/_sim/state").json()
    other = httpx.Client(base_url=str(http.base_url), headers={"X-Jobsim-Session": "restored"})
    assert other.put("/_sim/state", json=state).status_code == 200
    assert other.get("/v1/exports").json() == source
    next_ids = [c.post("/v1/exports", json={"report": "n"}).json()["id"] for c in (http, other)]
    assert next_ids[0] == next_ids[1]


def test_api_schema_is_served_and_the_bundled_files_follow_it(http: httpx.Client) -> None:
    schema = http.get("/_sim/api-schema").json()
    jsonschema.Draft7Validator.check_schema(schema)
    for path in [EXAMPLE / "api.yaml", *sorted((ROOT / "apis").glob("*/api.yaml"))]:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


BROKEN = [
    ("jobsim: 1\nname: x\nresources: {}\noperations: {}\n", 3, "resources"),
    ("operations:\n  startExport: {action: create, resource: nothing}\n", 7, "needs a known `resource`"),
    ("operations:\n  noSuchOperation: {action: get, resource: export, id: $request.path.x}\n", 7, "noSuchOperation"),
    ("render:\n  export:\n    status: {$map: $state}\n", 8, "$map needs `values`"),
]


@pytest.mark.parametrize(("patch", "line", "reason"), BROKEN)
def test_check_refuses_a_broken_api_yaml_with_its_line(tmp_path: Path, patch: str, line: int, reason: str) -> None:
    folder = tmp_path / "api"
    shutil.copytree(EXAMPLE, folder)
    head = "jobsim: 1\nname: acme\nresources:\n  export:\n    fields: {format: csv}\n"
    text = patch if patch.startswith("jobsim") else head + patch
    if "operations:" not in text:
        text += "operations:\n  getExport: {action: get, resource: export, id: $request.path.export_id}\n"
    (folder / "api.yaml").write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "check", str(folder / "api.yaml")], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stdout.startswith(f"FAIL {folder / 'api.yaml'}:{line}: "), done.stdout
    assert reason in done.stdout


def test_check_accepts_the_bundled_and_example_apis() -> None:
    folders = [str(EXAMPLE), *(str(p.parent) for p in sorted((ROOT / "apis").glob("*/api.yaml")))]
    done = subprocess.run([sys.executable, "-m", "simulator", "check", *folders], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("ok   ") == len(folders)


def test_check_finds_the_api_of_a_scenario_beside_its_api_yaml() -> None:
    scenario = EXAMPLE / "scenarios" / "default.yaml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "check",
            str(scenario),
            str(ROOT / "scenarios" / "airflow" / "failing.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"ok   {scenario}: api acme-exports, 1 plan(s)" in done.stdout
