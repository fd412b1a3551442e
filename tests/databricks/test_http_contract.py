"""Databricks over raw HTTP: every validation path answers Databricks' own status and error body."""

from __future__ import annotations

import socket

import httpx
import pytest
import yaml

from tests.support import RunningServer, running_server

API = "/api/2.2/jobs"


@pytest.fixture(scope="module")
def http(server: RunningServer) -> httpx.Client:
    return server.client()


def error_of(reply: httpx.Response, status: int, code: str) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code
    return str(body["message"])


def test_wrong_query_type_names_the_parameter(http: httpx.Client) -> None:
    message = error_of(http.get(f"{API}/get", params={"job_id": "abc"}), 400, "INVALID_PARAMETER_VALUE")
    assert "job_id" in message and "integer" in message


def test_missing_query_parameter(http: httpx.Client) -> None:
    message = error_of(http.get(f"{API}/runs/get"), 400, "INVALID_PARAMETER_VALUE")
    assert "run_id" in message


def test_missing_body_field(http: httpx.Client) -> None:
    message = error_of(http.post(f"{API}/run-now", json={}), 400, "INVALID_PARAMETER_VALUE")
    assert message == "Missing required field: job_id"


def test_wrong_body_type_names_the_nested_field(http: httpx.Client) -> None:
    reply = http.post(f"{API}/create", json={"name": "x", "tasks": [{"task_key": 5}]})
    message = error_of(reply, 400, "INVALID_PARAMETER_VALUE")
    assert "tasks[0].task_key" in message


def test_limits_from_the_docs(http: httpx.Client) -> None:
    assert "limit" in error_of(http.get(f"{API}/list", params={"limit": 101}), 400, "INVALID_PARAMETER_VALUE")
    assert "limit" in error_of(http.get(f"{API}/runs/list", params={"limit": 26}), 400, "INVALID_PARAMETER_VALUE")
    too_many_tags = {f"t{i}": "v" for i in range(26)}
    assert "tags" in error_of(http.post(f"{API}/create", json={"tags": too_many_tags}), 400, "INVALID_PARAMETER_VALUE")
    token = "x" * 65
    reply = http.post(f"{API}/runs/submit", json={"idempotency_token": token, "tasks": []})
    assert "idempotency_token" in error_of(reply, 400, "INVALID_PARAMETER_VALUE")


def test_int64_overflow_is_a_400(http: httpx.Client) -> None:
    error_of(http.get(f"{API}/get", params={"job_id": str(2**63)}), 400, "INVALID_PARAMETER_VALUE")


def test_unknown_ids(http: httpx.Client) -> None:
    assert (
        error_of(http.get(f"{API}/get", params={"job_id": 4242}), 400, "INVALID_PARAMETER_VALUE")
        == "Job 4242 does not exist."
    )
    assert (
        error_of(http.get(f"{API}/runs/get", params={"run_id": 4242}), 400, "INVALID_PARAMETER_VALUE")
        == "Run 4242 does not exist."
    )
    assert (
        error_of(http.post(f"{API}/runs/cancel", json={"run_id": 4242}), 400, "INVALID_PARAMETER_VALUE")
        == "Run 4242 does not exist."
    )


def test_malformed_json(http: httpx.Client) -> None:
    reply = http.post(f"{API}/create", content=b'{"name": ', headers={"Content-Type": "application/json"})
    assert "Malformed JSON" in error_of(reply, 400, "MALFORMED_REQUEST")


def test_non_json_content_type(http: httpx.Client) -> None:
    reply = http.post(f"{API}/create", content=b"<job/>", headers={"Content-Type": "application/xml"})
    assert "application/xml" in error_of(reply, 400, "MALFORMED_REQUEST")


def test_unknown_path_and_wrong_method(http: httpx.Client) -> None:
    error_of(http.get(f"{API}/runs/nope"), 404, "ENDPOINT_NOT_FOUND")
    reply = http.get(f"{API}/create")
    error_of(reply, 405, "METHOD_NOT_ALLOWED")
    assert reply.headers["allow"] == "POST"


def test_body_over_the_limit_is_refused_before_it_is_read() -> None:
    with running_server(max_body=1024, load_defaults=False) as small:
        host, port = small.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            request = (
                f"POST {API}/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: 50000000\r\n\r\n"
            )
            sock.sendall(request.encode())  # the 50 MB body is never sent: the answer must come anyway
            sock.settimeout(5)
            head = sock.recv(65536).decode()
        assert head.startswith("HTTP/1.1 413")
        assert '"error_code":"REQUEST_TOO_LARGE"' in head


def test_legacy_cli_shapes_text_json_and_string_ids(http: httpx.Client) -> None:
    legacy = {"Content-Type": "text/json", "Accept": "*/*"}
    created = http.post("/api/2.1/jobs/create", content=b'{"name": "legacy", "tasks": []}', headers=legacy)
    assert created.status_code == 200
    job_id = created.json()["job_id"]
    run = http.post("/api/2.1/jobs/run-now", content=f'{{"job_id": "{job_id}"}}'.encode(), headers=legacy)
    assert run.status_code == 200 and isinstance(run.json()["run_id"], int)
    cancel = http.post(
        "/api/2.1/jobs/runs/cancel", content=f'{{"run_id": "{run.json()["run_id"]}"}}'.encode(), headers=legacy
    )
    assert cancel.status_code == 200 and cancel.json() == {}


def test_2_1_and_2_2_share_one_state(http: httpx.Client) -> None:
    job_id = http.post("/api/2.1/jobs/create", json={"name": "shared"}).json()["job_id"]
    assert http.get("/api/2.2/jobs/get", params={"job_id": job_id}).json()["settings"]["name"] == "shared"


