"""GET /v2/jobs: every filter, both tag modes, both sort orders, totals and a cursor stable under inserts."""

from __future__ import annotations

import httpx
import pytest

from tests.cdq.helpers import JOBS, create, error_of, when
from tests.support import RunningServer

SAMPLE_IDS = {
    "35f23c03-1c22-45fe-9484-3ffe769325de",
    "6b1f0a8e-2d4c-4e7a-9f3b-8c5d2e1a0b47",
    "9c2e4d6f-8a1b-4c3d-8e5f-7a9b0c1d2e3f",
}


def ids(http: httpx.Client, **params: object) -> list[str]:
    reply = http.get(JOBS, params={"limit": 100, **params})
    assert reply.status_code == 200, reply.text
    assert "nextStartAfter" not in reply.json()
    return [job["id"] for job in reply.json()["jobs"]]


@pytest.fixture
def mixed(sim: RunningServer, http: httpx.Client) -> dict[str, str]:
    """Five jobs with different types, storages and tags; two of them finished, three just created."""
    made = {
        "curate-a": create(http, storageId="A", tags=["red", "blue"])["id"],
        "validate-a": create(http, type="DUPLICATE_MATCHING_JOB", storageId="A", tags=["red"])["id"],
    }
    sim.advance(2)
    made["curate-b"] = create(http, storageId="B", tags=["blue"])["id"]
    made["import-b"] = create(http, type="DATA_MONITOR_JOB", storageId="B", tags=["green"])["id"]
    made["export"] = create(http, type="BUSINESS_PARTNER_EXPORT_JOB", jobDependencies=[{"jobId": made["curate-a"]}])[
        "id"
    ]
    return made


def test_default_lists_every_job_of_the_organization_oldest_first(http: httpx.Client, mixed: dict) -> None:
    reply = http.get(JOBS)
    body = reply.json()
    assert reply.status_code == 200 and "total" not in body and "nextStartAfter" not in body
    listed = [job["id"] for job in body["jobs"]]
    assert set(listed) == SAMPLE_IDS | set(mixed.values())
    created = [when(job["createdAt"]) for job in body["jobs"]]
    assert created == sorted(created)


def test_sort_descending_and_ascending(http: httpx.Client, mixed: dict) -> None:
    ascending = ids(http, sort="createdAt")
    assert ids(http, sort="+createdAt") == ascending == ids(http)
    assert ids(http, sort="-createdAt") == list(reversed(ascending))
    assert ascending.index(mixed["curate-a"]) < ascending.index(mixed["validate-a"]) < ascending.index(mixed["export"])


def test_filter_by_storage_type_and_status(http: httpx.Client, mixed: dict) -> None:
    assert set(ids(http, storageId="A")) == {mixed["curate-a"], mixed["validate-a"]}
    assert ids(http, jobType="DUPLICATE_MATCHING_JOB") == [mixed["validate-a"]]
    both = ids(http, jobType=["DATA_MONITOR_JOB", "BUSINESS_PARTNER_EXPORT_JOB"])
    assert set(both) == {mixed["import-b"], mixed["export"]}
    assert set(ids(http, storageId="B", jobType="DATA_CURATION_JOB")) == {mixed["curate-b"]}
    finished = set(ids(http, jobStatus="FINISHED"))
    assert {mixed["curate-a"], mixed["validate-a"]} <= finished and mixed["curate-b"] not in finished
    created = set(ids(http, jobStatus=["CREATED", "RUNNING"]))
    assert {mixed["curate-b"], mixed["import-b"], mixed["export"]} <= created
    assert ids(http, jobStatus="DIED") == []


def test_a_comma_list_means_the_same_as_repeated_keys(http: httpx.Client, mixed: dict) -> None:
    # The Jobs Management API v2 documentation's own example for jobType: one value, the items separated by a
    # comma and a space.
    seed_example = ids(http, jobType="DATA_CURATION_JOB, DATA_VALIDATION_JOB")
    assert seed_example == ids(http, jobType=["DATA_CURATION_JOB", "DATA_VALIDATION_JOB"])
    assert {mixed["curate-a"], mixed["curate-b"]} < set(seed_example)
    assert ids(http, jobType="DATA_CURATION_JOB,DATA_VALIDATION_JOB") == seed_example
    statuses = ids(http, jobStatus="CREATED,FINISHED")
    assert statuses == ids(http, jobStatus=["CREATED", "FINISHED"])
    assert set(statuses) == set(ids(http, jobStatus="CREATED")) | set(ids(http, jobStatus="FINISHED"))
    assert set(ids(http, tag="red, blue")) == {mixed["curate-a"], mixed["validate-a"], mixed["curate-b"]}
    both = http.get(JOBS, params={"tag": "red,blue", "featuresOn": "TAGS_CONJUNCTION,NUMBER_OF_TOTAL"}).json()
    assert [job["id"] for job in both["jobs"]] == [mixed["curate-a"]] and both["total"] == 1


