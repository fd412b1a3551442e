"""Unknown paths that a vendor owns (`x-jobsim-owns`) get that vendor's 404, with where jobsim serves the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.contract.document import SpecError, load_document
from tests.support import RunningServer


def test_a_served_prefix_needs_no_owned_paths(server: RunningServer) -> None:
    """Jobs API 2.0 is served now (its own document), so the legacy CLI's default call is answered."""
    with server.client() as http:
        answer = http.get("/api/2.0/jobs/list", params={"expand_tasks": "false"})  # the legacy CLI's default call
    assert answer.status_code == 200 and isinstance(answer.json()["has_more"], bool)


@pytest.mark.parametrize("path", ["/rest/2.0/assets", "/rest/jobs/v1/jobz"])
def test_collibra_paths_outside_the_jobs_get_collibra_errors(server: RunningServer, path: str) -> None:
    with server.client() as http:
        answer = http.get(path)
    assert answer.status_code == 404
    body = answer.json()
    assert set(body) == {"statusCode", "errorCode", "titleMessage", "userMessage"}
    assert body["statusCode"] == 404 and body["errorCode"] == "notFound"
    assert "/rest/2.0/jobs" in body["userMessage"] and "/rest/jobs/v1/jobs" in body["userMessage"]


def test_a_path_no_api_owns_keeps_the_generic_shape(server: RunningServer) -> None:
    with server.client() as http:
        answer = http.get("/api/2.2/nothing-here")
    assert answer.status_code == 404
    assert answer.json() == {"error": "not_found", "message": "No API found for 'GET /api/2.2/nothing-here'"}


def test_owned_prefixes_must_be_paths(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: odd, version: '1'}\nx-jobsim-owns: [api]\npaths: {}\n")
    with pytest.raises(SpecError, match="x-jobsim-owns must be a list of paths"):
        load_document(spec, "odd")
