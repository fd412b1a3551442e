"""Long-polls hold no thread: many waits on one server end together, and a virtual-clock advance wakes them."""

from __future__ import annotations

import asyncio
import threading
import time

from dqops.client import Client
from dqops.client.api.jobs import cancel_job, get_all_jobs, get_job, get_job_changes_since, run_checks, wait_for_job
from dqops.client.models import DqoJobStatus, RunChecksParameters

from tests.dqops.conftest import BackgroundPoll, load
from tests.support import RunningServer, running_server

WAITS = 50
SINGLE_JOB_SECONDS = 1.5


def test_fifty_concurrent_waits_finish_together(client: Client) -> None:
    async def one(index: int) -> tuple[float, object]:
        began = time.monotonic()
        answer = await run_checks.asyncio(
            client=client, json_body=RunChecksParameters(), wait=True, wait_timeout=60, job_business_key=f"c{index}"
        )
        return time.monotonic() - began, answer

    async def all_of_them() -> list[tuple[float, object]]:
        return await asyncio.gather(*(one(i) for i in range(WAITS)))

    started = time.monotonic()
    outcomes = asyncio.run(all_of_them())
    total = time.monotonic() - started
    assert all(answer.status == DqoJobStatus.FINISHED for _, answer in outcomes)
    assert len({answer.job_id.job_id for _, answer in outcomes}) == WAITS
    # Each wait lasts about one job (1.5 s); serialised they would need 50 x 1.5 s = 75 s.
    assert total < 4 * SINGLE_JOB_SECONDS, total
    assert max(seconds for seconds, _ in outcomes) < 4 * SINGLE_JOB_SECONDS


STUCK = """\
jobsim: 1
name: stuck-by-key
api: dqops
plans:
  - match: {business_key: "stuck-*"}
    steps:
      - {state: queued, for: 0.1s}
      - {state: running}
"""


def test_waits_on_different_jobs_do_not_block_each_other(live: RunningServer, client: Client) -> None:
    live.load(STUCK)  # a job keyed stuck-* never ends by itself: its wait holds for its whole timeout
    stuck = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False, job_business_key="stuck-1")
    holder = threading.Thread(
        target=lambda: wait_for_job.sync(str(stuck.job_id.job_id), client=Client(base_url=live.url), wait_timeout=5)
    )
    holder.start()
    time.sleep(0.2)
    began = time.monotonic()
    answer = run_checks.sync(client=client, json_body=RunChecksParameters(), wait_timeout=30)
    assert answer.status == DqoJobStatus.FINISHED
    assert time.monotonic() - began < 3
    assert holder.is_alive()
    cancel_job.sync_detailed("stuck-1", client=client)
    holder.join(timeout=3)
    assert not holder.is_alive()


def test_a_wait_blocked_on_a_frozen_clock_ends_when_another_request_advances_it(frozen: RunningServer) -> None:
    client = Client(base_url=frozen.url)
    job = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False)
    outcome: dict[str, object] = {}

    def waiter() -> None:
        began = time.monotonic()
        outcome["entry"] = wait_for_job.sync(
            str(job.job_id.job_id), client=Client(base_url=frozen.url), wait_timeout=60
        )
        outcome["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive()  # the clock does not move: the job stays queued, the wait holds
    frozen.advance(0.5)
    assert get_job.sync(str(job.job_id.job_id), client=client).status == DqoJobStatus.RUNNING
    assert thread.is_alive()
    frozen.advance(5)
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert outcome["entry"].status == DqoJobStatus.FINISHED
    assert 0.5 <= outcome["seconds"] < 3


def test_a_change_feed_long_poll_on_a_frozen_clock_wakes_on_advance(frozen: RunningServer) -> None:
    client = Client(base_url=frozen.url)
    run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False)
    last = get_all_jobs.sync(client=client).last_sequence_number
    poll = BackgroundPoll(frozen, last)
    assert poll.waiting
    frozen.advance(10)
    statuses = [c.status for c in poll.answer().job_changes]
    assert statuses == [DqoJobStatus.RUNNING, DqoJobStatus.FINISHED]


def test_the_default_timeouts_are_vendor_options() -> None:
    options = {"dqops": {"wait_timeout_seconds": 0.5, "changes_wait_seconds": 0.5}}
    with running_server(apis=("dqops",), vendor_options=options) as server:
        load(server, "slow-job")
        client = Client(base_url=server.url)
        began = time.monotonic()
        answer = run_checks.sync(client=client, json_body=RunChecksParameters())  # no waitTimeout: the option
        assert answer.status == DqoJobStatus.RUNNING
        assert 0.4 <= time.monotonic() - began < 1.5
        last = get_all_jobs.sync(client=client).last_sequence_number
        began = time.monotonic()
        delta = get_job_changes_since.sync(last, client=client)
        assert delta.job_changes == [] and delta.last_sequence_number == last
        assert 0.4 <= time.monotonic() - began < 1.5


def test_a_number_with_kept_changes_after_it_is_answered_at_once(client: Client) -> None:
    last = get_all_jobs.sync(client=client).last_sequence_number
    for number in (0, -5):
        began = time.monotonic()
        delta = get_job_changes_since.sync(number, client=client)
        assert time.monotonic() - began < 1
        assert delta.job_changes  # the default history's changes
        assert delta.last_sequence_number == last


def test_a_number_beyond_the_newest_waits_for_the_next_change(live: RunningServer, client: Client) -> None:
    last = get_all_jobs.sync(client=client).last_sequence_number
    poll = BackgroundPoll(live, last + 1000)
    assert poll.waiting  # no change after that number: the call waits instead of answering at once
    job = run_checks.sync(client=client, json_body=RunChecksParameters(), wait=False)
    delta = poll.answer()
    assert poll.seconds < 3
    assert [(c.job_id.job_id, c.status) for c in delta.job_changes] == [(job.job_id.job_id, DqoJobStatus.QUEUED)]
    assert delta.last_sequence_number >= delta.job_changes[0].change_sequence
    # The answer's lastSequenceNumber is the one to go on with: the next call sees the job's next change.
    follow = get_job_changes_since.sync(delta.last_sequence_number, client=client)
    assert [c.status for c in follow.job_changes][:1] == [DqoJobStatus.RUNNING]


def test_a_number_beyond_the_newest_answers_empty_after_the_wait_with_the_newest_number() -> None:
    with running_server(apis=("dqops",), vendor_options={"dqops": {"changes_wait_seconds": 0.5}}) as server:
        client = Client(base_url=server.url)
        last = get_all_jobs.sync(client=client).last_sequence_number
        began = time.monotonic()
        delta = get_job_changes_since.sync(last + 1000, client=client)
        assert 0.4 <= time.monotonic() - began < 1.5
        # Lower than the number asked for, but the one from which the next change will be seen.
        assert delta.job_changes == [] and delta.last_sequence_number == last
