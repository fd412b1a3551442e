"""Where the bundled specs and scenarios live: inside the installed package, or at the source tree's top."""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def optional_bundled_dir(name: str) -> Path | None:
    installed = _PACKAGE / "_bundled" / name
    if installed.is_dir():
        return installed
    source_tree = _PACKAGE.parent.parent / name
    return source_tree if source_tree.is_dir() else None


def bundled_dir(name: str) -> Path:
    found = optional_bundled_dir(name)
    if found is not None:
        return found
    installed, source_tree = _PACKAGE / "_bundled" / name, _PACKAGE.parent.parent / name
    raise FileNotFoundError(f"cannot find the bundled {name}/ folder (looked in {installed} and {source_tree})")


def is_bundled(path: Path) -> bool:
    """Whether `path` is one of jobsim's own documents (bundled specs/ or apis/), which the tests check whole."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(folder) for folder in _bundled_roots())


@functools.cache
def _bundled_roots() -> tuple[Path, ...]:
    """The bundled specs/ and apis/ folders, resolved: where they are does not change while jobsim runs."""
    return tuple(folder.resolve() for folder in map(optional_bundled_dir, ("specs", "apis")) if folder is not None)