def test_empty_200s_are_json_objects(http: httpx.Client) -> None:
    job_id = http.post(f"{API}/create", json={"name": "empty-body"}).json()["job_id"]
    reply = http.post(f"{API}/delete", json={"job_id": job_id})
    assert reply.status_code == 200 and reply.content == b"{}"


def test_last_page_has_no_next_token(http: httpx.Client) -> None:
    for i in range(3):
        http.post(f"{API}/create", json={"name": f"token-{i}"})
    pages, token = 0, None
    while True:
        params = {"limit": 2} | ({"page_token": token} if token else {})
        body = http.get(f"{API}/list", params=params).json()
        pages += 1
        if "next_page_token" not in body:
            assert body["has_more"] is False
            break
        assert body["next_page_token"] != "" and body["has_more"] is True
        token = body["next_page_token"]
    assert pages >= 2
    bad = http.get(f"{API}/list", params={"page_token": "not-a-token"})
    assert "page_token" in error_of(bad, 400, "INVALID_PARAMETER_VALUE")


def test_well_known_config_is_404_without_auth(http: httpx.Client) -> None:
    assert http.get("/.well-known/databricks-config").status_code == 404


def test_delete_of_an_active_run_is_refused(http: httpx.Client) -> None:
    job_id = http.post(f"{API}/create", json={"name": "busy"}).json()["job_id"]
    run_id = http.post(f"{API}/run-now", json={"job_id": job_id}).json()["run_id"]
    message = error_of(http.post(f"{API}/runs/delete", json={"run_id": run_id}), 400, "INVALID_STATE")
    assert "active" in message


def test_idempotency_token_returns_the_same_run(http: httpx.Client) -> None:
    body = {"run_name": "once", "idempotency_token": "tok-1", "tasks": []}
    first = http.post(f"{API}/runs/submit", json=body).json()["run_id"]
    assert http.post(f"{API}/runs/submit", json=body).json()["run_id"] == first


def test_auth_tokens_when_configured() -> None:
    with running_server(auth_tokens=frozenset({"dapi-good"}), load_defaults=False) as locked:
        http = locked.client()
        refused = http.get(f"{API}/list")
        error_of(refused, 401, "UNAUTHORIZED")
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="databricks"'  # RFC 9110: a 401 challenges
        error_of(http.get(f"{API}/list", headers={"Authorization": "Bearer wrong"}), 401, "UNAUTHORIZED")
        assert http.get(f"{API}/list", headers={"Authorization": "Bearer dapi-good"}).status_code == 200
        assert http.get("/_sim/health").status_code == 200  # the control API is not a vendor API


def test_a_response_that_breaks_the_spec_is_a_loud_500(tmp_path) -> None:
    """Point jobsim at a user-supplied spec in which run_id must be a string: our integer breaks it."""
    from simulator.server.resources import bundled_dir

    document = yaml.safe_load((bundled_dir("specs") / "databricks-jobs.yaml").read_text())
    document["components"]["schemas"]["RunNowResponse"]["properties"]["run_id"] = {"type": "string"}
    override = tmp_path / "official.yaml"
    override.write_text(yaml.safe_dump(document))
    with running_server(spec_overrides={"databricks-jobs": override}, load_defaults=False) as strict:
        http = strict.client()
        job_id = http.post(f"{API}/create", json={"name": "x"}).json()["job_id"]
        reply = http.post(f"{API}/run-now", json={"job_id": job_id})
        assert reply.status_code == 500
        body = reply.json()
        assert body["error_code"] == "JOBSIM_CONTRACT_VIOLATION"
        assert body["operation"] == "jobsRunNow"
        assert "run_id" in body["message"] and "type" in body["message"]
    with running_server(
        spec_overrides={"databricks-jobs": override}, load_defaults=False, response_validation="warn"
    ) as lenient:
        http = lenient.client()
        job_id = http.post(f"{API}/create", json={"name": "x"}).json()["job_id"]
        assert http.post(f"{API}/run-now", json={"job_id": job_id}).status_code == 200


def test_a_reply_read_again_is_checked_again_once_it_changed(tmp_path) -> None:
    """A body found valid is not validated again while its bytes stay the same; a changed body always is."""
    from simulator.server.resources import bundled_dir

    document = yaml.safe_load((bundled_dir("specs") / "databricks-jobs.yaml").read_text())
    states = document["components"]["schemas"]["RunLifeCycleState"]
    states["enum"] = [state for state in states["enum"] if state != "TERMINATED"]  # a finished run breaks it
    override = tmp_path / "official.yaml"
    override.write_text(yaml.safe_dump(document))
    with running_server(
        spec_overrides={"databricks-jobs": override}, load_defaults=False, clock_mode="virtual"
    ) as strict:
        http = strict.client()
        job_id = http.post(f"{API}/create", json={"name": "x"}).json()["job_id"]
        run_id = http.post(f"{API}/run-now", json={"job_id": job_id}).json()["run_id"]
        for _ in range(3):  # the same PENDING body, valid each time
            reply = http.get(f"{API}/runs/get", params={"run_id": run_id})
            assert reply.status_code == 200 and reply.json()["state"]["life_cycle_state"] == "PENDING"
        assert http.post("/_sim/clock/advance", json={"seconds": 3600}).status_code == 200
        for _ in range(2):  # TERMINATED: the document (as overridden) refuses it, every time
            reply = http.get(f"{API}/runs/get", params={"run_id": run_id})
            assert reply.status_code == 500
            assert reply.json()["error_code"] == "JOBSIM_CONTRACT_VIOLATION"