def test_spaces_in_a_comma_list_of_enum_values_are_ignored(http: httpx.Client, mixed: dict) -> None:
    assert ids(http, jobStatus="CREATED, FINISHED") == ids(http, jobStatus=["CREATED", "FINISHED"])
    assert http.get(JOBS, params={"featuresOn": "TAGS_CONJUNCTION, NUMBER_OF_TOTAL"}).json()["total"] == 8


def test_sort_accepts_a_comma_list_and_its_first_key_decides(http: httpx.Client, mixed: dict) -> None:
    ascending = ids(http)
    assert ids(http, sort="-createdAt,createdAt") == list(reversed(ascending))
    assert ids(http, sort="-createdAt, +createdAt,-createdAt") == list(reversed(ascending))
    assert ids(http, sort="createdAt,-createdAt") == ids(http, sort="+createdAt,createdAt") == ascending
    for bad in ("createdAt,name", "createdAt,", ",createdAt", "createdAt,,createdAt", "createdAt;-createdAt"):
        error_of(http.get(JOBS, params={"sort": bad}), 400, "sort")


def test_filter_by_user(http: httpx.Client, mixed: dict) -> None:
    assert set(ids(http, user="jobsim-user")) == SAMPLE_IDS | set(mixed.values())
    assert ids(http, user="somebody-else") == []


def test_tags_or_by_default_and_with_both_conjunction_switches(http: httpx.Client, mixed: dict) -> None:
    assert set(ids(http, tag=["red", "blue"])) == {mixed["curate-a"], mixed["validate-a"], mixed["curate-b"]}
    assert ids(http, tag=["red", "blue"], tagsConjunction="true") == [mixed["curate-a"]]
    assert ids(http, tag=["red", "blue"], featuresOn="TAGS_CONJUNCTION") == [mixed["curate-a"]]
    assert set(ids(http, tag=["red", "blue"], tagsConjunction="false")) == set(ids(http, tag=["red", "blue"]))
    assert ids(http, tag="green") == [mixed["import-b"]]


def test_dependent_job_id_needs_storage_and_type(http: httpx.Client, mixed: dict) -> None:
    parent = mixed["curate-a"]
    empty = {"dependentJobId": parent, "storageId": "", "jobType": "BUSINESS_PARTNER_EXPORT_JOB"}
    error_of(http.get(JOBS, params=empty), 400, "storageId")
    error_of(http.get(JOBS, params={"dependentJobId": parent}), 400, "storageId")
    error_of(http.get(JOBS, params={"dependentJobId": parent, "storageId": "A"}), 400, "jobType")
    error_of(http.get(JOBS, params={"dependentJobId": parent, "jobType": "DATA_CURATION_JOB"}), 400, "storageId")
    blank_type = {"dependentJobId": parent, "storageId": "A", "jobType": " "}
    error_of(http.get(JOBS, params=blank_type), 400, "jobType")


def test_dependent_job_id_finds_the_jobs_that_wait_for_it(http: httpx.Client, mixed: dict) -> None:
    parent = mixed["curate-a"]
    child = create(http, storageId="A", jobDependencies=[{"jobId": parent}])["id"]
    assert ids(http, dependentJobId=parent, storageId="A", jobType="DATA_CURATION_JOB") == [child]
    assert ids(http, dependentJobId=parent, storageId="B", jobType="DATA_CURATION_JOB") == []
    assert ids(http, dependentJobId=parent, storageId="A", jobType="DUPLICATE_MATCHING_JOB") == []


def test_total_only_with_number_of_total(http: httpx.Client, mixed: dict) -> None:
    first = http.get(JOBS, params={"limit": 2, "tag": ["red", "blue", "green"], "featuresOn": "NUMBER_OF_TOTAL"})
    body = first.json()
    assert body["total"] == 4 and isinstance(body["total"], int) and len(body["jobs"]) == 2
    second = http.get(
        JOBS,
        params={
            "limit": 2,
            "tag": ["red", "blue", "green"],
            "featuresOn": "NUMBER_OF_TOTAL",
            "startAfter": body["nextStartAfter"],
        },
    ).json()
    assert second["total"] == 4 and "nextStartAfter" not in second
    assert "total" not in http.get(JOBS, params={"limit": 2}).json()


def test_limit_defaults_to_50_and_is_bounded(sim: RunningServer, http: httpx.Client) -> None:
    for _ in range(52):
        create(http, tags=["bulk"])
    page = http.get(JOBS, params={"tag": "bulk"}).json()
    assert len(page["jobs"]) == 50 and "nextStartAfter" in page
    error_of(http.get(JOBS, params={"limit": 0}), 400, "limit")
    error_of(http.get(JOBS, params={"limit": 101}), 400, "limit")
    assert len(http.get(JOBS, params={"limit": 100}).json()["jobs"]) == 55


