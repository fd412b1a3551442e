"""Rules across job settings the schema leaves to the handlers (run_as, git_source, unique keys, format), and the
INVALID_STATE refusals of runs/delete and runs/repair as databricks-sdk sees them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidState

from tests.databricks.helpers import API, create, error_of, task
from tests.support import RunningServer

GIT = {"git_url": "https://github.com/org/repo", "git_provider": "gitHub"}
SCHEDULE = {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC"}


@pytest.fixture(scope="module")
def http(server: RunningServer) -> httpx.Client:
    return server.client()


def get_job(http: httpx.Client, job_id: int) -> dict[str, Any]:
    reply = http.get(f"{API}/get", params={"job_id": job_id})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def reset(http: httpx.Client, job_id: int, **settings: Any) -> httpx.Response:
    return http.post(f"{API}/reset", json={"job_id": job_id, "new_settings": settings})


def update(http: httpx.Client, job_id: int, **body: Any) -> httpx.Response:
    return http.post(f"{API}/update", json={"job_id": job_id, **body})


def submit(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post(f"{API}/runs/submit", json={"run_name": "rules", "tasks": [task("t")], **body})


# --- run_as ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "run_as",
    [{}, {"user_name": ""}, {"user_name": "a@example.com", "service_principal_name": "692bc6d0-ffa3-11ed"}],
    ids=["empty", "empty-name", "both"],
)
def test_run_as_needs_exactly_one_identity(http: httpx.Client, run_as: dict[str, str]) -> None:
    error_of(http.post(f"{API}/create", json={"name": "run-as", "run_as": run_as}), "run_as")
    job_id = create(http, "run-as-ok", [task("t")])
    error_of(reset(http, job_id, name="run-as-ok", run_as=run_as), "run_as")
    error_of(update(http, job_id, new_settings={"run_as": run_as}), "run_as")
    error_of(submit(http, run_as=run_as), "run_as")
    assert "run_as" not in get_job(http, job_id)["settings"]


def test_run_as_user_name_follows_run_as(http: httpx.Client) -> None:
    plain = get_job(http, create(http, "runs-as-creator", [task("t")]))
    assert plain["run_as_user_name"] == plain["creator_user_name"]

    job_id = create(http, "runs-as-user", [task("t")], run_as={"user_name": "someone@example.com"})
    assert get_job(http, job_id)["run_as_user_name"] == "someone@example.com"
    principal = "692bc6d0-ffa3-11ed-be56-0242ac120002"
    assert reset(http, job_id, name="runs-as-sp", run_as={"service_principal_name": principal}).status_code == 200
    assert get_job(http, job_id)["run_as_user_name"] == principal
    assert update(http, job_id, new_settings={"run_as": {"user_name": "other@example.com"}}).status_code == 200
    assert get_job(http, job_id)["run_as_user_name"] == "other@example.com"
    assert update(http, job_id, fields_to_remove=["run_as"]).status_code == 200
    assert get_job(http, job_id)["run_as_user_name"] == plain["creator_user_name"]
    assert submit(http, run_as={"user_name": "someone@example.com"}).status_code == 200


# --- git_source and the other exclusive settings ------------------------------------------------------------------
@pytest.mark.parametrize(
    "refs",
    [("git_branch", "git_tag"), ("git_branch", "git_commit"), ("git_tag", "git_commit")],
    ids=lambda refs: "+".join(refs),
)
def test_git_refs_are_mutually_exclusive(http: httpx.Client, refs: tuple[str, str]) -> None:
    git = {**GIT, **{ref: "main" for ref in refs}}
    for reply in (
        http.post(f"{API}/create", json={"name": "git", "git_source": git}),
        submit(http, git_source=git),
    ):
        message = error_of(reply, refs[0])
        assert refs[1] in message and "cannot be specified in conjunction with" in message
    job_id = create(http, "git-ok", [task("t")], git_source={**GIT, "git_branch": "main"})
    error_of(reset(http, job_id, name="git-ok", git_source=git), refs[1])
    error_of(update(http, job_id, new_settings={"git_source": git}), refs[1])
    assert get_job(http, job_id)["settings"]["git_source"] == {**GIT, "git_branch": "main"}


@pytest.mark.parametrize("continuous", [{}, {"pause_status": "PAUSED"}], ids=["empty", "paused"])
def test_schedule_and_continuous_exclude_each_other(http: httpx.Client, continuous: dict[str, str]) -> None:
    both = {"name": "both", "schedule": SCHEDULE, "continuous": continuous}
    error_of(http.post(f"{API}/create", json=both), "schedule")
    job_id = create(http, "scheduled", [task("t")], schedule=SCHEDULE)
    error_of(update(http, job_id, new_settings={"continuous": continuous}), "schedule")
    switched = update(http, job_id, new_settings={"continuous": continuous}, fields_to_remove=["schedule"])
    assert switched.status_code == 200


# --- unique keys ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("array", "entries"),
    [
        ("job_clusters", [{"job_cluster_key": "shared"}, {"job_cluster_key": "shared"}]),
        ("environments", [{"environment_key": "env"}, {"environment_key": "env"}]),
    ],
)
def test_duplicate_keys_are_refused(http: httpx.Client, array: str, entries: list[dict[str, str]]) -> None:
    key = repr(next(iter(entries[0].values())))
    message = error_of(http.post(f"{API}/create", json={"name": "dupes", array: entries}), key)
    assert message.endswith(" keys must be unique.") and "is used by more than one" in message
    job_id = create(http, "dupes-ok", [task("t")], **{array: entries[:1]})
    error_of(reset(http, job_id, name="dupes-ok", **{array: entries}), key)
    # update merges job_clusters by key: duplicates must not be folded into one entry silently
    error_of(update(http, job_id, new_settings={array: entries}), key)
    assert get_job(http, job_id)["settings"][array] == entries[:1]
    if array == "environments":
        error_of(submit(http, environments=entries), key)


def test_update_refuses_duplicate_task_keys_before_merging(http: httpx.Client) -> None:
    job_id = create(http, "task-dupes", [task("a")])
    reply = update(http, job_id, new_settings={"tasks": [task("b"), task("b", description="second")]})
    assert error_of(reply, "'b'") == "Task key 'b' is used by more than one task; task keys must be unique."
    assert [t["task_key"] for t in get_job(http, job_id)["settings"]["tasks"]] == ["a"]


# --- format ----------------------------------------------------------------------------------------------------
def test_format_is_always_multi_task(http: httpx.Client) -> None:
    job_id = create(http, "single", [task("t")], format="SINGLE_TASK")
    assert get_job(http, job_id)["settings"]["format"] == "MULTI_TASK"
    assert update(http, job_id, new_settings={"format": "SINGLE_TASK"}).status_code == 200
    assert get_job(http, job_id)["settings"]["format"] == "MULTI_TASK"
    assert reset(http, job_id, name="single", format="SINGLE_TASK").status_code == 200
    assert get_job(http, job_id)["settings"]["format"] == "MULTI_TASK"
    listed = http.get(f"{API}/list", params={"name": "single"}).json()["jobs"]
    assert {job["settings"]["format"] for job in listed} == {"MULTI_TASK"}


# --- INVALID_STATE through databricks-sdk ------------------------------------------------------------------------
def test_sdk_raises_invalid_state_for_an_active_run(virtual_server: RunningServer) -> None:
    virtual_server.reset()
    w = WorkspaceClient(host=virtual_server.url, token="dapi-test")
    job = w.jobs.create(name="active")
    run_id = w.jobs.run_now(job.job_id).run_id  # the virtual clock stands still: the run stays PENDING
    with pytest.raises(InvalidState, match=r"is active \(PENDING\) and cannot be deleted"):
        w.jobs.delete_run(run_id)
    with pytest.raises(InvalidState, match="is still in progress"):
        w.jobs.repair_run(run_id, rerun_all_failed_tasks=True)
    virtual_server.advance(60)
    w.jobs.delete_run(run_id)
