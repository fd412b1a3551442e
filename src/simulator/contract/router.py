"""Find the operation for a method and path: a dict lookup for literal paths, compiled patterns for templates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from simulator.contract.operation import Operation


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of routing: an operation (with raw path values), or the API that owns the path, or nothing."""

    operation: Operation | None
    path_values: dict[str, str]
    api: str | None
    allowed: tuple[str, ...] = ()


_NO_VALUES: dict[str, str] = {}


class Router:
    def __init__(
        self,
        operations: list[Operation],
        prefixes: list[tuple[str, str]],
        owned: Sequence[tuple[str, str]] = (),
    ) -> None:
        """`prefixes` are where each API is mounted; `owned` are further paths whose unknown requests it answers."""
        self._literal: dict[str, dict[str, Operation]] = {}
        templated: dict[str, dict[str, Operation]] = {}
        for op in operations:
            table = templated if "{" in op.path else self._literal
            methods = table.setdefault(op.path, {})
            if op.method in methods and methods[op.method].operation_id != op.operation_id:
                raise ValueError(f"two operations serve {op.method} {op.path}")
            methods[op.method] = op
        # More literal segments first, so /jobs/types wins over /jobs/{jobId}.
        self._ordered = sorted(templated.items(), key=lambda item: _specificity(item[0]), reverse=True)
        # The templates' patterns, compiled when a path first misses the literal routes (`_by_shape`): a start
        # compiles none of them.
        self._shapes: dict[tuple[int, str | None], list[tuple[re.Pattern[str], dict[str, Operation]]]] | None = None
        self._prefixes = sorted([*prefixes, *owned], key=lambda item: len(item[0]), reverse=True)
        self._mounts: dict[str, tuple[str, ...]] = {}
        for prefix, api in prefixes:
            self._mounts[api] = (*self._mounts.get(api, ()), prefix)

    def match(self, method: str, path: str) -> Match:
        methods = self._literal.get(path)
        values = _NO_VALUES
        if methods is None:
            count, first = _shape(path)
            shapes = self._shapes
            if shapes is None:
                shapes = self._by_shape()
            for pattern, candidate in shapes.get((count, first)) or shapes.get((count, None)) or ():
                found = pattern.match(path)
                if found is not None:
                    methods, values = candidate, found.groupdict()
                    break
        if methods is not None:
            op = methods.get(method)
            if op is not None:
                return Match(op, values, op.api)
            any_op = next(iter(methods.values()))
            return Match(None, _NO_VALUES, any_op.api, tuple(sorted(methods)))
        return Match(None, _NO_VALUES, self.owner(path))

    def _by_shape(self) -> dict[tuple[int, str | None], list[tuple[re.Pattern[str], dict[str, Operation]]]]:
        """The compiled templates by the shape of the paths they can match. A path parameter matches one segment, so
        only templates with the path's number of segments (and its first segment, when the template's is literal)
        can match: a request tries a handful, not every template."""
        shapes: dict[tuple[int, str | None], list[tuple[re.Pattern[str], dict[str, Operation]]]] = {}
        for path, _ in self._ordered:
            count, first = _shape(path)
            shapes.setdefault((count, None if "{" in first else first), [])
        for path, methods in self._ordered:
            compiled = (_pattern(path), methods)
            count, first = _shape(path)
            for key, bucket in shapes.items():
                if key[0] == count and ("{" in first or key[1] == first):
                    bucket.append(compiled)
        self._shapes = shapes
        return shapes

    def owner(self, path: str) -> str | None:
        """The API whose prefix the path falls under (for vendor-shaped 404s), or None."""
        for prefix, api in self._prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return api
        return None

    def mounts(self, api: str) -> tuple[str, ...]:
        return self._mounts.get(api, ())


def _shape(path: str) -> tuple[int, str]:
    """The number of segments and the first one."""
    return path.count("/"), path.split("/", 2)[1] if path.startswith("/") and len(path) > 1 else ""


def _specificity(path: str) -> tuple[int, int]:
    parts = path.split("/")
    return sum("{" not in p for p in parts), len(parts)


def _pattern(template: str) -> re.Pattern[str]:
    out = []
    for piece in re.split(r"(\{[^}]+\})", template):
        if piece.startswith("{") and piece.endswith("}"):
            name = re.sub(r"\W", "_", piece[1:-1])
            out.append(f"(?P<{name}>[^/]+)")
        else:
            out.append(re.escape(piece))
    return re.compile("^" + "".join(out) + "$")
