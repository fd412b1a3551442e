"""Data Quality permissions, as the Data Quality API reference names them per operation, with the global bypasses.

A user's `permissions` are global; their `jobs` (name patterns, default every job) narrow which jobs
`DATA_QUALITY_JOB_RUN` and `DATA_QUALITY_JOB_VIEW` apply to. The bypass pairs reach every job.
"""

from __future__ import annotations

import fnmatch

from simulator.vendors.collibra.auth import Caller
from simulator.vendors.collibra.errors import forbidden

BASE = "DATA_QUALITY"
RUN = "DATA_QUALITY_JOB_RUN"
VIEW = "DATA_QUALITY_JOB_VIEW"
VIEW_ALL = "VIEW_PERMISSIONS_VIEW_ALL"
MANAGE_ALL = "RESOURCE_MANAGE_ALL"
KNOWN = (BASE, RUN, VIEW, VIEW_ALL, MANAGE_ALL)

# action -> (per-job permission, global bypass permissions); each always together with DATA_QUALITY
_RULES = {"run": (RUN, (MANAGE_ALL,)), "view": (VIEW, (VIEW_ALL, MANAGE_ALL))}


def require(caller: Caller, action: str) -> None:
    """403 unless the caller holds DATA_QUALITY plus the action's permission or one of its bypasses."""
    user = caller.user
    if user is None:
        return
    permission, bypasses = _RULES[action]
    if BASE in user.permissions and (permission in user.permissions or any(b in user.permissions for b in bypasses)):
        return
    wanted = " or ".join(f"{BASE} and {p}" for p in (permission, *bypasses))
    raise forbidden(f"User {user.name!r} lacks the permissions to {action} Data Quality jobs (needs {wanted}).")


def allows(caller: Caller, action: str, job_name: str) -> bool:
    """Whether the caller (who passed `require`) may `action` this particular job."""
    user = caller.user
    if user is None:
        return True
    _, bypasses = _RULES[action]
    if any(b in user.permissions for b in bypasses):
        return True
    return any(fnmatch.fnmatchcase(job_name, pattern) for pattern in user.jobs)


def require_job(caller: Caller, action: str, job_name: str) -> None:
    if not allows(caller, action, job_name):
        name = caller.user.name if caller.user else caller.name
        raise forbidden(f"User {name!r} has no permission to {action} the Data Quality job {job_name!r}.")
