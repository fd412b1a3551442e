"""POST/GET/PATCH/DELETE /v2/jobs/{jobId}: the full Job, field limits, and every error in the vendor's shape."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from tests.cdq.helpers import JOBS, create, error_of, get
from tests.support import RunningServer

SPEC = Path(__file__).resolve().parents[2] / "specs" / "cdq-jobs.yaml"
FULL = {
    "type": "DATA_CURATION_JOB",
    "name": "Process vendor data.",
    "description": "I started this job to improve quality of our data.",
    "tags": ["vendor", "nightly"],
    "labels": [{"name": "team", "value": "dq"}],
    "inputUri": "s3://bucket/input.csv",
    "environmentVariables": [{"name": "LOG_LEVEL", "value": "DEBUG"}],
    "resourceRequest": {
        "memoryLimit": 1024,
        "memoryRequest": 512,
        "cpuLimit": 0.5,
        "cpuRequest": 0.25,
        "xmxLimit": 768,
    },
    "storageId": "72d6900fce6b326088f5d9d91049e3e6",
    "dockerImageUrl": "cdqag/custom-curation:2",
    "commands": ["curate", "--fast"],
    "volumes": [{"name": "data", "mountPath": "/data"}],
}


def test_create_echoes_every_field_and_get_returns_the_same_job(http: httpx.Client) -> None:
    reply = http.post(JOBS, json=FULL)
    assert reply.status_code == 201
    job = reply.json()
    for name, value in FULL.items():
        assert job[name] == value, name
    assert job["jobStatus"] == "CREATED" and job["progress"] == 0
    assert job["user"] == "jobsim-user" and job["organizationId"] == "jobsim_org"
    assert job["workspaceId"] == "5a0c9a52-55a5-4f3e-9d0b-0f6c4f1d2c11" and job["domain"] == "data-curation"
    assert get(http, job["id"]) == job


def test_type_defaults_fill_the_docker_image(http: httpx.Client) -> None:
    job = create(http, type="DATA_VALIDATION_JOB")
    assert job["dockerImageUrl"] == "cdqag/data-validation-job" and job["domain"] == "data-validation"


def test_numbers_are_json_numbers(sim: RunningServer, http: httpx.Client) -> None:
    job = create(http)
    sim.advance(1.0)
    raw = http.get(f"{JOBS}/{job['id']}").text
    assert '"progress":' in raw and '"progress":"' not in raw and '"totalItems":100' in raw


def test_default_sample_jobs_show_every_field_of_the_seed(http: httpx.Client) -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    fields = set(spec["components"]["schemas"]["Job"]["properties"])
    listed = http.get(JOBS).json()["jobs"]
    shown = {name for job in listed for name in job}
    assert shown == fields


def test_patch_changes_name_and_description_in_any_status(sim: RunningServer, http: httpx.Client) -> None:
    job = create(http, name="before")
    sim.advance(5)
    reply = http.patch(f"{JOBS}/{job['id']}", json={"name": "n" * 50, "description": "d" * 200})
    assert reply.status_code == 200
    changed = reply.json()
    assert changed["name"] == "n" * 50 and changed["description"] == "d" * 200
    assert changed["jobStatus"] == "FINISHED" and changed["modifiedAt"] > changed["finishedAt"]
    assert http.patch(f"{JOBS}/{job['id']}", json={}).json() == changed
    assert http.patch(f"{JOBS}/{job['id']}", json={"description": "x"}).json()["name"] == "n" * 50


def test_patch_limits_name_the_field(http: httpx.Client) -> None:
    job = create(http, name="keep")
    error_of(http.patch(f"{JOBS}/{job['id']}", json={"name": "n" * 51}), 400, "name")
    error_of(http.patch(f"{JOBS}/{job['id']}", json={"description": "d" * 201}), 400, "description")
    # Jackson reads a number into a String field ({"name": 5} renames the job "5"), never an array or an object.
    error_of(http.patch(f"{JOBS}/{job['id']}", json={"name": ["n"]}), 400, "name")
    error_of(http.patch(f"{JOBS}/{job['id']}", json={"name": {"n": 5}}), 400, "name")
    error_of(http.patch(f"{JOBS}/{job['id']}"), 400, "body")
    assert get(http, job["id"])["name"] == "keep"


def test_delete_then_404(http: httpx.Client) -> None:
    job = create(http)
    reply = http.delete(f"{JOBS}/{job['id']}")
    assert reply.status_code == 204 and reply.content == b""
    path = f"{JOBS}/{job['id']}"
    assert error_of(http.get(path), 404, job["id"])["path"] == path
    error_of(http.delete(path), 404, "jobId")
    error_of(http.patch(path, json={"name": "x"}), 404, "jobId")
    assert job["id"] not in [j["id"] for j in http.get(JOBS).json()["jobs"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "type"),
        ({"type": ""}, "type"),
        ({"type": "NO_SUCH_JOB"}, "type"),
        ({"type": "DATA_CURATION_JOB", "name": "n" * 51}, "name"),
        ({"type": "DATA_CURATION_JOB", "description": "d" * 201}, "description"),
        ({"type": "DATA_CURATION_JOB", "tags": ["t"] * 101}, "tags"),
        ({"type": "DATA_CURATION_JOB", "labels": [{"value": "v"}]}, "labels[0].name"),
        ({"type": "DATA_CURATION_JOB", "jobDependencies": [{"jobId": "nope"}]}, "jobDependencies[0].jobId"),
        ({"type": "DATA_CURATION_JOB", "jobDependencies": [{}] * 9}, "jobDependencies"),
        ({"type": "DATA_CURATION_JOB", "resourceRequest": {"cpuLimit": "lots"}}, "resourceRequest.cpuLimit"),
        (
            {"type": "DATA_CURATION_JOB", "environmentVariables": [{"name": f"V{i}"} for i in range(101)]},
            "environmentVariables",
        ),
        ({"type": "DATA_CURATION_JOB", "dockerImageUrl": ""}, "dockerImageUrl"),
        ([1, 2], "body"),
    ],
)
def test_create_errors_name_the_field(http: httpx.Client, body: object, field: str) -> None:
    error_of(http.post(JOBS, json=body), 400, field)


def test_environment_variables_over_512_kb_are_refused(http: httpx.Client) -> None:
    big = [{"name": f"V{i}", "value": "x" * 6000} for i in range(90)]  # 540 kB
    error_of(
        http.post(JOBS, json={"type": "DATA_CURATION_JOB", "environmentVariables": big}), 400, "environmentVariables"
    )
    fits = [{"name": f"V{i}", "value": "x" * 5000} for i in range(100)]  # 500 kB
    assert http.post(JOBS, json={"type": "DATA_CURATION_JOB", "environmentVariables": fits}).status_code == 201


def test_creating_in_another_organization_is_forbidden(http: httpx.Client) -> None:
    reply = http.post(JOBS, json={"type": "DATA_CURATION_JOB", "organizationId": "someone_else"})
    error_of(reply, 403, "organizationId")
    assert http.post(JOBS, json={"type": "DATA_CURATION_JOB", "organizationId": "jobsim_org"}).status_code == 201


def test_protocol_errors_use_the_error_shape(http: httpx.Client) -> None:
    error_of(http.post(JOBS, content=b"{not json", headers={"Content-Type": "application/json"}), 400, "JSON")
    error_of(http.post(JOBS, content=b"type=x", headers={"Content-Type": "text/plain"}), 400, "Content-Type")
    error_of(http.get("/v2/jobs/a/b"), 404, "/v2/jobs/a/b")
    reply = http.put(JOBS, json={})
    error_of(reply, 405, "PUT")
    assert reply.headers["allow"] == "GET, POST"
