"""Jobs API v1 over the same jobs as /rest/2.0: cursor list, get, and DELETE (cancel + soft delete)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from tests.collibra import dgc_data as d
from tests.collibra.helpers import CORE, V1, basic, error_of
from tests.support import RunningServer

EXTRA = frozenset({"helpMessage"})


@pytest.fixture
def http(dgc_server: RunningServer) -> Iterator[httpx.Client]:
    dgc_server.reset()
    dgc_server.load(d.SCENARIO)
    with dgc_server.client(headers=basic("Admin")) as client:
        yield client


def v1(http: httpx.Client, job_id: str) -> dict:
    reply = http.get(f"{V1}/jobs/{job_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()


def core(http: httpx.Client, job_id: str) -> dict:
    return http.get(f"{CORE}/jobs/{job_id}").json()


def listing(http: httpx.Client, **params: object) -> list[dict]:
    """Every job of a v1 listing, following nextCursor."""
    jobs: list[dict] = []
    cursor = None
    for _ in range(50):
        reply = http.get(f"{V1}/jobs", params={**params, **({"cursor": cursor} if cursor else {})})
        assert reply.status_code == 200, reply.text
        page = reply.json()
        jobs.extend(page["results"])
        cursor = page.get("nextCursor")
        if cursor is None:
            return jobs
        assert cursor
    raise AssertionError("the cursor never ended")


def delete(http: httpx.Client, job_id: str, user: str = "Admin", **kwargs: object) -> httpx.Response:
    return http.request("DELETE", f"{V1}/jobs/{job_id}", headers=basic(user), **kwargs)


def epoch_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_the_v1_list_is_the_same_jobs_as_core(http: httpx.Client) -> None:
    first = http.get(f"{V1}/jobs", params={"pageSize": 3}).json()
    assert len(first["results"]) == 3 and first["nextCursor"]
    everything = listing(http, pageSize=3)
    assert [j["id"] for j in everything] == [j["id"] for j in http.get(f"{CORE}/jobs").json()["results"]]
    assert len(listing(http)) == 7


def test_one_job_in_both_shapes(http: httpx.Client) -> None:
    old, new = core(http, d.EXPORT), v1(http, d.EXPORT)
    assert new["id"] == old["id"] and new["user"] == old["userId"] and new["createdBy"] == old["createdBy"]
    assert (new["state"], new["result"], new["progressPercentage"]) == ("FAILED", "FAILURE", 40)
    assert epoch_ms(new["createdOn"]) == old["createdOn"] // 1000 * 1000
    assert epoch_ms(new["endDate"]) == old["endDate"] // 1000 * 1000
    assert new["createdOn"].endswith("Z") and new["selfManaged"] is False
    assert "resourceType" not in new and "cancelable" not in new


def test_v1_filters_and_sort(http: httpx.Client) -> None:
    assert {j["id"] for j in listing(http, state="FAILED")} == {d.EXPORT}
    assert {j["id"] for j in listing(http, state=["WAITING", "RUNNING"])} == {d.SYNC_CRM, d.SYNC_HR, d.REINDEX}
    assert {j["id"] for j in listing(http, type="IMPORT", result="SUCCESS")} == {d.IMPORT_CSV}
    assert {j["id"] for j in listing(http, name="glossary", nameMatchMode="END")} == {d.IMPORT_GLOSSARY, d.EXPORT}
    admin = core(http, d.REINDEX)["createdBy"]
    assert {j["id"] for j in listing(http, user=admin)} == {d.REINDEX, d.FOR_BOB}
    names = [j["name"].casefold() for j in listing(http, sortField="NAME", sortOrder="ASC")]
    assert names == sorted(names)
    oldest_first = [j["id"] for j in listing(http, sortOrder="ASC")]
    assert oldest_first == [j["id"] for j in reversed(listing(http))]


def test_delete_of_a_running_job_stops_it_and_soft_deletes_it(http: httpx.Client, dgc_server: RunningServer) -> None:
    dgc_server.advance(11)
    reply = delete(http, d.SYNC_CRM, "bob", params={"message": "Stopped from v1"})
    assert reply.status_code == 204 and reply.content == b""
    deleted = v1(http, d.SYNC_CRM)
    assert (deleted["state"], deleted["message"], deleted["progressPercentage"]) == ("DELETED", "Stopped from v1", 10)
    assert core(http, d.SYNC_CRM)["state"] == "CANCELING"
    dgc_server.advance(0.3)
    assert (core(http, d.SYNC_CRM)["state"], core(http, d.SYNC_CRM)["result"]) == ("CANCELED", "ABORTED")
    assert v1(http, d.SYNC_CRM)["state"] == "DELETED"
    assert {j["id"] for j in listing(http, state="DELETED")} == {d.SYNC_CRM}
    assert delete(http, d.SYNC_CRM, "bob").status_code == 204


def test_delete_of_an_ended_job_keeps_its_core_state(http: httpx.Client) -> None:
    assert delete(http, d.IMPORT_CSV, "alice").status_code == 204
    assert v1(http, d.IMPORT_CSV)["state"] == "DELETED"
    assert v1(http, d.IMPORT_CSV)["message"] == "Deleted by user"
    assert (core(http, d.IMPORT_CSV)["state"], core(http, d.IMPORT_CSV)["result"]) == ("COMPLETED", "SUCCESS")


def test_delete_message_from_the_deprecated_body(http: httpx.Client) -> None:
    assert delete(http, d.SYNC_HR, "alice", json={"message": "From the body"}).status_code == 204
    assert v1(http, d.SYNC_HR)["message"] == "From the body"
    assert core(http, d.SYNC_HR)["state"] == "CANCELED"


def test_delete_refusals(http: httpx.Client) -> None:
    error_of(delete(http, d.SYNC_HR, "bob"), 403, "forbidden", extra_keys=EXTRA)
    error_of(delete(http, d.REINDEX), 400, "jobNotCancelable", extra_keys=EXTRA)
    error_of(delete(http, "00000000-0000-4000-8000-00000000ffff"), 404, "jobNotFound", extra_keys=EXTRA)
    assert "message" in error_of(
        delete(http, d.SYNC_HR, "alice", params={"message": "x" * 129}), 400, "invalidRequest", extra_keys=EXTRA
    )
    assert v1(http, d.SYNC_HR)["state"] == "WAITING"
    assert v1(http, d.REINDEX)["state"] == "RUNNING"


def test_v1_paging_errors(http: httpx.Client) -> None:
    assert "cursor" in error_of(
        http.get(f"{V1}/jobs", params={"cursor": "%%%"}), 400, "invalidRequest", extra_keys=EXTRA
    )
    assert "pageSize" in error_of(
        http.get(f"{V1}/jobs", params={"pageSize": 51}), 400, "invalidRequest", extra_keys=EXTRA
    )
    assert "sortField" in error_of(
        http.get(f"{V1}/jobs", params={"sortField": "CREATED_ON"}), 400, "invalidRequest", extra_keys=EXTRA
    )
    error_of(http.get(f"{V1}/jobs/{d.LATE}"), 404, "jobNotFound", extra_keys=EXTRA)
    assert "deprecation" not in http.get(f"{V1}/jobs").headers


# --- cursor: a keyset bound to its listing ---------------------------------------------------------------------
# The wording tests/contract/test_schemathesis.py accepts as "a cursor this server never issued".
NOT_ISSUED = re.compile(
    r"^Invalid value for parameter 'cursor': .* "
    r"(is not a (token|cursor) this server issued|was not issued by this server)\.$"
)


def page(http: httpx.Client, **params: object) -> dict:
    reply = http.get(f"{V1}/jobs", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def not_issued(reply: httpx.Response) -> None:
    assert NOT_ISSUED.match(error_of(reply, 400, "invalidRequest", extra_keys=EXTRA)), reply.text


@pytest.mark.parametrize("order", ["DESC", "ASC"])
def test_paging_while_a_job_appears_shows_each_job_once(
    http: httpx.Client, dgc_server: RunningServer, order: str
) -> None:
    before = [j["id"] for j in page(http, pageSize=50, sortOrder=order)["results"]]
    first = page(http, pageSize=2, sortOrder=order)
    dgc_server.advance(31)  # the scenario's late job is created now: first in DESC, last in ASC
    rest = listing(http, pageSize=2, sortOrder=order, cursor=first["nextCursor"])
    seen = [j["id"] for j in first["results"] + rest]
    assert seen == ([*before, d.LATE] if order == "ASC" else before)


@pytest.mark.parametrize("field", [None, "NAME", "TYPE", "START_DATE", "END_DATE", "STATE", "RESULT"])
@pytest.mark.parametrize("order", ["DESC", "ASC"])
def test_pages_of_two_are_the_one_big_page(http: httpx.Client, field: str | None, order: str) -> None:
    sort = {"sortOrder": order, **({"sortField": field} if field else {})}
    whole = [j["id"] for j in page(http, pageSize=50, **sort)["results"]]
    assert [j["id"] for j in listing(http, pageSize=2, **sort)] == whole
    cursor = page(http, pageSize=2, **sort)["nextCursor"]
    assert [j["id"] for j in page(http, pageSize=50, cursor=cursor, **sort)["results"]] == whole[2:]  # size may change


def test_a_cursor_jobsim_did_not_issue_is_400(http: httpx.Client) -> None:
    issued = page(http, pageSize=2)["nextCursor"]
    body, _, signature = issued.partition(".")
    handmade = base64.urlsafe_b64encode(b"o:3").decode().rstrip("=")
    for cursor in (handmade, body, f"{body}.AAAAAAAAAAAAAAAA", f"{body[:-2]}xx.{signature}", "%%%"):
        not_issued(http.get(f"{V1}/jobs", params={"pageSize": 2, "cursor": cursor}))


@pytest.mark.parametrize(
    "other",
    [{"sortOrder": "ASC"}, {"sortField": "NAME"}, {"state": "RUNNING"}, {"name": "sync"}, {"type": "IMPORT"}],
)
def test_a_cursor_used_with_another_query_is_400(http: httpx.Client, other: dict) -> None:
    cursor = page(http, pageSize=2)["nextCursor"]
    message = error_of(
        http.get(f"{V1}/jobs", params={"pageSize": 2, "cursor": cursor, **other}),
        400,
        "invalidRequest",
        extra_keys=EXTRA,
    )
    assert NOT_ISSUED.match(message) and "filters and sort order" in message


def test_a_cursor_belongs_to_its_session(http: httpx.Client, dgc_server: RunningServer) -> None:
    cursor = page(http, pageSize=2)["nextCursor"]
    httpx.post(
        f"{dgc_server.url}/s/v1-cursor/_sim/scenarios", content=d.SCENARIO, headers={"Content-Type": "application/yaml"}
    ).raise_for_status()
    not_issued(http.get(f"/s/v1-cursor{V1}/jobs", params={"pageSize": 2, "cursor": cursor}))
    assert http.get(f"{V1}/jobs", params={"pageSize": 2, "cursor": cursor}).status_code == 200
