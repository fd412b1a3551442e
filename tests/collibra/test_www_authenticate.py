"""Every 401 of the three Collibra APIs names the schemes that would get the request in (RFC 9110 section 11.6.1)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.collibra import dgc_data as d
from tests.collibra.helpers import CORE, DQ, V1, basic, bearer, error_of, scenario
from tests.support import RunningServer, running_server

EXTRA = frozenset({"helpMessage"})
DQ_CHALLENGE = 'Basic realm="collibra-dq", Bearer realm="collibra-dq"'
DGC_CHALLENGE = 'Basic realm="collibra-dgc", Bearer realm="collibra-dgc"'
MISSING_RUN = "0b7c2f59-1111-4abc-8def-0123456789ab"
CREDENTIALS = [{}, basic("nobody", "x"), bearer("not-a-known-token"), {"Authorization": "Digest abc"}]
CREDENTIAL_IDS = ["none", "unknown-user", "unknown-token", "other-scheme"]


def challenged(reply: httpx.Response, challenge: str, extra_keys: frozenset[str] = frozenset()) -> None:
    error_of(reply, 401, "unauthorized", extra_keys=extra_keys)
    assert reply.headers.get_list("www-authenticate") == [challenge]


@pytest.mark.parametrize("headers", CREDENTIALS, ids=CREDENTIAL_IDS)
def test_data_quality_401s_offer_basic_and_bearer(dq_server: RunningServer, headers: dict) -> None:
    dq_server.reset()
    dq_server.load(scenario("collibra-dq/with-users"))
    with dq_server.client(headers=headers) as http:
        challenged(http.get(f"{DQ}/jobRuns"), DQ_CHALLENGE)
        challenged(http.post(f"{DQ}/jobs/customer_orders_dq/run"), DQ_CHALLENGE)
        challenged(http.post(f"{DQ}/jobRuns/{MISSING_RUN}/cancel"), DQ_CHALLENGE)


@pytest.mark.parametrize("headers", CREDENTIALS, ids=CREDENTIAL_IDS)
def test_dgc_and_v1_401s_offer_basic_and_bearer(dgc_server: RunningServer, headers: dict) -> None:
    dgc_server.reset()
    dgc_server.load(d.SCENARIO)
    dgc_server.load(scenario("collibra-dgc/with-users"))
    with dgc_server.client(headers=headers) as http:
        challenged(http.get(f"{CORE}/jobs"), DGC_CHALLENGE, EXTRA)
        challenged(http.post(f"{CORE}/jobs/{d.SYNC_HR}/canceled"), DGC_CHALLENGE, EXTRA)
        challenged(http.get(f"{V1}/jobs"), DGC_CHALLENGE, EXTRA)
        challenged(http.delete(f"{V1}/jobs/{d.SYNC_HR}"), DGC_CHALLENGE, EXTRA)


def test_unreadable_credentials_are_challenged_without_users(dq_server: RunningServer) -> None:
    dq_server.reset()
    with dq_server.client(headers={"Authorization": "Basic !!!"}) as http:
        challenged(http.get(f"{DQ}/jobRuns"), DQ_CHALLENGE)


def test_an_injected_401_is_challenged_too(dgc_server: RunningServer) -> None:
    dgc_server.reset()
    dgc_server.load(d.SCENARIO)
    dgc_server.load(scenario("collibra-dgc/auth-expired"))
    with dgc_server.client(headers=basic("Admin")) as http:
        for _ in range(3):
            assert http.get(f"{CORE}/jobs/{d.EXPORT}").status_code == 200
        challenged(http.get(f"{CORE}/jobs/{d.EXPORT}"), DGC_CHALLENGE, EXTRA)


@pytest.fixture(scope="module")
def token_server() -> Iterator[RunningServer]:
    """Both Collibra vendors behind the server-wide bearer token check (`--auth-token server-token`)."""
    with running_server(
        clock_mode="virtual", seed=13, apis=("collibra-dq", "collibra-dgc"), auth_tokens=frozenset({"server-token"})
    ) as running:
        yield running


@pytest.mark.parametrize("headers", [{}, basic("Admin", "admin"), bearer("wrong")], ids=["none", "basic", "wrong"])
def test_the_server_token_check_asks_for_a_bearer_token(token_server: RunningServer, headers: dict) -> None:
    with token_server.client(headers=headers) as http:
        challenged(http.get(f"{DQ}/jobRuns"), 'Bearer realm="collibra-dq"')
        challenged(http.get(f"{CORE}/jobs"), 'Bearer realm="collibra-dgc"')
        challenged(http.get(f"{V1}/jobs"), 'Bearer realm="collibra-dgc"')
    with token_server.client(headers=bearer("server-token")) as http:
        assert http.get(f"{DQ}/jobRuns").status_code == 200
        assert http.get(f"{V1}/jobs").status_code == 200
