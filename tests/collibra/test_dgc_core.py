"""DGC Core 2.0 jobs over HTTP: findJobs filters, sort, paging and countLimit; getJob; the asynchronous cancel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest

from tests.collibra import dgc_data as d
from tests.collibra.helpers import CORE, DEPRECATED, V1, basic, error_of
from tests.support import RunningServer

EXTRA = frozenset({"helpMessage"})


@pytest.fixture
def http(dgc_server: RunningServer) -> Iterator[httpx.Client]:
    dgc_server.reset()
    dgc_server.load(d.SCENARIO)
    with dgc_server.client(headers=basic("Admin")) as client:
        yield client


def find(http: httpx.Client, **params: object) -> dict:
    reply = http.get(f"{CORE}/jobs", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def ids(page: dict) -> list[str]:
    return [job["id"] for job in page["results"]]


def job(http: httpx.Client, job_id: str) -> dict:
    reply = http.get(f"{CORE}/jobs/{job_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_default_listing_is_newest_first_with_exact_total(http: httpx.Client) -> None:
    page = find(http)
    assert (page["total"], page["offset"], page["limit"]) == (7, 0, 0)
    assert ids(page) == [d.SYNC_CRM, d.SYNC_HR, d.FOR_BOB, d.EXPORT, d.IMPORT_GLOSSARY, d.IMPORT_CSV, d.REINDEX]
    created = [j["createdOn"] for j in page["results"]]
    assert created == sorted(created, reverse=True)


def test_jobs_carry_state_result_and_epoch_ms_times(http: httpx.Client) -> None:
    done = job(http, d.IMPORT_CSV)
    assert (done["state"], done["result"], done["progressPercentage"]) == ("COMPLETED", "SUCCESS", 100)
    assert done["endDate"] - done["startDate"] == 10_000
    assert done["startDate"] - done["createdOn"] == 1_000
    assert done["message"] == "All good." and done["resourceType"] == "Job"
    failed = job(http, d.EXPORT)
    assert (failed["state"], failed["result"], failed["progressPercentage"]) == ("ERROR", "FAILURE", 40)
    waiting = job(http, d.SYNC_HR)
    assert (waiting["state"], waiting["result"]) == ("WAITING", "NOT_SET")
    assert "startDate" not in waiting and "endDate" not in waiting and "message" not in waiting
    assert job(http, d.IMPORT_GLOSSARY)["result"] == "COMPLETED_WITH_ERROR"


def test_progress_moves_while_running(http: httpx.Client, dgc_server: RunningServer) -> None:
    assert job(http, d.SYNC_CRM)["state"] == "WAITING"
    dgc_server.advance(1)
    first = job(http, d.SYNC_CRM)
    assert (first["state"], first["progressPercentage"]) == ("RUNNING", 0)
    dgc_server.advance(25)
    assert job(http, d.SYNC_CRM)["progressPercentage"] == 25
    dgc_server.advance(50)
    assert job(http, d.SYNC_CRM)["progressPercentage"] == 75
    dgc_server.advance(25)
    final = job(http, d.SYNC_CRM)
    assert (final["state"], final["result"], final["progressPercentage"]) == ("COMPLETED", "SUCCESS", 100)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "import", "nameMatchMode": "START"}, {d.IMPORT_CSV, d.IMPORT_GLOSSARY}),
        ({"name": "GLOSSARY", "nameMatchMode": "END"}, {d.IMPORT_GLOSSARY, d.EXPORT}),
        ({"name": "sync"}, {d.SYNC_CRM, d.SYNC_HR}),
        ({"name": "Sync HR", "nameMatchMode": "EXACT"}, {d.SYNC_HR}),
        ({"name": "sync hr", "nameMatchMode": "EXACT"}, set()),
        ({"name": ""}, set(d.VISIBLE)),
        ({"states": ["COMPLETED", "ERROR"]}, {d.IMPORT_CSV, d.IMPORT_GLOSSARY, d.EXPORT, d.FOR_BOB}),
        ({"states": "WAITING"}, {d.SYNC_CRM, d.SYNC_HR}),
        ({"results": ["SUCCESS", "FAILURE"]}, {d.IMPORT_CSV, d.EXPORT, d.FOR_BOB}),
        ({"results": "NOT_SET"}, {d.SYNC_CRM, d.SYNC_HR, d.REINDEX}),
        ({"types": ["IMPORT", "EXPORT"]}, {d.IMPORT_CSV, d.IMPORT_GLOSSARY, d.EXPORT}),
        ({"types": "import"}, set()),
        ({"visible": "false"}, {d.REINDEX}),
        ({"visible": "true"}, set(d.VISIBLE) - {d.REINDEX}),
        ({"types": "IMPORT", "states": "COMPLETED", "results": "SUCCESS"}, {d.IMPORT_CSV}),
    ],
)
def test_filters(http: httpx.Client, params: dict, expected: set[str]) -> None:
    page = find(http, **params)
    assert set(ids(page)) == expected
    assert page["total"] == len(expected)


def test_created_by_filter(http: httpx.Client) -> None:
    admin = job(http, d.REINDEX)["createdBy"]
    page = find(http, createdBy=admin)
    assert set(ids(page)) == {d.REINDEX, d.FOR_BOB}
    for_bob = job(http, d.FOR_BOB)
    assert for_bob["createdBy"] == admin != for_bob["userId"] == job(http, d.SYNC_CRM)["userId"]


SORTS = {
    "NAME": ("name", str.casefold),
    "TYPE": ("type", str.casefold),
    "CREATED_ON": ("createdOn", None),
    "CREATED_BY": ("createdBy", None),
    "START_DATE": ("startDate", None),
    "END_DATE": ("endDate", None),
    "STATE": ("state", None),
    "RESULT": ("result", None),
}


@pytest.mark.parametrize("order", ["ASC", "DESC"])
@pytest.mark.parametrize("field", list(SORTS))
def test_sort(http: httpx.Client, field: str, order: str) -> None:
    key, fold = SORTS[field]
    results = find(http, sortField=field, sortOrder=order)["results"]
    assert len(results) == 7
    values = [j.get(key) for j in results]
    present = [fold(v) if fold else v for v in values if v is not None]
    assert present == sorted(present, reverse=order == "DESC")
    missing = values.index(None) if None in values else len(values)
    assert all(v is None for v in values[missing:]), "jobs without the value come last"


def test_sort_by_start_date_puts_never_started_jobs_last(http: httpx.Client) -> None:
    for order in ("ASC", "DESC"):
        assert ids(find(http, sortField="START_DATE", sortOrder=order))[-2:] == [d.SYNC_CRM, d.SYNC_HR]
    assert ids(find(http, sortField="NAME", sortOrder="ASC"))[:2] == [d.EXPORT, d.IMPORT_CSV]


def test_paging(http: httpx.Client) -> None:
    everything = ids(find(http))
    pages = [find(http, offset=offset, limit=3) for offset in (0, 3, 6)]
    assert [p["limit"] for p in pages] == [3, 3, 3] and [p["offset"] for p in pages] == [0, 3, 6]
    assert [job_id for p in pages for job_id in ids(p)] == everything
    assert find(http, offset=50)["results"] == []
    assert find(http, offset=50)["total"] == 7


@pytest.mark.parametrize(("count", "total"), [(-1, 7), (0, 0), (3, 3), (100, 7)])
def test_count_limit(http: httpx.Client, count: int, total: int) -> None:
    page = find(http, countLimit=count)
    assert page["total"] == total
    assert len(page["results"]) == 7


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": 1001}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"countLimit": -2}, "countLimit"),
        ({"states": "DONE"}, "states"),
        ({"sortField": "ID"}, "sortField"),
        ({"createdBy": "alice"}, "createdBy"),
    ],
)
def test_bad_parameters_are_400(http: httpx.Client, params: dict, name: str) -> None:
    reply = http.get(f"{CORE}/jobs", params=params)
    assert name in error_of(reply, 400, "invalidRequest", extra_keys=EXTRA)
    assert reply.headers["deprecation"] == DEPRECATED


def test_deprecation_hints(http: httpx.Client) -> None:
    listing = http.get(f"{CORE}/jobs")
    assert listing.headers["deprecation"] == DEPRECATED
    assert listing.headers["sunset"] == "Mon, 01 Jun 2026 00:00:00 GMT"
    assert listing.headers["link"] == '</rest/jobs/v1/jobs>; rel="successor-version"'
    single = http.get(f"{CORE}/jobs/{d.IMPORT_CSV}")
    assert single.headers["link"] == f'</rest/jobs/v1/jobs/{d.IMPORT_CSV}>; rel="successor-version"'
    missing = http.get(f"{CORE}/jobs/{d.LATE}")
    error_of(missing, 404, "jobNotFound", extra_keys=EXTRA)
    assert missing.headers["deprecation"] == DEPRECATED


def successor(path: str) -> str:
    return f'<{path}>; rel="successor-version"'


def test_deprecation_is_an_rfc_9745_date_before_the_sunset(http: httpx.Client) -> None:
    headers = http.get(f"{CORE}/jobs").headers
    assert re.fullmatch(r"@[0-9]+", headers["deprecation"])  # RFC 9745: a structured date, not `true`
    deprecated = datetime.fromtimestamp(int(headers["deprecation"][1:]), UTC)
    assert deprecated == datetime(2025, 6, 1, tzinfo=UTC) < parsedate_to_datetime(headers["sunset"])


def test_links_keep_the_session_prefix(dgc_server: RunningServer) -> None:
    prefix = "/s/dgc-links"
    with httpx.Client(base_url=f"{dgc_server.url}{prefix}", headers=basic("Admin")) as client:
        client.post("/_sim/reset").raise_for_status()
        client.post(
            "/_sim/scenarios", content=d.SCENARIO, headers={"Content-Type": "application/yaml"}
        ).raise_for_status()
        assert client.get(f"{CORE}/jobs").headers["link"] == successor(f"{prefix}{V1}/jobs")
        assert client.get(f"{CORE}/jobs/{d.EXPORT}").headers["link"] == successor(f"{prefix}{V1}/jobs/{d.EXPORT}")
        assert client.get(f"{CORE}/jobs/{d.LATE}").headers["link"] == successor(f"{prefix}{V1}/jobs")
        refused = client.post(f"{CORE}/jobs/{d.REINDEX}/canceled")
        assert refused.headers["link"] == successor(f"{prefix}{V1}/jobs/{d.REINDEX}")
        accepted = client.post(f"{CORE}/jobs/{d.SYNC_HR}/canceled")
        assert accepted.status_code == 202
        assert accepted.headers["link"] == successor(f"{prefix}{V1}/jobs/{d.SYNC_HR}")


def test_a_job_appears_after_its_delay(http: httpx.Client, dgc_server: RunningServer) -> None:
    assert d.LATE not in ids(find(http))
    assert d.LATE in error_of(http.get(f"{CORE}/jobs/{d.LATE}"), 404, "jobNotFound", extra_keys=EXTRA)
    dgc_server.advance(30)
    late = job(http, d.LATE)
    assert ids(find(http))[0] == d.LATE
    assert late["createdOn"] - job(http, d.SYNC_CRM)["createdOn"] == 30_000
    dgc_server.advance(2)
    assert job(http, d.LATE)["state"] == "COMPLETED"


# --- cancel ---------------------------------------------------------------------------------------------------
def cancel(http: httpx.Client, job_id: str, user: str = "Admin", **body: object) -> httpx.Response:
    return http.post(f"{CORE}/jobs/{job_id}/canceled", json=body or None, headers=basic(user))


def test_cancel_is_asynchronous(http: httpx.Client, dgc_server: RunningServer) -> None:
    dgc_server.advance(31)
    reply = cancel(http, d.SYNC_CRM, "bob", message="No longer needed")
    assert reply.status_code == 202 and reply.content == b""
    assert reply.headers["link"] == f'</rest/jobs/v1/jobs/{d.SYNC_CRM}>; rel="successor-version"'
    canceling = job(http, d.SYNC_CRM)
    assert (canceling["state"], canceling["result"], canceling["progressPercentage"]) == ("CANCELING", "NOT_SET", 30)
    assert canceling["message"] == "No longer needed"
    assert canceling["lastModifiedBy"] == canceling["userId"]
    assert "endDate" not in canceling
    assert set(ids(find(http, states="CANCELING"))) == {d.SYNC_CRM}
    dgc_server.advance(0.3)
    done = job(http, d.SYNC_CRM)
    assert (done["state"], done["result"], done["progressPercentage"]) == ("CANCELED", "ABORTED", 30)
    assert done["endDate"] == canceling["lastModifiedOn"] + 300
    assert cancel(http, d.SYNC_CRM, "bob").status_code == 202


def test_cancel_of_a_waiting_job_ends_it_at_once(http: httpx.Client) -> None:
    assert cancel(http, d.SYNC_HR, "alice").status_code == 202
    canceled = job(http, d.SYNC_HR)
    assert (canceled["state"], canceled["result"]) == ("CANCELED", "ABORTED")
    assert "startDate" not in canceled and "endDate" in canceled


def test_cancel_refused_for_a_non_cancelable_job(http: httpx.Client) -> None:
    message = error_of(cancel(http, d.REINDEX), 400, "jobNotCancelable", extra_keys=EXTRA)
    assert d.REINDEX in message
    assert job(http, d.REINDEX)["state"] == "RUNNING"


def test_cancel_refused_for_an_ended_job(http: httpx.Client) -> None:
    assert "COMPLETED" in error_of(cancel(http, d.IMPORT_CSV), 400, "jobNotCancelable", extra_keys=EXTRA)
    assert job(http, d.IMPORT_CSV)["state"] == "COMPLETED"


def test_cancel_refused_for_another_users_job(http: httpx.Client) -> None:
    message = error_of(cancel(http, d.SYNC_HR, "bob"), 403, "forbidden", extra_keys=EXTRA)
    assert "bob" in message
    assert job(http, d.SYNC_HR)["state"] == "WAITING"
    assert cancel(http, d.SYNC_HR, "Admin").status_code == 202
    assert job(http, d.SYNC_HR)["state"] == "CANCELED"


def test_cancel_of_unknown_or_malformed_ids(http: httpx.Client) -> None:
    error_of(cancel(http, "00000000-0000-4000-8000-00000000ffff"), 404, "jobNotFound", extra_keys=EXTRA)
    assert "jobId" in error_of(cancel(http, "job-1"), 400, "invalidRequest", extra_keys=EXTRA)
    reply = http.post(f"{CORE}/jobs/{d.SYNC_HR}/canceled", json=["stop"])
    error_of(reply, 400, "invalidRequest", extra_keys=EXTRA)


def test_refusals_of_a_job_that_exists_link_to_the_job(http: httpx.Client) -> None:
    for reply, status, code, job_id in (
        (cancel(http, d.SYNC_HR, "bob"), 403, "forbidden", d.SYNC_HR),
        (cancel(http, d.REINDEX), 400, "jobNotCancelable", d.REINDEX),
        (cancel(http, d.IMPORT_CSV), 400, "jobNotCancelable", d.IMPORT_CSV),
    ):
        error_of(reply, status, code, extra_keys=EXTRA)
        assert reply.headers["link"] == successor(f"{V1}/jobs/{job_id}")
        assert (reply.headers["deprecation"], reply.headers["sunset"]) == (DEPRECATED, "Mon, 01 Jun 2026 00:00:00 GMT")
    for reply, status, code in ((cancel(http, d.LATE), 404, "jobNotFound"), (cancel(http, "x"), 400, "invalidRequest")):
        error_of(reply, status, code, extra_keys=EXTRA)  # no such job yet; not a job id
        assert reply.headers["link"] == successor(f"{V1}/jobs")
