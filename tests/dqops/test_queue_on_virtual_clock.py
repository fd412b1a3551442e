"""The queue on a virtual clock: cron jobs appear lazily, history and changes expire, states are recorded in order."""

from __future__ import annotations

from dqops.client import Client
from dqops.client.api.jobs import (
    get_all_jobs,
    get_job,
    get_job_changes_since,
    run_checks,
    start_cron_scheduler,
    stop_cron_scheduler,
)
from dqops.client.models import DqoJobStatus, DqoJobType, RunChecksParameters

from tests.dqops.conftest import BackgroundPoll, load
from tests.support import RunningServer


def cron_jobs(client: Client) -> list:
    return [j for j in get_all_jobs.sync(client=client).jobs if j.job_type == DqoJobType.RUN_SCHEDULED_CHECKS_CRON]


def test_cron_jobs_appear_while_the_scheduler_runs(frozen: RunningServer) -> None:
    client = Client(base_url=frozen.url)
    # The virtual clock starts at the wall time: set it 100 s before a whole 5 minutes, so the */5 statistics job
    # falls inside the first 180 s whatever time the test runs at (the default scenario schedules nothing).
    now = frozen.client().get("/_sim/clock").json()["now"]
    frozen.advance((200 - now % 300) % 300)
    load(frozen, "scheduled-checks")
    assert cron_jobs(client) == []
    frozen.advance(180)
    jobs = cron_jobs(client)
    assert len(jobs) == 3
    assert jobs[0].parameters.run_scheduled_checks_parameters.cron_expression == "*/1 * * * *"
    created = [int(j.job_id.created_at[17:19]) for j in jobs]
    assert created == [0, 0, 0]  # at whole minutes of the simulator clock
    assert all(j.status == DqoJobStatus.FINISHED for j in jobs[:2])
    stop_cron_scheduler.sync_detailed(client=client)
    frozen.advance(600)
    assert len(cron_jobs(client)) == 3
    start_cron_scheduler.sync_detailed(client=client)  # missed runs are not made up
    assert len(cron_jobs(client)) == 3
    frozen.advance(60)
    assert len(cron_jobs(client)) == 4
    statistics = [
        j for j in get_all_jobs.sync(client=client).jobs if j.job_type == DqoJobType.COLLECT_SCHEDULED_STATISTICS
    ]
    assert len(statistics) >= 1


def test_each_state_is_recorded_once_in_order_even_when_observed_late(frozen: RunningServer) -> None:
    client = Client(base_url=frozen.url)
    last = get_all_jobs.sync(client=client).last_sequence_number
    first = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False)
    frozen.advance(0.1)
    second = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False)
    frozen.advance(30)  # both jobs ran and finished while nobody looked
    changes = get_job_changes_since.sync(last, client=client).job_changes
    assert [(c.job_id.job_id, c.status) for c in changes] == [
        (first.job_id.job_id, DqoJobStatus.QUEUED),
        (second.job_id.job_id, DqoJobStatus.QUEUED),
        (first.job_id.job_id, DqoJobStatus.RUNNING),
        (second.job_id.job_id, DqoJobStatus.RUNNING),
        (first.job_id.job_id, DqoJobStatus.FINISHED),
        (second.job_id.job_id, DqoJobStatus.FINISHED),
    ]
    times = [c.status_changed_at for c in changes]
    assert times == sorted(times)
    assert times[4] - times[0] == 1500  # the job's own timing, not the moment it was observed
    assert [c.change_sequence for c in changes] == sorted(c.change_sequence for c in changes)


def test_changes_expire_after_300_s_and_finished_jobs_after_an_hour(frozen: RunningServer) -> None:
    client = Client(base_url=frozen.url)
    last = get_all_jobs.sync(client=client).last_sequence_number
    job = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False, job_business_key="old")
    frozen.advance(10)
    assert len(get_job_changes_since.sync(last, client=client).job_changes) == 3
    frozen.advance(301)
    # Every change after `last` expired: the call long-polls for the next change instead of answering at once.
    poll = BackgroundPoll(frozen, last)
    assert poll.waiting
    newer = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False)
    delta = poll.answer()
    assert [(c.job_id.job_id, c.status) for c in delta.job_changes] == [(newer.job_id.job_id, DqoJobStatus.QUEUED)]
    assert delta.last_sequence_number > last
    assert get_job.sync("old", client=client).status == DqoJobStatus.FINISHED
    frozen.advance(3600)
    assert get_job.sync("old", client=client) is None
    assert get_job.sync(str(job.job_id.job_id), client=client) is None
    assert all(j.job_id.job_id != job.job_id.job_id for j in get_all_jobs.sync(client=client).jobs)


def test_the_default_history_expires_too(frozen: RunningServer) -> None:
    client = Client(base_url=frozen.url)
    assert len(get_all_jobs.sync(client=client).jobs) == 3
    frozen.advance(3600)
    assert get_all_jobs.sync(client=client).jobs == []
