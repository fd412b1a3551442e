"""Response templates of a declared API, compiled once into small functions of a context mapping.

A template is JSON-like data. In it:
- a string `$a.b.c` is the value at that path of the context (None when any part is missing);
- a string with `${a.b}` inside is text with those values interpolated;
- a mapping with one `$`-key is a transform: `$map`, `$is`, `$time`, `$duration`, `$default`, `$count`, `$each`,
  `$lerp`, `$eq`, `$any`, `$all`, `$not`, `$min`, `$floor`, `$lower`, `$uuid5`;
- a mapping key ending in `?` is left out when its value is None;
- anything else is a literal (`$$` at the start of a string escapes a literal `$`).
"""

from __future__ import annotations

import functools
import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

Context = Mapping[str, Any]
Compiled = Callable[[Context], Any]

_INTERPOLATION = re.compile(r"\$\{([A-Za-z0-9_.@-]+)\}")
TIME_FORMATS = ("iso", "iso_ms", "iso_us", "iso_offset", "epoch_s", "epoch_ms", "date")
DURATION_FORMATS = ("seconds", "ms", "whole_seconds", "hms", "humanized")
TRANSFORMS = (
    "$map",
    "$is",
    "$time",
    "$duration",
    "$default",
    "$count",
    "$each",
    "$lerp",
    "$eq",
    "$any",
    "$all",
    "$not",
    "$min",
    "$floor",
    "$lower",
    "$uuid5",
)
# Transforms whose operand is a list of templates (each compiled on its own).
_LIST_TRANSFORMS = frozenset({"$eq", "$any", "$all", "$min"})


class TemplateError(ValueError):
    """A template that cannot be compiled; `path` says where inside it."""

    def __init__(self, path: tuple[Any, ...], reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(reason)


def lookup(context: Context, dotted: tuple[str, ...]) -> Any:
    value: Any = context
    for part in dotted:
        if type(value) is dict or isinstance(value, Mapping):  # the common case, without an ABC check
            value = value.get(part)
        elif isinstance(value, list | tuple) and part.isdigit():
            index = int(part)
            value = value[index] if index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def compile_path(dotted: tuple[str, ...]) -> Compiled:
    """A fast reader of one path: contexts are plain dicts, so the usual one- and two-part paths are dict gets."""
    if len(dotted) == 1:
        (first,) = dotted
        return lambda context: context.get(first)
    if len(dotted) == 2:
        first, second = dotted

        def two(context: Context) -> Any:
            value = context.get(first)
            if type(value) is dict:
                return value.get(second)
            return None if value is None else lookup(value, (second,))

        return two
    return lambda context: lookup(context, dotted)


def format_time(at: Any, style: str) -> Any:
    """A clock time in `style`; a string (a time the client sent, kept as sent) is returned as it is."""
    if at is None or isinstance(at, str):
        return at
    return _format_time(float(at), style)


@functools.lru_cache(maxsize=8192)  # a run's times are read again at every poll
def _format_time(at: float, style: str) -> Any:
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
    if _constant(raw):
        return lambda context: raw  # shared, never mutated: replies are serialized as they are
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
                (name[:-1] if optional else name, optional, value, compile_template(value, time_style, (*path, key)))
            )
        return _object_builder(entries)
    return lambda context: raw


def _constant(raw: Any) -> bool:
    if isinstance(raw, str):
        return not raw.startswith("$") and "${" not in raw
    if isinstance(raw, list):
        return all(_constant(item) for item in raw)
    if isinstance(raw, dict):
        return all(isinstance(k, str) and not k.endswith("?") and not k.startswith("$") for k in raw) and all(
            _constant(v) for v in raw.values()
        )
    return True


def _object_builder(entries: list[tuple[str, bool, Any, Compiled]]) -> Compiled:
    """One generated function per object template: a dict display (or, with `key?` entries, a few statements)
    that reads one-part paths with dict.get and calls the compiled value functions directly. Rendering is the
    per-request work of a declared API, and a loop over entries with a call each cost it a third more than a
    coded vendor's hand-written dict (benchmarks/bench_http.py, "declared vs coded")."""
    namespace: dict[str, Any] = {}
    lines = ["def build(c):"]
    parts = []
    for index, (name, optional, raw, compiled) in enumerate(entries):
        if _constant(raw):
            namespace[f"k{index}"] = raw
            expression = f"k{index}"
        elif (
            isinstance(raw, str) and raw[:1] == "$" and raw[1:2] not in ("$", "") and "." not in raw and "{" not in raw
        ):
            namespace[f"n{index}"] = raw[1:]
            expression = f"c.get(n{index})"
        else:
            namespace[f"f{index}"] = compiled
            expression = f"f{index}(c)"
        namespace[f"key{index}"] = name
        parts.append((index, optional, expression))
    if not any(optional for _, optional, _ in parts):
        lines.append("    return {" + ", ".join(f"key{i}: {e}" for i, _, e in parts) + "}")
    else:
        lines.append("    out = {}")
        for index, optional, expression in parts:
            if optional:
                lines += [f"    v = {expression}", "    if v is not None:", f"        out[key{index}] = v"]
            else:
                lines.append(f"    out[key{index}] = {expression}")
        lines.append("    return out")
    exec("\n".join(lines), namespace)  # names only come from this function: keys and values are in `namespace`
    built: Compiled = namespace["build"]
    return built


