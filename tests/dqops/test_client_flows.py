"""The published dqops client (1.13.1, unmodified) against a real jobsim server on the real clock."""

from __future__ import annotations

import threading
import time

import pytest
from dqops.client import Client
from dqops.client.api.jobs import (
    cancel_job,
    collect_error_samples,
    collect_statistics_on_data_groups,
    collect_statistics_on_table,
    delete_stored_data,
    get_all_jobs,
    get_job,
    get_job_changes_since,
    import_tables,
    is_cron_scheduler_running,
    run_checks,
    start_cron_scheduler,
    stop_cron_scheduler,
    synchronize_folders,
    wait_for_collect_error_samples_job,
    wait_for_job,
    wait_for_run_checks_job,
)
from dqops.client.errors import UnexpectedStatus
from dqops.client.models import (
    CheckSearchFilters,
    CollectErrorSamplesParameters,
    DeleteStoredDataQueueJobParameters,
    DqoJobStatus,
    DqoJobType,
    ErrorSamplesDataScope,
    FileSynchronizationDirection,
    ImportTablesQueueJobParameters,
    RuleSeverityLevel,
    RunChecksParameters,
    RunChecksQueueJobResult,
    StatisticsCollectorSearchFilters,
    SynchronizeMultipleFoldersDqoQueueJobParameters,
    TimeWindowFilterParameters,
)
from dqops.client.types import Unset

from tests.dqops.conftest import load
from tests.support import RunningServer, running_server


def checks(table: str = "sample_schema.orders") -> RunChecksParameters:
    return RunChecksParameters(
        check_search_filters=CheckSearchFilters(connection="sample_connection", full_table_name=table, enabled=True),
        time_window_filter=TimeWindowFilterParameters(daily_partitioning_recent_days=7),
        dummy_execution=False,
    )


def test_run_checks_waits_and_returns_the_finished_result(client: Client) -> None:
    started = time.monotonic()
    answer = run_checks.sync(client=client, json_body=checks(), wait=True, wait_timeout=30)
    elapsed = time.monotonic() - started
    assert answer is not None
    assert answer.status == DqoJobStatus.FINISHED
    assert answer.result.executed_checks == 10 and answer.result.valid_results == 10
    assert answer.result.errors == 0 and answer.result.highest_severity == RuleSeverityLevel.VALID
    assert answer.job_id.job_id > 0 and answer.job_id.created_at.endswith("Z")
    assert 1.2 <= elapsed < 3.5


def test_wait_is_the_default(client: Client) -> None:
    answer = run_checks.sync(client=client, json_body=checks())
    assert answer is not None and answer.status == DqoJobStatus.FINISHED


def test_checks_with_errors_scenario_sets_the_counts(live: RunningServer, client: Client) -> None:
    load(live, "checks-with-errors")
    answer = run_checks.sync(client=client, json_body=checks(), wait_timeout=30)
    assert answer is not None and answer.status == DqoJobStatus.FINISHED
    result = answer.result
    assert result.highest_severity == RuleSeverityLevel.ERROR
    assert (result.executed_checks, result.valid_results, result.warnings, result.errors, result.fatals) == (
        10,
        7,
        1,
        2,
        0,
    )
    entry = get_job.sync(str(answer.job_id.job_id), client=client)
    stored = entry.parameters.run_checks_parameters.run_checks_result
    assert stored.errors == 2 and stored.highest_severity == RuleSeverityLevel.ERROR


def test_no_wait_then_wait_for_job_and_for_the_run_checks_result(client: Client) -> None:
    queued = run_checks.sync(client=client, json_body=checks(), wait=False)
    assert queued.status == DqoJobStatus.QUEUED
    assert isinstance(queued.result, Unset)
    job_id = str(queued.job_id.job_id)
    entry = wait_for_job.sync(job_id, client=client, wait_timeout=30)
    assert entry.status == DqoJobStatus.FINISHED
    assert entry.job_type == DqoJobType.RUN_CHECKS
    assert entry.job_id.job_id == queued.job_id.job_id
    assert entry.parameters.run_checks_parameters.check_search_filters.full_table_name == "sample_schema.orders"
    assert isinstance(entry.status_changed_at, int)
    result = wait_for_run_checks_job.sync(job_id, client=client, wait_timeout=5)
    assert result.status == DqoJobStatus.FINISHED and result.result.executed_checks == 10


