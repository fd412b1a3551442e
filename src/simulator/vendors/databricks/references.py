"""Dynamic value references: `{{job.id}}`, `{{tasks.<key>.result_state}}`, ... replaced by what they name.

As Databricks documents them ("What is a dynamic value reference?"): the contents of the braces are a name, never an
expression; an identifier may be escaped in backticks; a reference that names nothing known stays as written.
Times are UTC. Names are looked up lazily, so resolving one string costs the same whatever the size of the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from simulator.vendors.databricks import dag
from simulator.vendors.databricks.lifecycle import TERMINATION
from simulator.vendors.databricks.model import Run, Slot

_REFERENCE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_SEGMENT = re.compile(r"`([^`]*)`|([^.`]+)")


def _segments(name: str) -> list[str] | None:
    """`tasks.`my-task`.values.rows` → ["tasks", "my-task", "values", "rows"]; None if it is not such a path."""
    parts = []
    position = 0
    while position < len(name):
        found = _SEGMENT.match(name, position)
        if found is None:
            return None
        parts.append(found.group(1) if found.group(1) is not None else found.group(2).strip())
        position = found.end()
        if position < len(name):
            if name[position] != ".":
                return None
            position += 1
    return parts


def _start_time(seconds: float, part: str) -> str | None:
    at = datetime.fromtimestamp(seconds, tz=UTC)
    values = {
        "iso_date": at.date().isoformat(),
        "iso_datetime": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "timestamp_ms": str(round(seconds * 1000)),
        "year": str(at.year),
        "month": str(at.month),
        "day": str(at.day),
        "hour": str(at.hour),
        "minute": str(at.minute),
        "second": str(at.second),
        "is_weekday": "true" if at.isoweekday() <= 5 else "false",
        "iso_weekday": str(at.isoweekday()),
        "day_of_week": str(at.isoweekday()),
    }
    return values.get(part)


def _executions(run: Run, key: str, upto: int | None = None) -> int:
    """How many times a task ran (retries and repairs included), up to and including task run `upto`."""
    count = 0
    for round_ in run.rounds:
        slot = round_.slots.get(key)
        for attempt in slot.attempts if slot is not None else []:
            if not attempt.never_ran:
                count += 1
            if attempt.run_id == upto:
                return count
    return count


def _task_value(run: Run, key: str, field: str, rest: list[str]) -> str | None:
    slot = run.current.get(key)
    if slot is None or slot.hidden:
        return None
    if field == "run_id" and not rest:
        return str(slot.attempts[-1].run_id if slot.attempts else slot.first_id)
    if field == "execution_count" and not rest:
        return str(_executions(run, key))
    if field == "notebook_path" and not rest:
        notebook = slot.spec.get("notebook_task") or {}
        return str(notebook["notebook_path"]) if "notebook_path" in notebook else None
    if slot.final_at is None or not slot.attempts:
        return None  # result_state, error_code and values exist once the task ended
    result = dag.outcome(slot)
    if field == "result_state" and not rest:
        return result.lower()
    if field == "error_code" and not rest:
        return "" if result in dag.FINE else TERMINATION.get(result, ("INTERNAL_ERROR", ""))[0]
    if field == "values" and len(rest) == 1:
        values = slot.attempts[-1].timeline.step.attrs.get("values") or {}
        return _text(values[rest[0]]) if rest[0] in values else None
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def resolver(run: Run, slot: Slot | None, task_run_id: int | None) -> Callable[[str], str]:
    """Replace the references in a string as seen by task `slot` (its run `task_run_id`) of `run`."""
    parameters = {p["name"]: p.get("value", p.get("default", "")) for p in run.job_parameters}
    # The repairs made before the round this task run belongs to (a task of the original run keeps 0).
    rounds = [r.number for r in run.rounds if slot is not None and r.slots.get(slot.key) is slot]
    repair_count = rounds[0] if rounds else len(run.rounds) - 1

    def lookup(name: str, nested: bool) -> str | None:
        parts = _segments(name)
        if not parts:
            return None
        head, *rest = parts
        if head == "job" and rest:
            field, *more = rest
            simple = {
                "id": str(run.shown_job_id) if run.shown_job_id is not None else None,
                "run_id": str(run.run_id),
                "name": run.run_name,
                "repair_count": str(repair_count),
            }
            if field in simple and not more:
                return simple[field]
            if field == "start_time" and len(more) == 1:
                return _start_time(run.created_at, more[0])
            if field == "trigger" and more == ["type"]:
                return run.trigger.lower()
            if field == "parameters" and len(more) == 1 and more[0] in parameters:
                value = _text(parameters[more[0]])
                return value if nested else resolve_in(value, True)  # a parameter may hold references itself
            return None
        if head == "task" and slot is not None and len(rest) == 1:
            return {
                "name": slot.key,
                "run_id": str(task_run_id),
                "execution_count": str(_executions(run, slot.key, task_run_id)),
            }.get(rest[0])
        if head == "tasks" and len(rest) >= 2:
            return _task_value(run, rest[0], rest[1], rest[2:])
        return None

    def resolve_in(text: str, nested: bool) -> str:
        if "{{" not in text:
            return text

        def replace(found: re.Match[str]) -> str:
            value = lookup(found.group(1), nested)
            return found.group(0) if value is None else value

        return _REFERENCE.sub(replace, text)

    return lambda text: resolve_in(text, False)
