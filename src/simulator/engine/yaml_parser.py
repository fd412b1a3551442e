"""The YAML parser behind `safe_yaml.load_yaml` (PyYAML, imported only when a text is not in the document cache):
safe types only, bounded aliases, nodes and depth, and the line of every mapping key and list item."""

from __future__ import annotations

from typing import Any

import yaml

MAX_ALIASES = 64
MAX_NODES = 200_000
MAX_DEPTH = 48

Lines = dict[tuple[Any, ...], int]


class ParseError(ValueError):
    """Why a text is not YAML jobsim reads, at a 1-based line when one is known."""

    def __init__(self, line: int | None, reason: str) -> None:
        self.line, self.reason = line, reason
        super().__init__(reason)


def parse(text: str) -> tuple[Any, Lines]:
    """The data of `text` and its lines, read by libyaml where PyYAML has it (about ten times faster); a text it
    refuses is read again by the pure-Python parser, whose messages are the documented ones."""
    if _FAST is not yaml.SafeLoader:
        try:
            return _load(text, _FAST)
        except yaml.YAMLError:
            pass
    return _load(text, yaml.SafeLoader)


# libyaml's parser where PyYAML has it: the same events, nodes and safe types.
_FAST: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str, loader_class: Any) -> tuple[Any, Lines]:
    try:
        aliases = depth = 0
        for event in yaml.parse(text, Loader=loader_class):  # events: no recursion, however deep the text
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:  # the composer below recurses once per level
                    raise ParseError(
                        event.start_mark.line + 1 if event.start_mark else None,
                        f"nesting deeper than {MAX_DEPTH} levels",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        if aliases > MAX_ALIASES:
            raise ParseError(None, f"too many YAML aliases ({aliases} > {MAX_ALIASES})")
        node = yaml.compose(text, Loader=loader_class)
        if node is not None and _expanded_size(node, {}, 0) > MAX_NODES:
            raise ParseError(None, f"YAML aliases expand to more than {MAX_NODES} nodes")
        data = _construct(node, loader_class)
    except yaml.MarkedYAMLError as exc:
        if loader_class is not yaml.SafeLoader:
            raise
        mark = exc.problem_mark or exc.context_mark
        raise ParseError(mark.line + 1 if mark else None, str(exc.problem or exc)) from exc
    except yaml.YAMLError as exc:
        if loader_class is not yaml.SafeLoader:
            raise
        raise ParseError(None, str(exc)) from exc
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


def _expanded_size(node: yaml.Node, sizes: dict[int, int], depth: int) -> int:
    """How many nodes the document has once every alias is expanded (shared nodes are counted once each use)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        raise ParseError(node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels")
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
        raise ParseError(node.start_mark.line + 1, f"nesting deeper than {MAX_DEPTH} levels")
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
