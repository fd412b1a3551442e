"""Run dates: the tagged `{kind: DATE|TIMESTAMP, value}` objects, UTC normalisation and backrun arithmetic."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from simulator.vendors.collibra_dq.errors import invalid


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


def parse(value: Any, field: str) -> RunDate:
    """A request's tagged run date (already checked against the schema), normalised to UTC, seconds precision."""
    kind, text = value["kind"], value["value"]
    try:
        if kind == "DATE":
            day = date.fromisoformat(text)
            return RunDate("DATE", datetime(day.year, day.month, day.day, tzinfo=UTC))
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("no offset")
        return RunDate("TIMESTAMP", moment.astimezone(UTC).replace(microsecond=0))
    except (ValueError, OverflowError):
        raise invalid(f"Invalid value for field '{field}.value': {text!r} is not a valid {kind}.", field) from None


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
