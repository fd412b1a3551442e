"""Run dates: the tagged `{kind: DATE|TIMESTAMP, value}` objects, UTC normalisation and backrun arithmetic."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from simulator.exchange import ErrorKind
from simulator.vendors.collibra.errors import CollibraError, invalid


@dataclass(frozen=True, slots=True)
class RunDate:
    """A run date. DATE values are held as 00:00:00Z of that day."""

    kind: str  # DATE | TIMESTAMP
    moment: datetime

    def wire(self) -> dict[str, str]:
        if self.kind == "DATE":
            return {"kind": "DATE", "value": self.moment.date().isoformat()}
        return {"kind": "TIMESTAMP", "value": self.moment.strftime("%Y-%m-%dT%H:%M:%SZ")}


def now_as(date_format: str, now: float) -> RunDate:
    """The run date of a trigger without one: now, in the job's date format."""
    moment = datetime.fromtimestamp(int(now), UTC)
    if date_format == "DATE":
        moment = moment.replace(hour=0, minute=0, second=0)
    return RunDate(date_format, moment)


_FORMS = {
    "DATE": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    # RFC 3339 date-time: `T` and `Z` may be lowercase (RFC 3339 section 5.6).
    "TIMESTAMP": re.compile(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
    ),
}
EXPECTED = {
    "DATE": "a calendar date yyyy-MM-dd, e.g. 2024-05-01",
    "TIMESTAMP": "an RFC 3339 timestamp with seconds and an offset (Z or +hh:mm), e.g. 2024-05-01T10:00:00Z",
}
RUN_DATE_FIELDS = ("runDate", "runDateEnd")


def check(body: Any) -> None:
    """400s that name the run-date field and what it needs (the schema alone would only report its anyOf)."""
    if not isinstance(body, dict):
        return
    for field in RUN_DATE_FIELDS:
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise _problem(f"Invalid value for field '{field}': expected an object {{kind, value}} or null.", field)
        for part in ("kind", "value"):
            if part not in value:
                raise _problem(f"Missing required field: {field}.{part}", field, ErrorKind.MISSING_PARAMETER)
        kind = value["kind"]
        if not isinstance(kind, str) or kind not in EXPECTED:
            raise _problem(f"Invalid value for field '{field}.kind': {_shown(kind)} is not DATE or TIMESTAMP.", field)
        try:
            parse(value, field)
        except CollibraError as error:
            raise _problem(error.message, field) from None


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... (truncated)"


def _problem(message: str, field: str, kind: ErrorKind = ErrorKind.INVALID_PARAMETER) -> CollibraError:
    # A request problem like the schema's own 400s (counted as a validation failure), in Collibra's errorCode.
    return CollibraError(400, message, code="invalidRequest", kind=kind, field=field)


def parse(value: Any, field: str) -> RunDate:
    """A request's tagged run date, normalised to UTC, seconds precision."""
    kind, text = value["kind"], value["value"]
    try:
        if not isinstance(text, str) or not _FORMS[kind].fullmatch(text):
            raise ValueError("not the form")
        if kind == "DATE":
            day = date.fromisoformat(text)
            return RunDate("DATE", datetime(day.year, day.month, day.day, tzinfo=UTC))
        moment = datetime.fromisoformat(text.upper())
        return RunDate("TIMESTAMP", moment.astimezone(UTC).replace(microsecond=0))
    except (ValueError, OverflowError):
        raise invalid(
            f"Invalid value for field '{field}.value': {_shown(text)} is not a {kind}; "
            f"{field}.value must be {EXPECTED[kind]}.",
            field,
        ) from None


def from_text(text: str) -> RunDate:
    """A run date written in scenario data: `2024-05-01` (DATE) or an RFC 3339 timestamp (TIMESTAMP)."""
    kind = "DATE" if len(text) == 10 else "TIMESTAMP"
    return parse({"kind": kind, "value": text}, "runDate")


def shift_back(run_date: RunDate, time_bin: str, count: int) -> RunDate:
    """`run_date` moved `count` bins back; MONTH and YEAR clamp the day to the end of the month."""
    moment = run_date.moment
    if time_bin == "DAY":
        return RunDate(run_date.kind, moment - timedelta(days=count))
    months = count * (12 if time_bin == "YEAR" else 1)
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1]) if year >= 1 else moment.day
    return RunDate(run_date.kind, moment.replace(year=year, month=month, day=day))