def _compile_string(raw: str, time_style: str, path: tuple[Any, ...]) -> Compiled:
    if raw.startswith("$$"):
        literal = raw[1:]
        return lambda context: literal
    if raw.startswith("$") and "${" not in raw:
        dotted = tuple(raw[1:].split("."))
        if not raw[1:] or any(not part for part in dotted):
            raise TemplateError(path, f"{raw!r} is not a path (write $name or $a.b.c)")
        read = compile_path(dotted)
        if dotted[0] == "time" and len(dotted) == 2:
            return lambda context: format_time(read(context), time_style)
        return read
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
    source: Compiled
    if kind in ("$time", "$duration"):
        target = raw[kind]
        if not isinstance(target, str) or not target.strip("$"):
            raise TemplateError((*path, kind), f"{kind} takes a path, e.g. time.started or duration.run")
        source = compile_path(tuple(target.lstrip("$").split(".")))
    elif kind in _LIST_TRANSFORMS:
        source = _none
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

        def member(context: Context) -> bool:
            value = source(context)
            return (value if type(value) is str else _text(value)) in wanted

        return member
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
    if kind == "$lerp":
        # A number moving with the clock: `from` at 0 and `to` at 1 of the fraction the `$lerp` template gives
        # (e.g. step.fraction: how much of the current timed step has passed), rounded to `round` digits.
        start = compile_template(raw.get("from", 0), time_style, (*path, "from"))
        end = compile_template(raw.get("to", 100), time_style, (*path, "to"))
        digits = int(raw.get("round", 1))

        def lerp(context: Context) -> Any:
            at, low, high = _number(source(context)), _number(start(context)), _number(end(context))
            if at is None or low is None or high is None:
                return low if at is None else None
            return round(low + (high - low) * min(max(at, 0.0), 1.0), digits)

        return lerp
    if kind == "$count":
        return lambda context: len(source(context) or ())
    if kind in _LIST_TRANSFORMS:
        return _compile_list_transform(kind, raw[kind], time_style, path)
    if kind == "$not":
        return lambda context: not truthy(source(context))
    if kind == "$floor":
        return lambda context: _floor(source(context))
    if kind == "$lower":
        return lambda context: _lower(source(context))
    if kind == "$uuid5":
        namespace = uuid.uuid5(uuid.NAMESPACE_URL, str(raw.get("namespace", "https://jobsim.dev/names")))
        return lambda context: _uuid5(namespace, source(context))
    fallback_template = compile_template(raw.get("else"), time_style, (*path, "else"))
    return lambda context: _first(source(context), fallback_template, context)


def _none(context: Context) -> Any:
    return None


def _compile_list_transform(kind: str, raw: Any, time_style: str, path: tuple[Any, ...]) -> Compiled:
    """`$eq`, `$any`, `$all`, `$min`: each takes a list of templates."""
    if not isinstance(raw, list) or not raw:
        raise TemplateError((*path, kind), f"{kind} takes a list of templates")
    items = [compile_template(item, time_style, (*path, kind, index)) for index, item in enumerate(raw)]
    if kind == "$eq":

        def equal(context: Context) -> bool:
            values = [item(context) for item in items]
            return all(_same(values[0], value) for value in values[1:])

        return equal
    if kind == "$any":
        return lambda context: any(truthy(item(context)) for item in items)
    if kind == "$all":
        return lambda context: all(truthy(item(context)) for item in items)

    def smallest(context: Context) -> Any:
        numbers = [n for n in (_number(item(context)) for item in items) if n is not None]
        if not numbers:
            return None
        low = min(numbers)
        return int(low) if low.is_integer() else low

    return smallest


def _same(a: Any, b: Any) -> bool:
    return a == b or (a is not None and b is not None and _text(a) == _text(b))


def truthy(value: Any) -> bool:
    """A condition's value (of `$not`, `$any`, `$all`, `require` and `skip`): false, None, 0, "", "false" and empty
    lists are false."""
    if isinstance(value, str):
        return value not in ("", "false", "False")
    return bool(value)


def _floor(value: Any) -> Any:
    number = _number(value)
    return None if number is None else math.floor(number + 1e-9)


def _lower(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _uuid5(namespace: uuid.UUID, value: Any) -> Any:
    """A stable UUID for a name (a value that already is a UUID is kept, lower case)."""
    if value is None:
        return None
    text = str(value)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return str(uuid.uuid5(namespace, text))


def _first(value: Any, fallback: Compiled, context: Context) -> Any:
    return fallback(context) if value is None else value


def _time(value: Any) -> Any:
    return value if isinstance(value, str) else _number(value)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