def test_a_wait_that_times_out_returns_the_running_status(live: RunningServer, client: Client) -> None:
    load(live, "slow-job")
    started = time.monotonic()
    answer = run_checks.sync(client=client, json_body=checks(), wait=True, wait_timeout=1)
    assert 0.9 <= time.monotonic() - started < 2.5
    assert answer.status == DqoJobStatus.RUNNING
    assert isinstance(answer.result, Unset)
    again = wait_for_run_checks_job.sync(str(answer.job_id.job_id), client=client, wait_timeout=0)
    assert again.status == DqoJobStatus.RUNNING and isinstance(again.result, Unset)
    entry = wait_for_job.sync(str(answer.job_id.job_id), client=client, wait_timeout=1)
    assert entry.status == DqoJobStatus.RUNNING


def test_snapshot_then_change_feed_sees_the_job_and_its_status_changes_in_order(client: Client) -> None:
    snapshot = get_all_jobs.sync(client=client)
    assert snapshot is not None and snapshot.folder_synchronization_status.sources.value == "unchanged"
    last = snapshot.last_sequence_number
    job = run_checks.sync(client=client, json_body=checks(), wait=False)
    seen = []
    deadline = time.monotonic() + 10
    while not any(c.status == DqoJobStatus.FINISHED for c in seen) and time.monotonic() < deadline:
        delta = get_job_changes_since.sync(last, client=client)
        assert delta.last_sequence_number >= last
        seen.extend(c for c in delta.job_changes if c.job_id.job_id == job.job_id.job_id)
        last = delta.last_sequence_number
    assert [c.status for c in seen] == [DqoJobStatus.QUEUED, DqoJobStatus.RUNNING, DqoJobStatus.FINISHED]
    sequences = [c.change_sequence for c in seen]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    times = [c.status_changed_at for c in seen]
    assert times == sorted(times) and times[2] - times[0] >= 1400
    assert seen[0].updated_model.status == DqoJobStatus.QUEUED
    assert isinstance(seen[1].updated_model, Unset)
    assert seen[2].updated_model.parameters.run_checks_parameters.run_checks_result.executed_checks == 10
    assert sequences[0] > job.job_id.job_id


def test_the_change_feed_long_polls_until_something_happens(client: Client, live: RunningServer) -> None:
    last = get_all_jobs.sync(client=client).last_sequence_number
    starter = threading.Timer(
        0.5, lambda: run_checks.sync(client=Client(base_url=live.url), json_body=checks(), wait=False)
    )
    started = time.monotonic()
    starter.start()
    delta = get_job_changes_since.sync(last, client=client)
    starter.join()
    assert 0.4 <= time.monotonic() - started < 3
    assert [c.status for c in delta.job_changes] == [DqoJobStatus.QUEUED]


