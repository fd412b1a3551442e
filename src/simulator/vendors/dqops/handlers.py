"""DQOps jobs operations (operationIds of specs/dqops-jobs.yaml)."""

from __future__ import annotations

from typing import Any

from simulator.exchange import Call, HandlerTable, Reply
from simulator.vendors.dqops import kinds, queue, render, waiting
from simulator.vendors.dqops.kinds import JobKind
from simulator.vendors.dqops.model import DqopsState, Job

handlers = HandlerTable()
NOT_FOUND = Reply(404)  # DQOps answers an unknown (or forgotten) job with 404 and no body


# --- starting jobs ---------------------------------------------------------------------------------------------
async def _start(call: Call, kind: JobKind, parameters: dict[str, Any]) -> Reply:
    state: DqopsState = call.state
    now = call.now
    queue.sync(state, now)
    job = queue.start_job(state, kind, parameters, now, business_key=call.query.get("jobBusinessKey") or None)
    queue.sync(state, now)
    if call.query.get("wait", True):
        await waiting.until_job_ends(state, job, _timeout(call))
    return Reply(state.options.status_on_start, render.envelope(job, with_result=kind.result is not None))


def _timeout(call: Call) -> float:
    given = call.query.get("waitTimeout")
    return float(given) if given is not None else call.state.options.wait_timeout_seconds


def _body(call: Call, *drop: str) -> dict[str, Any]:
    body = call.body if isinstance(call.body, dict) else {}  # a POST without a body arrives as {}
    return {key: value for key, value in body.items() if key not in drop}


@handlers.operation("runChecks")
async def run_checks(call: Call) -> Reply:
    return await _start(call, kinds.RUN_CHECKS, _body(call, "run_checks_result"))


@handlers.operation("collectErrorSamples")
async def collect_error_samples(call: Call) -> Reply:
    return await _start(call, kinds.COLLECT_ERROR_SAMPLES, _body(call, "error_sampler_result"))


def _statistics(call: Call, scope: str) -> dict[str, Any]:
    parameters: dict[str, Any] = {"statistics_collector_search_filters": _body(call), "data_scope": scope}
    for name, key in (("configureTable", "configure_table"), ("samplesLimit", "samples_limit")):
        if call.query.get(name) is not None:
            parameters[key] = call.query[name]
    return parameters


@handlers.operation("collectStatisticsOnTable")
async def collect_statistics_on_table(call: Call) -> Reply:
    return await _start(call, kinds.COLLECT_STATISTICS, _statistics(call, "table"))


@handlers.operation("collectStatisticsOnDataGroups")
async def collect_statistics_on_data_groups(call: Call) -> Reply:
    return await _start(call, kinds.COLLECT_STATISTICS, _statistics(call, "data_group"))


@handlers.operation("importTables")
async def import_tables(call: Call) -> Reply:
    return await _start(call, kinds.IMPORT_TABLES, _body(call))


@handlers.operation("deleteStoredData")
async def delete_stored_data(call: Call) -> Reply:
    return await _start(call, kinds.DELETE_STORED_DATA, _body(call))


@handlers.operation("synchronizeFolders")
async def synchronize_folders(call: Call) -> Reply:
    return await _start(call, kinds.SYNCHRONIZE_FOLDERS, _body(call))


# --- one job ---------------------------------------------------------------------------------------------------
def _read(call: Call) -> Job | None:
    """The `{jobId}` job, observed once as a read (for plans that move on reads), with the feed in sync."""
    state: DqopsState = call.state
    now = call.now
    queue.sync(state, now)
    job = queue.find(state, call.path["jobId"])
    if job is not None:
        job.timeline.observe(now, read=True)
        queue.touch(state, job)
        queue.sync(state, now)
    return job


@handlers.operation("getJob")
async def get_job(call: Call) -> Reply:
    job = _read(call)
    return NOT_FOUND if job is None else Reply(200, render.current_entry(job))


@handlers.operation("waitForJob")
async def wait_for_job(call: Call) -> Reply:
    job = _read(call)
    if job is None:
        return NOT_FOUND
    await waiting.until_job_ends(call.state, job, _timeout(call))
    return Reply(200, render.current_entry(job))


async def _wait_for_result(call: Call, result: str) -> Reply:
    job = _read(call)
    if job is None:
        return NOT_FOUND
    await waiting.until_job_ends(call.state, job, _timeout(call))
    return Reply(200, render.envelope(job, with_result=job.kind.result == result))


@handlers.operation("waitForRunChecksJob")
async def wait_for_run_checks_job(call: Call) -> Reply:
    return await _wait_for_result(call, "run_checks")


@handlers.operation("waitForCollectErrorSamplesJob")
async def wait_for_collect_error_samples_job(call: Call) -> Reply:
    return await _wait_for_result(call, "error_samples")


@handlers.operation("cancelJob")
async def cancel_job(call: Call) -> Reply:
    state: DqopsState = call.state
    queue.sync(state, call.now)
    job = queue.find(state, call.path["jobId"])
    if job is not None:
        queue.cancel(state, job, call.now)
    return Reply(204)  # also for unknown and already ended jobs, as DQOps does


# --- the queue -------------------------------------------------------------------------------------------------
@handlers.operation("getAllJobs")
async def get_all_jobs(call: Call) -> Reply:
    state: DqopsState = call.state
    queue.sync(state, call.now)
    return Reply(
        200,
        {
            "jobs": [render.current_entry(job) for job in state.jobs.oldest_first()],
            "folderSynchronizationStatus": render.folders(state),
            "lastSequenceNumber": state.last_sequence,
        },
    )


@handlers.operation("getJobChangesSince")
async def get_job_changes_since(call: Call) -> Reply:
    state: DqopsState = call.state
    queue.sync(state, call.now)
    # A number beyond the newest this server issued names no position in its feed: read it as the newest, so the
    # long-poll wakes with the next change instead of skipping it.
    after = min(call.path["sequenceNumber"], state.last_sequence)
    changes = queue.changes_after(state, after)
    if not changes:  # also when the changes after `after` expired: wait for the next one, as DQOps does
        await waiting.until_changes(state, after, state.options.changes_wait_seconds)
        changes = queue.changes_after(state, after)
    return Reply(
        200,
        {
            "jobChanges": [render.change(item) for item in changes],
            "folderSynchronizationStatus": render.folders(state),
            "lastSequenceNumber": state.last_sequence,
        },
    )


# --- the cron scheduler ----------------------------------------------------------------------------------------
@handlers.operation("isCronSchedulerRunning")
async def is_cron_scheduler_running(call: Call) -> Reply:
    return Reply(200, bool(call.state.scheduler_running))


@handlers.operation("startCronScheduler")
async def start_cron_scheduler(call: Call) -> Reply:
    queue.set_scheduler(call.state, True, call.now)
    return Reply(200, {})


@handlers.operation("stopCronScheduler")
async def stop_cron_scheduler(call: Call) -> Reply:
    queue.set_scheduler(call.state, False, call.now)
    return Reply(200, {})
