"""The layers import in one direction only, and no simulator module takes part in an import cycle.

engine/ and contract/ are the neutral core: they import no vendor, server or control code; exchange.py (what a
handler receives and returns) builds on them only. vendors/ import neither the server nor the control plane, and the
control plane does not import the server (the server hands it the runtime). Every import counts, including those
inside functions (a lazy import that dodges a cycle is still a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import simulator

ROOT = Path(simulator.__file__).resolve().parent

FORBIDDEN = {
    "simulator.engine": ("simulator.vendors", "simulator.server", "simulator.control", "simulator.exchange"),
    "simulator.contract": ("simulator.vendors", "simulator.server", "simulator.control", "simulator.exchange"),
    "simulator.exchange": ("simulator.vendors", "simulator.server", "simulator.control"),
    "simulator.vendors": ("simulator.server", "simulator.control"),
    "simulator.declared": ("simulator.server", "simulator.control"),  # a declared API is a vendor built from YAML
    "simulator.control": ("simulator.server",),  # it sees the runtime through its constructor (control/view.py)
    # Collibra DQ shares its auth and errors through the `collibra` package; DGC is declared (apis/collibra-dgc)
    "simulator.vendors.collibra.dq": ("simulator.declared",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The simulator modules `name` imports (anywhere in the file), most specific name first."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from package import module` imports that module; `from module import name` the module itself
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("simulator") and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _in(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def test_the_graph_sees_imports() -> None:
    graph = _graph()
    assert "simulator.exchange" in graph["simulator.vendors.base"]
    assert "simulator.control.api" in graph["simulator.server.app"]
    assert {"simulator.control.dashboard", "simulator.control.tools"} <= graph["simulator.control.api"]
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["c", "b", "a"], ["d"]]


def test_layers_import_in_one_direction() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for layer, forbidden in FORBIDDEN.items()
        if _in(module, layer)
        for target in targets
        if any(_in(target, f) for f in forbidden)
    )
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles = [sorted(component) for component in _strongly_connected(graph) if len(component) > 1]
    assert cycles == []


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


TEMPLATE = ("handlers", "model", "lifecycle", "render", "errors", "sample_data")


def test_every_vendor_package_follows_the_template() -> None:
    """Same module names for the same concepts in every vendor package (docs/architecture.md, the vendor template)."""
    from simulator.vendors import discover

    packages = [ROOT.parent.joinpath(*vendor.__module__.split(".")) for vendor in discover()]
    assert len(packages) >= 4
    missing = sorted(f"{p.name}/{name}.py" for p in packages for name in TEMPLATE if not (p / f"{name}.py").is_file())
    assert missing == []
