"""Where the bundled specs and scenarios live: inside the installed package, or at the source tree's top."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def bundled_dir(name: str) -> Path:
    installed = _PACKAGE / "_bundled" / name
    if installed.is_dir():
        return installed
    source_tree = _PACKAGE.parent.parent / name
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError(f"cannot find the bundled {name}/ folder (looked in {installed} and {source_tree})")
