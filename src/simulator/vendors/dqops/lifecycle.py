"""DQOps job states (`DqoJobStatus`) and the checks on scenario steps."""

from __future__ import annotations

from types import MappingProxyType

from simulator.engine.lifecycle import Lifecycle, Step

TERMINAL = frozenset({"finished", "failed", "cancelled"})
ACTIVE = frozenset({"queued", "waiting", "running", "cancel_requested"})
PHASES = {
    **dict.fromkeys(("queued", "waiting"), "queued"),
    **dict.fromkeys(("running", "cancel_requested"), "running"),
    **{"finished": "success", "failed": "failure", "cancelled": "cancelled"},
}

SEVERITIES = ("valid", "warning", "error", "fatal")

# Counters a `finished` step may carry in `attrs`; each result model reads the ones it knows.
COUNT_ATTRS = frozenset(
    {
        # RunChecksResult
        "executed_checks",
        "valid_results",
        "warnings",
        "errors",
        "fatals",
        "execution_errors",
        # CollectStatisticsResult (columns_* are shared with ErrorSamplerResult)
        "executed_statistics_collectors",
        "columns_analyzed",
        "columns_successfully_analyzed",
        "total_collectors_failed",
        "total_collected_results",
        # ErrorSamplerResult
        "executed_error_samplers",
        "total_error_samplers_failed",
        "total_error_samples_collected",
        # ImportTablesResult / DeleteStoredDataResult
        "imported_tables",
        "deleted_rows",
    }
)
ATTRS = COUNT_ATTRS | {"highest_severity"}

JOB = Lifecycle(
    name="job",
    states=TERMINAL | ACTIVE,
    initial=frozenset({"queued"}),
    terminal=TERMINAL,
    moves=MappingProxyType(
        {
            "queued": frozenset({"running", "waiting", "cancel_requested", "cancelled", "failed"}),
            "waiting": frozenset({"queued", "running", "cancel_requested", "cancelled", "failed"}),
            "running": frozenset({"waiting", "finished", "failed", "cancel_requested", "cancelled"}),
            "cancel_requested": frozenset({"cancelled", "failed", "finished"}),
        }
    ),
    # The job thread notices the request at once: cancel_requested and cancelled are both recorded, at the same time.
    cancel_path=(Step("cancel_requested", seconds=0.0), Step("cancelled")),
)

# About 1.5 s of clock time, active for well over 0.3 s.
DEFAULT_PLAN = (
    Step("queued", seconds=0.3),
    Step("running", seconds=1.2),
    Step("finished"),
)


def check_step(step: Step) -> str | None:
    if step.result is not None:
        return (
            "DQOps steps take no 'result': the state (finished, failed, cancelled) is the outcome; counts go in attrs"
        )
    if step.attrs and step.state != "finished":
        return "only a 'finished' step carries attrs (the result counts)"
    for key, value in step.attrs.items():
        if key not in ATTRS:
            return f"unknown attr {key!r} (known: {', '.join(sorted(ATTRS))})"
        if key == "highest_severity":
            if value not in SEVERITIES:
                return f"highest_severity must be one of {', '.join(SEVERITIES)}"
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
            return f"attr {key!r} must be a whole number >= 0"
    return None
