"""DGC with scenario users: 401 for missing or wrong credentials, owner-or-admin cancel by authenticated user."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.collibra import dgc_data as d
from tests.collibra.helpers import CORE, V1, basic, bearer, error_of, scenario
from tests.support import RunningServer

EXTRA = frozenset({"helpMessage"})


@pytest.fixture
def http(dgc_server: RunningServer) -> Iterator[httpx.Client]:
    dgc_server.reset()
    dgc_server.load(d.SCENARIO)
    dgc_server.load(scenario("collibra-dgc/with-users"))
    with dgc_server.client() as client:
        yield client


@pytest.mark.parametrize(
    "headers", [{}, basic("alice", "wrong"), basic("mallory", "x"), bearer("nope")], ids=["none", "pw", "user", "token"]
)
def test_missing_or_wrong_credentials_are_401(http: httpx.Client, headers: dict) -> None:
    for reply in (
        http.get(f"{CORE}/jobs", headers=headers),
        http.get(f"{V1}/jobs/{d.SYNC_HR}", headers=headers),
        http.post(f"{CORE}/jobs/{d.SYNC_HR}/canceled", headers=headers),
        http.delete(f"{V1}/jobs/{d.SYNC_HR}", headers=headers),
    ):
        error_of(reply, 401, "unauthorized", extra_keys=EXTRA)
        assert reply.json()["helpMessage"] == "Send HTTP Basic credentials or a bearer token."


def test_credentials_are_checked_before_the_request(http: httpx.Client) -> None:
    """Without valid credentials a malformed request is 401, not a 400 that tells the caller about the API."""
    for reply in (
        http.get(f"{CORE}/jobs", params={"limit": "-5"}),
        http.get(f"{V1}/jobs/not-a-uuid", headers=basic("alice", "wrong")),
    ):
        error_of(reply, 401, "unauthorized", extra_keys=EXTRA)
    assert http.get(f"{CORE}/jobs", params={"limit": "-5"}, headers=basic("alice", "alice")).status_code == 400


def test_users_act_under_their_own_identity(http: httpx.Client) -> None:
    assert http.get(f"{CORE}/jobs", headers=basic("alice", "alice")).json()["total"] == 7
    error_of(
        http.post(f"{CORE}/jobs/{d.SYNC_HR}/canceled", headers=bearer("dgc-bob-token")),
        403,
        "forbidden",
        extra_keys=EXTRA,
    )
    assert http.post(f"{CORE}/jobs/{d.SYNC_HR}/canceled", headers=basic("alice", "alice")).status_code == 202
    assert http.delete(f"{V1}/jobs/{d.SYNC_CRM}", headers=bearer("dgc-admin-token")).status_code == 204
    assert http.get(f"{V1}/jobs/{d.SYNC_CRM}", headers=basic("bob", "bob")).json()["state"] == "DELETED"
