"""YAML loading for files users hand us: safe types only, bounded size and aliases, and line numbers kept."""

from __future__ import annotations

from typing import Any

import yaml

from simulator.contract import cache

MAX_YAML_BYTES = 1024 * 1024
MAX_ALIASES = 64
MAX_NODES = 200_000


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
    if _FAST is not yaml.SafeLoader:
        try:
            loaded = _load(text, source, _FAST)
        except yaml.YAMLError:
            pass  # say what is wrong in the words of the pure-Python parser (its messages are the documented ones)
        else:
            cache.store(name, {"data": loaded[0], "lines": loaded[1]})
            return loaded
    return _load(text, source, yaml.SafeLoader)


# libyaml's parser where PyYAML has it: the same events, nodes and safe types, about ten times faster.
_FAST: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str, source: str, loader_class: Any) -> tuple[Any, Lines]:
    try:
        aliases = depth = 0
        for event in yaml.parse(text, Loader=loader_class):  # events: no recursion, however deep the text
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:  # the composer below recurses once per level
                    raise YamlError(
                        source,
                        event.start_mark.line + 1 if event.start_mark else None,
                        f"nesting deeper than {MAX_DEPTH} levels",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        if aliases > MAX_ALIASES:
            raise YamlError(source, None, f"too many YAML aliases ({aliases} > {MAX_ALIASES})")
        node = yaml.compose(text, Loader=loader_class)
        if node is not None and _expanded_size(node, {}, 0) > MAX_NODES:
            raise YamlError(source, None, f"YAML aliases expand to more than {MAX_NODES} nodes")
        data = _construct(node, loader_class)
    except yaml.MarkedYAMLError as exc:
        if loader_class is not yaml.SafeLoader:
            raise
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(source, mark.line + 1 if mark else None, str(exc.problem or exc)) from exc
    except yaml.YAMLError as exc:
        if loader_class is not yaml.SafeLoader:
            raise
        raise YamlError(source, None, str(exc)) from exc
    lines: Lines = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _construct(node: yaml.Node | None, loader_class: Any) -> Any:
    """The data of an already composed document (what `safe_load` gives), without parsing the text again."""
    if node is None:
        return None
    loader = loader_class("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def line_of(lines: Lines, path: tuple[Any, ...]) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get((), 1)


MAX_DEPTH = 48


def _expanded_size(node: yaml.Node, sizes: dict[int, int], depth: int) -> int:
    """How many nodes the document has once every alias is expanded (shared nodes are counted once each use)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        raise YamlError("<yaml>", node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels")
    total = 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            total += _expanded_size(key_node, sizes, depth + 1) + _expanded_size(value_node, sizes, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _expanded_size(item, sizes, depth + 1)
    sizes[id(node)] = total
    return total


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: Lines) -> None:
    if len(path) > MAX_DEPTH:
        raise YamlError("<yaml>", node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels")
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (
                yaml.safe_load(yaml.serialize(key_node))
                if not isinstance(key_node, yaml.ScalarNode)
                else (key_node.value)
            )
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines)
