"""Run parameters: job_parameters, the deprecated per-task-type maps, their limits, and resolved values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from simulator.exchange import ApiError

LEGACY = (
    "notebook_params",
    "jar_params",
    "python_params",
    "spark_submit_params",
    "python_named_params",
    "sql_params",
    "dbt_commands",
    "pipeline_params",
)
_ASCII_ONLY = ("python_params", "spark_submit_params")
_MAX_BYTES = 10_000
_LEGACY_NAMES = frozenset(LEGACY)


def invalid(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, message, code="INVALID_PARAMETER_VALUE", field=field)


def check(body: dict[str, Any]) -> None:
    """The documented limits the schema cannot say: exclusivity, 10,000 bytes of JSON, ASCII-only lists."""
    if _LEGACY_NAMES.isdisjoint(body):  # most triggers give none of these maps
        return
    if "jar_params" in body and "notebook_params" in body:
        raise invalid("jar_params cannot be specified in conjunction with notebook_params.", "jar_params")
    for name in LEGACY:
        if name in body and len(orjson.dumps({name: body[name]})) > _MAX_BYTES:
            raise invalid(f"The JSON representation of {name} cannot exceed {_MAX_BYTES} bytes.", name)
    for name in _ASCII_ONLY:
        if any(not str(value).isascii() for value in body.get(name) or ()):
            raise invalid(f"{name} accepts only Latin characters (ASCII character set).", name)


def overriding(body: dict[str, Any]) -> dict[str, Any]:
    if _LEGACY_NAMES.isdisjoint(body):
        return {}
    return {key: body[key] for key in LEGACY if key in body}


def job_parameters(settings: dict[str, Any], given: dict[str, str] | None) -> tuple[dict[str, Any], ...]:
    """A run's job parameters: the job's defaults with the values given. A tuple: most runs have none, and share the
    empty one (docs/decisions.md, "Tracked objects per run")."""
    if not given and not settings.get("parameters"):
        return ()
    given = dict(given or {})
    out = []
    for parameter in settings.get("parameters", []):
        name = parameter["name"]
        out.append({"name": name, "default": parameter["default"], "value": given.pop(name, parameter["default"])})
    out.extend({"name": name, "value": value} for name, value in given.items())
    return tuple(out)


def merge(old: Sequence[dict[str, Any]], given: dict[str, str]) -> tuple[dict[str, Any], ...]:
    """Repair's job_parameters replace the values of a run's parameters (new names are added)."""
    out = [dict(p, value=given[p["name"]]) if p["name"] in given else dict(p) for p in old]
    known = {p["name"] for p in old}
    out.extend({"name": name, "value": value} for name, value in given.items() if name not in known)
    return tuple(out)


def resolved_values(
    spec: dict[str, Any],
    resolve: Callable[[str], str],
    job_params: Sequence[dict[str, Any]],
    run_params: dict[str, Any],
) -> dict[str, Any]:
    """`resolved_values` of a task run: its parameters with overrides applied and {{references}} replaced."""
    out: dict[str, Any] = {}
    if "notebook_task" in spec:
        base = dict(spec["notebook_task"].get("base_parameters") or {})
        base.update({p["name"]: p.get("value", p.get("default", "")) for p in job_params})
        base.update(run_params.get("notebook_params") or {})
        out["notebook_task"] = {"base_parameters": {k: resolve(str(v)) for k, v in base.items()}}
    _lists = (
        ("spark_jar_task", "jar_params"),
        ("spark_python_task", "python_params"),
        ("spark_submit_task", "spark_submit_params"),
    )
    for task_type, override in _lists:
        if task_type in spec:
            values = run_params.get(override) or spec[task_type].get("parameters") or []
            out[task_type] = {"parameters": [resolve(str(v)) for v in values]}
    if "python_wheel_task" in spec:
        wheel = spec["python_wheel_task"]
        named = run_params.get("python_named_params") or wheel.get("named_parameters") or {}
        positional = run_params.get("python_params") or wheel.get("parameters") or []
        out["python_wheel_task"] = {
            "parameters": [resolve(str(v)) for v in positional],
            "named_parameters": {k: resolve(str(v)) for k, v in named.items()},
        }
    if "sql_task" in spec:
        sql = {**(spec["sql_task"].get("parameters") or {}), **(run_params.get("sql_params") or {})}
        out["sql_task"] = {"parameters": {k: resolve(str(v)) for k, v in sql.items()}}
    if "dbt_task" in spec:
        commands = run_params.get("dbt_commands") or spec["dbt_task"].get("commands") or []
        out["dbt_task"] = {"commands": [resolve(str(c)) for c in commands]}
    if "condition_task" in spec:
        condition = spec["condition_task"]
        out["condition_task"] = {"left": resolve(str(condition["left"])), "right": resolve(str(condition["right"]))}
    if "run_job_task" in spec:
        params = spec["run_job_task"].get("job_parameters") or {}
        out["run_job_task"] = {"job_parameters": {k: resolve(str(v)) for k, v in params.items()}}
    return out
