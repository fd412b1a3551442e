"""Load an OpenAPI 3.x document, check it once, and compile its operations."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from simulator.contract import cache
from simulator.contract.leniency import STRICT, ParserRules, ShapeBuilder
from simulator.contract.operation import Definitions, Operation, compile_operation
from simulator.contract.schema import to_json_schema

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class SpecError(ValueError):
    """An API document that cannot be served: says which file and why."""


@dataclass(slots=True)
class ApiDocument:
    """One API surface: its raw document (served to users) and its compiled operations."""

    api: str
    path: Path
    raw: dict[str, Any]
    operations: list[Operation] = field(default_factory=list)
    mount_prefixes: tuple[str, ...] = ()
    # Paths the API's vendor answers unknown requests under, beyond where it is mounted (`x-jobsim-owns` at the root):
    # e.g. /api/2.0/jobs, which the legacy databricks-cli calls by default, gets Databricks' 404, not a generic one.
    owned_prefixes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return str(self.raw.get("info", {}).get("title", self.api))

    def as_yaml(self) -> str:
        import yaml  # only for a client asking for the document as YAML

        return yaml.safe_dump(self.raw, sort_keys=False, allow_unicode=True)

    def as_json(self) -> str:
        return json.dumps(self.raw, indent=2)


def read_structured(path: Path) -> dict[str, Any]:
    return _parsed(path, path.read_bytes())


def _parsed(path: Path, content: bytes) -> dict[str, Any]:
    text = content.decode("utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        import yaml  # only for a document the cache does not have

        try:
            # libyaml's loader where PyYAML was built with it: the same safe types, about ten times faster.
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise SpecError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SpecError(f"{path}: not an OpenAPI document (top level is not a mapping)")
    return data


def load_document(
    path: Path, api: str, *, check: bool = True, rules: ParserRules = STRICT, lazy: bool = False
) -> ApiDocument:
    """Load, check and compile `path`, reading requests by `rules` (how the API's server parses JSON).
    Compiled results are cached by file content, so many apps are cheap. `lazy`: each schema is compiled on its
    first use (for documents whose schemas are known to compile, e.g. the bundled ones, tested whole)."""
    stat = path.stat()
    return _load_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size, api, check, rules, lazy)


def _checked_document(path: Path, check: bool) -> dict[str, Any]:
    """The parsed document with its borrowed schemas in it, checked against the OpenAPI rules when asked: from the
    on-disk cache when this exact content was parsed and passed the check before, and the documents it borrowed from
    are unchanged (the entry names them with their digests); a document that fails the check is never cached."""
    content = path.read_bytes()
    name = cache.key(content, check)
    cached = cache.load(name)
    if cached is not None:
        lent = cached.pop(_LENT, {})
        if all(_digest(path.with_name(file)) == digest for file, digest in lent.items()):
            return cached
    raw = _parsed(path, content)
    lent = _borrow(path, raw)
    version = str(raw.get("openapi", ""))
    if not version.startswith("3."):
        raise SpecError(f"{path}: only OpenAPI 3.x documents are supported (found openapi: {version!r})")
    if check:
        from openapi_spec_validator import validate as validate_openapi  # slow to import: only on a cache miss

        try:
            validate_openapi(raw)
        except Exception as exc:  # the validator raises several unrelated types
            raise SpecError(f"{path}: not a valid OpenAPI document: {exc}") from exc
    cache.store(name, {**raw, _LENT: lent} if lent else raw)
    return raw


@functools.lru_cache(maxsize=64)
def _load_cached(
    path_text: str, _mtime: int, _size: int, api: str, check: bool, rules: ParserRules, lazy: bool = False
) -> ApiDocument:
    path = Path(path_text)
    raw = _checked_document(path, check)
    schemas = raw.get("components", {}).get("schemas", {})
    # Converted when the first operation compiles (a bundled document's on its first request), once per document.
    definitions = functools.cache(lambda: {name: to_json_schema(schema) for name, schema in schemas.items()})
    servers = [
        (urlsplit(server.get("url", "/")).path.rstrip("/"), _server_definitions(path, server, definitions, schemas))
        for server in raw.get("servers") or [{"url": "/"}]
    ]
    resolver = _Resolver(raw)
    shapes = ShapeBuilder(raw.get("components", {}).get("schemas", {}))
    operations: list[Operation] = []
    for template, item in raw.get("paths", {}).items():
        item = resolver.resolve(item)
        shared_params = item.get("parameters", [])
        for method in HTTP_METHODS:
            spec = item.get(method)
            if spec is None:
                continue
            for server, server_definitions in servers:
                compile = functools.partial(
                    compile_operation,
                    api=api,
                    method=method.upper(),
                    server=server,
                    template=template,
                    spec=spec,
                    shared_params=shared_params,
                    resolve=resolver.resolve,
                    definitions=server_definitions,
                    rules=rules,
                    shapes=shapes,
                    lazy=lazy,
                )
                operations.append(
                    # `lazy` (the bundled documents, compiled whole by the tests): each operation compiles on first use
                    Operation.deferred(
                        api=api, method=method.upper(), server=server, template=template, spec=spec, compile=compile
                    )
                    if lazy
                    else compile()
                )
    _check_unique_ids(path, operations)
    return ApiDocument(
        api=api,
        path=path,
        raw=raw,
        operations=operations,
        mount_prefixes=_prefixes(operations),
        owned_prefixes=_owned(path, raw.get("x-jobsim-owns", [])),
    )


_BORROW = "x-jobsim-borrow"
_LENT = "x-jobsim-lent"  # in a cache entry only: the siblings borrowed from, with their digests


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _borrow(path: Path, raw: dict[str, Any]) -> dict[str, str]:
    """Copy the schemas `x-jobsim-borrow: {sibling.yaml: [Schema, ...]}` names, and every schema they refer to, from
    sibling documents into `raw`, which then stands alone (it is what users download). One API can so describe an
    object exactly as its other version does (Databricks Jobs 2.0 and 2.1 read the same job settings) without a
    second copy to drift apart. Answers the digests of the siblings read, by file name."""
    declared = raw.pop(_BORROW, None) or {}
    if not isinstance(declared, dict) or not all(
        isinstance(file, str) and "/" not in file and isinstance(names, list) and all(isinstance(n, str) for n in names)
        for file, names in declared.items()
    ):
        raise SpecError(f"{path}: {_BORROW} must map sibling file names to lists of names of components/schemas")
    schemas = raw.setdefault("components", {}).setdefault("schemas", {})
    lent: dict[str, str] = {}
    for file, names in declared.items():
        lender = path.with_name(file)
        try:
            content = lender.read_bytes()
        except OSError as exc:
            raise SpecError(f"{path}: cannot borrow from {file}: {exc}") from exc
        lent[file] = hashlib.sha256(content).hexdigest()
        source = _parsed(lender, content).get("components", {}).get("schemas", {})
        pending = list(names)
        while pending:
            name = pending.pop()
            if name not in source:
                raise SpecError(f"{path}: {file} has no schema {name!r} to borrow")
            if name in schemas:
                if schemas[name] != source[name]:
                    raise SpecError(f"{path}: schema {name!r} is both its own and borrowed from {file}")
                continue
            schemas[name] = source[name]
            pending.extend(_schema_refs(source[name]))
    return lent


def _schema_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        found = [ref.rsplit("/", 1)[1]] if isinstance(ref, str) and ref.startswith("#/components/schemas/") else []
        return found + [name for value in node.values() for name in _schema_refs(value)]
    if isinstance(node, list):
        return [name for value in node for name in _schema_refs(value)]
    return []


def _server_definitions(
    path: Path, server: dict[str, Any], definitions: Definitions, names: Collection[str]
) -> Definitions:
    """The schemas as one server reads them. `x-jobsim-schemas: {A: B}` on a server object means "under this server,
    schema A is schema B": one document can serve API versions that differ only in a limit (Databricks Jobs 2.2
    takes 1,000 tasks where 2.1 takes 100) without a second copy of every path."""
    aliases = server.get("x-jobsim-schemas") or {}
    if not aliases:
        return definitions
    if not isinstance(aliases, dict) or not all(
        isinstance(a, str) and isinstance(b, str) and a in names and b in names for a, b in aliases.items()
    ):
        raise SpecError(f"{path}: x-jobsim-schemas must map names of components/schemas to names of components/schemas")

    def aliased() -> dict[str, Any]:
        defined = definitions()
        return {**defined, **{alias: defined[target] for alias, target in aliases.items()}}

    return functools.cache(aliased)


def _owned(path: Path, declared: Any) -> tuple[str, ...]:
    if not isinstance(declared, list) or not all(isinstance(p, str) and p.startswith("/") for p in declared):
        raise SpecError(f"{path}: x-jobsim-owns must be a list of paths that start with '/'")
    return tuple(p.rstrip("/") for p in declared)


def _check_unique_ids(path: Path, operations: list[Operation]) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for op in operations:
        relative = op.method, op.template_without_server
        if seen.setdefault(op.operation_id, relative) != relative:
            raise SpecError(f"{path}: operationId {op.operation_id!r} is used by two operations")


def _prefixes(operations: list[Operation]) -> tuple[str, ...]:
    """The literal prefixes an API owns: per server, the longest shared run of literal segments."""
    by_server: dict[str, list[list[str]]] = {}
    for op in operations:
        by_server.setdefault(op.server, []).append(op.path.split("/"))
    prefixes = []
    for paths in by_server.values():
        shared = paths[0]
        for parts in paths[1:]:
            n = 0
            while n < min(len(shared), len(parts)) and shared[n] == parts[n] and "{" not in parts[n]:
                n += 1
            shared = shared[:n]
        shared = [p for p in shared if "{" not in p] if all("{" not in p for p in shared) else shared
        prefixes.append("/".join(shared) or "/")
    return tuple(sorted(set(prefixes), key=len, reverse=True))


class _Resolver:
    """Resolves local `$ref`s of non-schema components (parameters, request bodies, responses, headers)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and not node["$ref"].startswith("#/components/schemas/"):
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise SpecError(f"only local references are supported, found {ref!r}")
            target: Any = self._document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            if seen > 32:
                raise SpecError(f"reference cycle at {ref!r}")
        return node
