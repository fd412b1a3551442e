"""YAML loading for files users hand us: safe types only, bounded size and aliases, and line numbers kept
(`yaml_parser` parses; a text parsed before comes back from the document cache)."""

from __future__ import annotations

from typing import Any

from simulator.contract import cache

MAX_YAML_BYTES = 1024 * 1024


class YamlError(ValueError):
    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source, self.line, self.reason = source, line, reason
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


Lines = dict[tuple[Any, ...], int]


def load_yaml(text: str, source: str) -> tuple[Any, Lines]:
    """Parse `text` safely; return the data and the 1-based line of every mapping key and list item."""
    content = text.encode("utf-8", "replace")
    if len(content) > MAX_YAML_BYTES:
        raise YamlError(source, None, f"file is larger than {MAX_YAML_BYTES} bytes")
    # A text parsed before (every start parses the same scenarios and declarations) is read back from the document
    # cache: the data and lines it gave, under the hash of the text and the parser's version (`contract/cache.py`).
    name = "yaml-" + cache.key(content, checked=False)
    kept = cache.load(name)
    if kept is not None and set(kept) == {"data", "lines"}:
        return kept["data"], kept["lines"]
    from simulator.engine import yaml_parser  # PyYAML is imported only for a text the cache does not have

    try:
        loaded = yaml_parser.parse(text)
    except yaml_parser.ParseError as exc:
        raise YamlError(source, exc.line, exc.reason) from exc
    cache.store(name, {"data": loaded[0], "lines": loaded[1]})
    return loaded


def line_of(lines: Lines, path: tuple[Any, ...]) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), 1)
