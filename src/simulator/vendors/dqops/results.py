"""Result summaries of finished jobs, from the counts the scenario put on the `finished` step (`attrs`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.vendors.dqops.model import Job


def _severity(counts: Mapping[str, int]) -> str | None:
    for key, severity in (("fatals", "fatal"), ("errors", "error"), ("warnings", "warning")):
        if counts[key]:
            return severity
    return "valid" if counts["valid_results"] else None


def run_checks(attrs: Mapping[str, Any]) -> dict[str, Any]:
    executed = attrs.get("executed_checks", 10)
    counts = {key: attrs.get(key, 0) for key in ("warnings", "errors", "fatals", "execution_errors")}
    valid = attrs.get("valid_results", max(executed - sum(counts.values()), 0))
    counts["valid_results"] = valid
    out: dict[str, Any] = {}
    severity = attrs.get("highest_severity") or _severity(counts)
    if severity:
        out["highest_severity"] = severity
    out.update(executed_checks=executed, valid_results=valid)
    out.update((key, counts[key]) for key in ("warnings", "errors", "fatals", "execution_errors"))
    return out


def statistics(attrs: Mapping[str, Any]) -> dict[str, Any]:
    executed = attrs.get("executed_statistics_collectors", 12)
    failed = attrs.get("total_collectors_failed", 0)
    columns = attrs.get("columns_analyzed", 4)
    return {
        "executed_statistics_collectors": executed,
        "columns_analyzed": columns,
        "columns_successfully_analyzed": attrs.get("columns_successfully_analyzed", columns),
        "total_collectors_failed": failed,
        "total_collected_results": attrs.get("total_collected_results", max(executed - failed, 0)),
    }


def error_samples(attrs: Mapping[str, Any]) -> dict[str, Any]:
    executed = attrs.get("executed_error_samplers", 3)
    failed = attrs.get("total_error_samplers_failed", 0)
    columns = attrs.get("columns_analyzed", 1)
    return {
        "executed_error_samplers": executed,
        "columns_analyzed": columns,
        "columns_successfully_analyzed": attrs.get("columns_successfully_analyzed", columns),
        "total_error_samplers_failed": failed,
        "total_error_samples_collected": attrs.get("total_error_samples_collected", max(executed - failed, 0) * 10),
    }


_TABLE_SPEC = {"columns": {"id": {"type_snapshot": {"column_type": "INTEGER", "nullable": False}}}}


def import_tables(attrs: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    count = attrs.get("imported_tables", len(parameters.get("tableNames") or ()) or 1)
    return {"source_table_specs": [dict(_TABLE_SPEC) for _ in range(count)]}


def delete_data(attrs: Mapping[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    rows = attrs.get("deleted_rows", 0)
    if not rows:
        return {"partitionResults": {}}
    table = parameters.get("fullTableName") or "*"
    partition = f"{parameters.get('connection') or '*'}/{table}/{str(parameters.get('dateStart') or '')[:7] or '*'}"
    return {"partitionResults": {partition: {"rowsAffectedCount": rows, "partitionDeleted": True}}}


def result_of(job: Job) -> dict[str, Any] | None:
    """The summary of a finished job in its own result model, or None (not finished, or no result model)."""
    step = job.timeline.step
    if step.state != "finished":
        return None
    attrs, kind = step.attrs, job.kind.result
    if kind == "run_checks":
        return run_checks(attrs)
    if kind == "statistics":
        return statistics(attrs)
    if kind == "error_samples":
        return error_samples(attrs)
    if kind == "import_tables":
        return import_tables(attrs, job.parameters)
    if kind == "delete_data":
        return delete_data(attrs, job.parameters)
    return None