def test_cancel_a_running_job_ends_it_cancelled_and_releases_a_pending_wait(
    live: RunningServer, client: Client
) -> None:
    load(live, "slow-job")
    job = run_checks.sync(client=client, json_body=checks(), wait=False, job_business_key="slow-1")
    last = get_all_jobs.sync(client=client).last_sequence_number
    outcome: dict[str, object] = {}

    def waiter() -> None:
        began = time.monotonic()
        outcome["entry"] = wait_for_job.sync("slow-1", client=Client(base_url=live.url), wait_timeout=60)
        outcome["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.6)
    assert get_job.sync("slow-1", client=client).status == DqoJobStatus.RUNNING
    reply = cancel_job.sync_detailed("slow-1", client=client)
    assert reply.status_code == 204 and reply.content == b""
    thread.join(timeout=10)
    assert outcome["entry"].status == DqoJobStatus.CANCELLED
    assert outcome["seconds"] < 2
    assert get_job.sync(str(job.job_id.job_id), client=client).status == DqoJobStatus.CANCELLED
    statuses = [c.status for c in get_job_changes_since.sync(last, client=client).job_changes]
    assert statuses[-2:] == [DqoJobStatus.CANCEL_REQUESTED, DqoJobStatus.CANCELLED]
    # Cancelling again, or cancelling what does not exist, is not an error.
    assert cancel_job.sync_detailed("slow-1", client=client).status_code == 204
    assert cancel_job.sync_detailed("999", client=client).status_code == 204


def test_unknown_job_is_a_404_without_body(live: RunningServer, client: Client) -> None:
    assert get_job.sync("123456789", client=client) is None
    assert wait_for_job.sync("no-such-key", client=client, wait_timeout=1) is None
    assert wait_for_run_checks_job.sync("42", client=client) is None
    assert wait_for_collect_error_samples_job.sync("42", client=client) is None
    detailed = get_job.sync_detailed("123456789", client=client)
    assert detailed.status_code == 404 and detailed.content == b""
    strict = Client(base_url=live.url, raise_on_unexpected_status=True)
    with pytest.raises(UnexpectedStatus) as caught:
        get_job.sync("123456789", client=strict)
    assert caught.value.status_code == 404


def test_business_key_lookup(client: Client) -> None:
    job = run_checks.sync(client=client, json_body=checks(), wait=False, job_business_key="orders-2026-11-25")
    assert job.job_id.job_business_key == "orders-2026-11-25"
    by_key = get_job.sync("orders-2026-11-25", client=client)
    assert by_key.job_id.job_id == job.job_id.job_id
    finished = wait_for_run_checks_job.sync("orders-2026-11-25", client=client, wait_timeout=30)
    assert finished.status == DqoJobStatus.FINISHED and finished.result.executed_checks == 10
    # A reused key points at the newest job carrying it; the older one stays reachable by its id.
    newer = run_checks.sync(client=client, json_body=checks(), wait=False, job_business_key="orders-2026-11-25")
    assert get_job.sync("orders-2026-11-25", client=client).job_id.job_id == newer.job_id.job_id
    assert get_job.sync(str(job.job_id.job_id), client=client).status == DqoJobStatus.FINISHED


def test_default_history_holds_recently_finished_jobs(client: Client) -> None:
    jobs = get_all_jobs.sync(client=client).jobs
    assert {j.job_type for j in jobs} >= {
        DqoJobType.RUN_CHECKS,
        DqoJobType.COLLECT_STATISTICS,
        DqoJobType.IMPORT_TABLES,
    }
    assert all(j.status == DqoJobStatus.FINISHED for j in jobs)
    nightly = get_job.sync("nightly-orders", client=client)
    assert nightly.parameters.run_checks_parameters.run_checks_result.highest_severity == RuleSeverityLevel.WARNING


def test_collect_statistics_on_table_and_on_data_groups(client: Client) -> None:
    filters = StatisticsCollectorSearchFilters(connection="c", full_table_name="s.t", enabled=True)
    table = collect_statistics_on_table.sync(client=client, json_body=filters, samples_limit=50, wait_timeout=30)
    assert table.status == DqoJobStatus.FINISHED
    assert table.result.executed_statistics_collectors == 12 and table.result.total_collectors_failed == 0
    groups = collect_statistics_on_data_groups.sync(
        client=client, json_body=filters, configure_table=True, wait=True, wait_timeout=30
    )
    assert groups.status == DqoJobStatus.FINISHED and groups.result.columns_analyzed == 4
    stored = get_job.sync(str(groups.job_id.job_id), client=client).parameters.collect_statistics_parameters
    assert stored.data_scope.value == "data_group" and stored.configure_table is True
    assert stored.collect_statistics_result.total_collected_results == 12
    on_table = get_job.sync(str(table.job_id.job_id), client=client).parameters.collect_statistics_parameters
    assert on_table.data_scope.value == "table" and on_table.samples_limit == 50


def test_the_other_start_operations(client: Client) -> None:
    samples = collect_error_samples.sync(
        client=client,
        json_body=CollectErrorSamplesParameters(
            check_search_filters=CheckSearchFilters(connection="c"), data_scope=ErrorSamplesDataScope.TABLE
        ),
        wait_timeout=30,
    )
    assert samples.status == DqoJobStatus.FINISHED and samples.result.executed_error_samplers == 3
    again = wait_for_collect_error_samples_job.sync(str(samples.job_id.job_id), client=client)
    assert again.result.total_error_samples_collected == samples.result.total_error_samples_collected
    imported = import_tables.sync(
        client=client,
        json_body=ImportTablesQueueJobParameters(connection_name="c", schema_name="s", table_names=["a", "b"]),
    )
    assert imported.status == DqoJobStatus.FINISHED and len(imported.result.source_table_specs) == 2
    deleted = delete_stored_data.sync(
        client=client,
        json_body=DeleteStoredDataQueueJobParameters(connection="c", full_table_name="s.t", delete_errors=True),
        wait=False,
    )
    assert deleted.status == DqoJobStatus.QUEUED and isinstance(deleted.result, Unset)
    synced = synchronize_folders.sync(
        client=client,
        json_body=SynchronizeMultipleFoldersDqoQueueJobParameters(direction=FileSynchronizationDirection.FULL),
    )
    assert synced.status == DqoJobStatus.FINISHED
    entry = wait_for_job.sync(str(deleted.job_id.job_id), client=client, wait_timeout=30)
    assert entry.job_type == DqoJobType.DELETE_STORED_DATA and entry.status == DqoJobStatus.FINISHED
    assert entry.parameters.delete_stored_data_parameters.delete_errors is True


def test_a_failing_job_carries_its_error_message(live: RunningServer, client: Client) -> None:
    load(live, "failing-job")
    answer = run_checks.sync(client=client, json_body=checks(), wait_timeout=30)
    assert answer.status == DqoJobStatus.FAILED and isinstance(answer.result, Unset)
    entry = get_job.sync(str(answer.job_id.job_id), client=client)
    assert entry.status == DqoJobStatus.FAILED
    assert "not reachable" in entry.error_message


def test_scheduler_start_stop_is_idempotent_and_flips_isrunning(client: Client) -> None:
    assert is_cron_scheduler_running.sync(client=client) is True
    for _ in range(2):
        reply = stop_cron_scheduler.sync_detailed(client=client)
        assert reply.status_code == 200 and reply.content == b"{}"
        assert is_cron_scheduler_running.sync(client=client) is False
    for _ in range(2):
        assert start_cron_scheduler.sync_detailed(client=client).status_code == 200
        assert is_cron_scheduler_running.sync(client=client) is True


def test_the_201_option_answers_what_the_real_server_sends() -> None:
    with running_server(apis=("dqops",), vendor_options={"dqops": {"status_on_start": 201}}) as server:
        client = Client(base_url=server.url)
        assert run_checks.sync(client=client, json_body=checks(), wait=False) is None  # the client parses only 200
        reply = run_checks.sync_detailed(client=client, json_body=checks(), wait_timeout=30)
        assert reply.status_code == 201
        parsed = RunChecksQueueJobResult.from_dict(__import__("json").loads(reply.content))
        assert parsed.status == DqoJobStatus.FINISHED and parsed.result.executed_checks == 10


def test_bad_vendor_options_stop_the_server_from_starting() -> None:
    from simulator import create_app

    with pytest.raises(ValueError, match="status_on_start"):
        create_app(apis=("dqops",), vendor_options={"dqops": {"status_on_start": 202}})
    with pytest.raises(ValueError, match="unknown dqops option"):
        create_app(apis=("dqops",), vendor_options={"dqops": {"wait": 1}})