def page_through(http: httpx.Client, params: dict, between: object = None) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(500):
        query = {**params, **({"startAfter": cursor} if cursor else {})}
        reply = http.get(JOBS, params=query)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        seen.extend(job["id"] for job in body["jobs"])
        cursor = body.get("nextStartAfter")
        if cursor is None:
            return seen
        assert cursor.isdigit()
        if callable(between):
            between()
    raise AssertionError("paging did not end")


def test_cursor_paging_over_230_jobs_while_jobs_are_created(sim: RunningServer, http: httpx.Client) -> None:
    original = [create(http, tags=["paging"])["id"] for _ in range(230)]
    added: list[str] = []

    def create_more() -> None:
        if len(added) % 6 == 0:
            sim.advance(0.01)
        added.extend(create(http, tags=["paging"])["id"] for _ in range(3))

    ascending = page_through(http, {"tag": "paging", "limit": 9}, create_more)
    assert len(ascending) == len(set(ascending))
    assert ascending[:230] == original
    assert set(ascending) == set(original) | set(added)  # oldest first: the new jobs come on later pages
    before = len(added)
    descending = page_through(http, {"tag": "paging", "limit": 9, "sort": "-createdAt"}, create_more)
    assert len(descending) == len(set(descending)) == 230 + before
    assert descending == list(reversed(original + added[:before]))


def test_bad_cursor_is_refused(http: httpx.Client, mixed: dict) -> None:
    for value in ("5712566172571652", "abc", "1" * 60):
        error_of(http.get(JOBS, params={"startAfter": value}), 400, "startAfter")
    error_of(http.get(JOBS, params={"startAfter": ""}), 400, "startAfter")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"jobType": [f"T{i}" for i in range(101)]}, "jobType"),
        ({"jobStatus": ["RUNNING"] * 51}, "jobStatus"),
        ({"tag": [f"t{i}" for i in range(101)]}, "tag"),
        ({"jobStatus": "BROKEN"}, "jobStatus"),
        ({"featuresOn": "EVERYTHING"}, "featuresOn"),
        ({"sort": "name"}, "sort"),
        ({"sort": "createdAt,-name"}, "sort"),
        ({"limit": "ten"}, "limit"),
        ({"tagsConjunction": "maybe"}, "tagsConjunction"),
    ],
)
def test_bad_query_names_the_parameter(http: httpx.Client, params: dict, field: str) -> None:
    error_of(http.get(JOBS, params=params), 400, field)


def test_array_limits_accept_their_maximum(http: httpx.Client) -> None:
    assert http.get(JOBS, params={"jobType": [f"T{i}" for i in range(100)]}).status_code == 200
    assert http.get(JOBS, params={"jobStatus": ["RUNNING"] * 50}).status_code == 200
    assert http.get(JOBS, params={"tag": [f"t{i}" for i in range(100)]}).status_code == 200


def test_array_limits_count_the_items_of_a_comma_list(http: httpx.Client) -> None:
    assert http.get(JOBS, params={"jobType": ",".join(f"T{i}" for i in range(100))}).status_code == 200
    assert http.get(JOBS, params={"jobStatus": ",".join(["RUNNING"] * 50)}).status_code == 200
    assert http.get(JOBS, params={"tag": ", ".join(f"t{i}" for i in range(100))}).status_code == 200
    error_of(http.get(JOBS, params={"jobType": ",".join(f"T{i}" for i in range(101))}), 400, "jobType")
    error_of(http.get(JOBS, params={"jobStatus": ",".join(["RUNNING"] * 51)}), 400, "jobStatus")
    error_of(http.get(JOBS, params={"tag": ",".join(f"t{i}" for i in range(101))}), 400, "tag")
    # Items of repeated keys and of comma lists count together.
    mixed_forms = [",".join(["RUNNING"] * 25), ",".join(["FINISHED"] * 26)]
    error_of(http.get(JOBS, params={"jobStatus": mixed_forms}), 400, "jobStatus")


def test_a_bad_item_of_a_comma_list_is_named(http: httpx.Client) -> None:
    error_of(http.get(JOBS, params={"jobStatus": "FINISHED,BROKEN"}), 400, "jobStatus[1]", "BROKEN")
    error_of(http.get(JOBS, params={"featuresOn": "NUMBER_OF_TOTAL,EVERYTHING"}), 400, "featuresOn[1]", "EVERYTHING")


def test_empty_comma_items_count_toward_the_limit_of_100(http: httpx.Client, mixed: dict) -> None:
    """A comma list keeps its empty items, as Spring splits it: they count toward maxItems and name no type."""
    error_of(http.get(JOBS, params={"jobType": "," * 100}), 400, "jobType")  # 101 items
    assert ids(http, jobType="," * 99) == []  # 100 empty items: a valid filter that matches no job
    assert ids(http, jobType="DATA_CURATION_JOB,") == ids(http, jobType="DATA_CURATION_JOB")
    assert set(ids(http, jobType="")) == set(ids(http))  # an empty value is no filter at all
