"""What the handlers of both DGC job APIs share: the caller, the job, the cancel rules."""

from __future__ import annotations

import uuid

from simulator.exchange import Call
from simulator.vendors.collibra.auth import Caller
from simulator.vendors.collibra.dgc.lifecycle import ACTIVE, cancel_path
from simulator.vendors.collibra.dgc.model import DgcJob, DgcState
from simulator.vendors.collibra.errors import CollibraError, forbidden, not_found


def caller_of(call: Call) -> Caller:
    caller: Caller = call.caller  # authenticated by the vendor before the request was read
    return caller


def find_job(call: Call, *, read: bool = False) -> DgcJob:
    state: DgcState = call.state
    job_id = str(uuid.UUID(call.path["jobId"]))
    now = call.now
    job = state.get(job_id, now)
    if job is None:
        raise not_found(f"Job with id {job_id} not found.", "jobNotFound")
    job.timeline.observe(now, read=read)
    return job


def not_cancelable(job: DgcJob, why: str) -> CollibraError:
    return CollibraError(
        400,
        f"Job {job.job_id} cannot be canceled: {why}.",
        code="jobNotCancelable",
        help_message="Only a WAITING or RUNNING job that was submitted as cancelable can be canceled.",
    )


def check_owner(job: DgcJob, caller: Caller) -> None:
    if not caller.admin and caller.id != job.user_id:
        raise forbidden(f"User {caller.name!r} may not cancel job {job.job_id}: only its owner or an admin may.")


def _stop(job: DgcJob, caller: Caller, now: float, message: str | None) -> None:
    if job.state in ACTIVE - {"CANCELING"}:
        job.timeline.interrupt(cancel_path(job.timeline.step, job.progress(now)), now)
    if message is not None:
        job.message = message
    job.modified_by, job.modified_at = caller.id, now


def cancel(job: DgcJob, caller: Caller, now: float, message: str | None) -> None:
    """The Core 2.0 cancel: owner or admin, cancelable, not ended; a job already being cancelled is a no-op."""
    check_owner(job, caller)
    if not job.cancelable:
        raise not_cancelable(job, "it was submitted as not cancelable")
    if job.state in ("COMPLETED", "ERROR"):
        raise not_cancelable(job, f"it already ended in state {job.state}")
    if job.state in ("WAITING", "RUNNING"):
        _stop(job, caller, now, message)


def delete(job: DgcJob, caller: Caller, now: float, message: str) -> None:
    """The v1 DELETE: stops a waiting or running job (as cancel does) and soft-deletes any job."""
    check_owner(job, caller)
    if job.deleted or job.state == "CANCELED":
        return
    if job.state in ("WAITING", "RUNNING") and not job.cancelable:
        raise not_cancelable(job, "it is still running and was submitted as not cancelable")
    _stop(job, caller, now, message)
    job.deleted = True
