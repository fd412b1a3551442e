"""GET /v2/jobs/types: job types from scenario data, CANCELLABLE filter, cursor pages under `jobs`."""

from __future__ import annotations

import httpx

from tests.cdq.helpers import create, error_of
from tests.support import RunningServer

TYPES = "/v2/jobs/types"
DEFAULT_TYPES = [
    "BUSINESS_PARTNER_EXPORT_JOB",
    "BUSINESS_PARTNER_IMPORT_JOB",
    "DATA_CURATION_JOB",
    "DATA_MONITOR_JOB",
    "DATA_VALIDATION_JOB",
    "DUPLICATE_MATCHING_JOB",
]


def all_pages(http: httpx.Client, **params: object) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        body = http.get(TYPES, params={**params, **({"startAfter": cursor} if cursor else {})}).json()
        assert set(body) <= {"jobs", "nextStartAfter"}
        pages.append(body["jobs"])
        cursor = body.get("nextStartAfter")
        if cursor is None:
            return pages


def test_default_types_in_one_page(http: httpx.Client) -> None:
    body = http.get(TYPES).json()
    assert [t["type"] for t in body["jobs"]] == DEFAULT_TYPES and "nextStartAfter" not in body
    curation = body["jobs"][2]
    assert curation["features"] == ["CANCELLABLE"] and curation["description"]


def test_types_page_with_a_cursor(http: httpx.Client) -> None:
    pages = all_pages(http, limit=4)
    assert [len(p) for p in pages] == [4, 2]
    assert [t["type"] for page in pages for t in page] == DEFAULT_TYPES
    assert [len(p) for p in all_pages(http, limit=1)] == [1] * 6


def test_cancellable_filter(http: httpx.Client) -> None:
    found = http.get(TYPES, params={"featureOn": "CANCELLABLE"}).json()["jobs"]
    assert [t["type"] for t in found] == ["BUSINESS_PARTNER_IMPORT_JOB", "DATA_CURATION_JOB"]
    assert all(t["features"] == ["CANCELLABLE"] for t in found)


def test_feature_filter_takes_a_comma_list(http: httpx.Client) -> None:
    repeated = http.get(TYPES, params={"featureOn": ["CANCELLABLE", "CANCELLABLE"]}).json()["jobs"]
    assert http.get(TYPES, params={"featureOn": "CANCELLABLE,CANCELLABLE"}).json()["jobs"] == repeated
    assert [t["type"] for t in repeated] == ["BUSINESS_PARTNER_IMPORT_JOB", "DATA_CURATION_JOB"]
    error_of(http.get(TYPES, params={"featureOn": "CANCELLABLE,FAST"}), 400, "featureOn[1]", "FAST")


def test_scenario_adds_types_with_defaults(sim: RunningServer, http: httpx.Client) -> None:
    sim.load("jobsim: 1\nname: more-types\napi: cdq\ndata:\n  jobTypes:\n    - {type: ADDRESS_CLEANSING_JOB}\n")
    added = http.get(TYPES, params={"limit": 1})
    assert added.status_code == 200 and added.json()["jobs"][0]["type"] == "ADDRESS_CLEANSING_JOB"
    assert added.json()["jobs"][0]["features"] == [] and "description" not in added.json()["jobs"][0]
    assert len([t for page in all_pages(http) for t in page]) == 7
    job = create(http, type="ADDRESS_CLEANSING_JOB")
    assert job["domain"] == "address-cleansing" and "dockerImageUrl" not in job


def test_types_errors_name_the_parameter(http: httpx.Client) -> None:
    error_of(http.get(TYPES, params={"startAfter": "5712566172571652"}), 400, "startAfter")
    error_of(http.get(TYPES, params={"featureOn": "FAST"}), 400, "featureOn")
    error_of(http.get(TYPES, params={"limit": 101}), 400, "limit")
    error_of(http.get(TYPES, params={"limit": 0}), 400, "limit")
