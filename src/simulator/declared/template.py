"""Response templates of a declared API, compiled once into small functions of a context mapping.

A template is JSON-like data. In it:
- a string `$a.b.c` is the value at that path of the context (None when any part is missing);
- a string with `${a.b}` inside is text with those values interpolated;
- a mapping with one `$`-key is a transform: `$map`, `$is`, `$time`, `$duration`, `$default`, `$count`, `$each`;
- a mapping key ending in `?` is left out when its value is None;
- anything else is a literal (`$$` at the start of a string escapes a literal `$`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

Context = Mapping[str, Any]
Compiled = Callable[[Context], Any]

_INTERPOLATION = re.compile(r"\$\{([A-Za-z0-9_.@-]+)\}")
TIME_FORMATS = ("iso", "iso_ms", "iso_us", "iso_offset", "epoch_s", "epoch_ms", "date")
DURATION_FORMATS = ("seconds", "ms", "whole_seconds", "hms", "humanized")
TRANSFORMS = ("$map", "$is", "$time", "$duration", "$default", "$count", "$each")


class TemplateError(ValueError):
    """A template that cannot be compiled; `path` says where inside it."""

    def __init__(self, path: tuple[Any, ...], reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(reason)


def lookup(context: Context, dotted: tuple[str, ...]) -> Any:
    value: Any = context
    for part in dotted:
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list | tuple) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def format_time(at: Any, style: str) -> Any:
    """A clock time in `style`; a string (a time the client sent, kept as sent) is returned as it is."""
    if at is None or isinstance(at, str):
        return at
    if style == "epoch_s":
        return int(at)
    if style == "epoch_ms":
        return round(at * 1000)
    moment = datetime.fromtimestamp(at, UTC)
    if style == "iso":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "iso_ms":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if style == "iso_us":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == "iso_offset":
        return moment.isoformat()
    if style == "date":
        return moment.strftime("%Y-%m-%d")
    return moment.strftime(style)  # a strftime pattern


def format_duration(seconds: float | None, style: str) -> Any:
    if seconds is None:
        return None
    seconds = max(seconds, 0.0)
    if style == "seconds":
        return round(seconds, 6)
    if style == "ms":
        return round(seconds * 1000)
    if style == "whole_seconds":
        return int(seconds)
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if style == "hms":
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"
    parts = [(hours, "hour"), (minutes, "minute"), (secs, "second")]
    words = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return ", ".join(words) or "0 seconds"


def compile_template(raw: Any, time_style: str, path: tuple[Any, ...] = ()) -> Compiled:
    """A function of the context giving the template's value; raises TemplateError for a malformed template."""
    if isinstance(raw, str):
        return _compile_string(raw, time_style, path)
    if isinstance(raw, list):
        items = [compile_template(item, time_style, (*path, index)) for index, item in enumerate(raw)]
        return lambda context: [item(context) for item in items]
    if isinstance(raw, dict):
        transforms = [key for key in raw if isinstance(key, str) and key.startswith("$")]
        if transforms:
            return _compile_transform(raw, transforms, time_style, path)
        entries = []
        for key, value in raw.items():
            name = str(key)
            optional = name.endswith("?")
            entries.append(
                (name[:-1] if optional else name, optional, compile_template(value, time_style, (*path, key)))
            )
        return lambda context: _build(entries, context)
    return lambda context: raw


def _build(entries: list[tuple[str, bool, Compiled]], context: Context) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, optional, value in entries:
        result = value(context)
        if result is None and optional:
            continue
        out[name] = result
    return out


def _compile_string(raw: str, time_style: str, path: tuple[Any, ...]) -> Compiled:
    if raw.startswith("$$"):
        literal = raw[1:]
        return lambda context: literal
    if raw.startswith("$") and "${" not in raw:
        dotted = tuple(raw[1:].split("."))
        if not raw[1:] or any(not part for part in dotted):
            raise TemplateError(path, f"{raw!r} is not a path (write $name or $a.b.c)")
        if dotted[0] == "time" and len(dotted) == 2:
            return lambda context: format_time(lookup(context, dotted), time_style)
        return lambda context: lookup(context, dotted)
    pieces = _INTERPOLATION.split(raw)
    if len(pieces) == 1:
        return lambda context: raw
    parts: list[str | tuple[str, ...]] = [
        tuple(piece.split(".")) if index % 2 else piece for index, piece in enumerate(pieces)
    ]

    def interpolate(context: Context) -> str:
        out = []
        for part in parts:
            if isinstance(part, tuple):
                value = lookup(context, part)
                if part[0] == "time" and len(part) == 2:
                    value = format_time(value, time_style)
                out.append("" if value is None else _text(value))
            else:
                out.append(part)
        return "".join(out)

    return interpolate


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compile_transform(raw: dict[str, Any], keys: list[str], time_style: str, path: tuple[Any, ...]) -> Compiled:
    if len(keys) != 1 or keys[0] not in TRANSFORMS:
        raise TemplateError(path, f"a transform has exactly one of {', '.join(TRANSFORMS)} (found {', '.join(keys)})")
    kind = keys[0]
    if kind in ("$time", "$duration"):
        target = raw[kind]
        if not isinstance(target, str) or not target.strip("$"):
            raise TemplateError((*path, kind), f"{kind} takes a path, e.g. time.started or duration.run")
        dotted = tuple(target.lstrip("$").split("."))
        source: Compiled = lambda context: lookup(context, dotted)  # noqa: E731
    else:
        source = compile_template(raw[kind], time_style, (*path, kind))
    if kind == "$map":
        values = raw.get("values")
        if not isinstance(values, dict):
            raise TemplateError((*path, "values"), "$map needs `values`: a mapping from value to result")
        table = {str(k): compile_template(v, time_style, (*path, "values", k)) for k, v in values.items()}
        fallback = compile_template(raw.get("default"), time_style, (*path, "default"))
        return lambda context: table.get(_text(source(context)), fallback)(context)
    if kind == "$is":
        members = raw.get("in")
        if not isinstance(members, list):
            raise TemplateError((*path, "in"), "$is needs `in`: a list of values")
        wanted = frozenset(_text(m) for m in members)
        return lambda context: _text(source(context)) in wanted
    if kind == "$time":
        style = str(raw.get("format", time_style))
        return lambda context: format_time(_time(source(context)), style)
    if kind == "$duration":
        style = str(raw.get("format", "seconds"))
        if style not in DURATION_FORMATS:
            raise TemplateError((*path, "format"), f"unknown duration format {style!r}: {', '.join(DURATION_FORMATS)}")
        return lambda context: format_duration(_number(source(context)), style)
    if kind == "$each":
        name = raw.get("as")
        if not isinstance(name, str) or not name:
            raise TemplateError((*path, "as"), "$each needs `as`: the name each item has in `do`")
        body = compile_template(raw.get("do", f"${name}"), time_style, (*path, "do"))
        return lambda context: [body({**context, name: item}) for item in (source(context) or ())]
    if kind == "$count":
        return lambda context: len(source(context) or ())
    fallback_template = compile_template(raw.get("else"), time_style, (*path, "else"))
    return lambda context: _first(source(context), fallback_template, context)


def _first(value: Any, fallback: Compiled, context: Context) -> Any:
    return fallback(context) if value is None else value


def _time(value: Any) -> Any:
    return value if isinstance(value, str) else _number(value)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
