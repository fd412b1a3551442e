"""What is installed, read from the metadata folders (`*.dist-info`) on `sys.path`.

A start-up needs two facts from there: a few versions (the document cache's key, /_sim/health) and whether any
distribution declares jobsim plugins. importlib.metadata answers both, but importing and asking it costs about 15 ms
of every start; listing the folders and reading the one file asked for costs about 1 ms. Where this reading cannot
be sure (a zip file on the path, an import hook with distributions of its own, an egg), importlib.metadata answers.
"""

from __future__ import annotations

import os
import re
import sys
from importlib.machinery import PathFinder

_SUFFIX = ".dist-info"


def version(distribution: str) -> str | None:
    """The installed version of `distribution` (any spelling of its name), or None when it is not installed."""
    folders = _metadata_folders()
    if folders is not None:
        wanted = _normalized(distribution)
        for _, names in folders:
            for name in names:
                project, _, found = name[: -len(_SUFFIX)].rpartition("-")  # "{name}-{version}": versions have no "-"
                if _normalized(project) == wanted:
                    return found
        return None
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version(distribution)
    except PackageNotFoundError:
        return None


def declares_entry_points(group: str) -> bool:
    """False only when surely no installed distribution declares entry points in `group` (True may be wrong: the
    caller then asks importlib.metadata)."""
    folders = _metadata_folders()
    if folders is None:
        return True
    for folder, names in folders:
        for name in names:
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), encoding="utf-8") as declared:
                    if group in declared.read():
                        return True
            except OSError:
                continue
    return False


Listing = list[tuple[str, list[str]]] | None
# The last listing, under the modification times of the path's entries: a start asks three times, and a folder's
# time changes whenever a distribution's folder is added to it or removed from it.
_LISTED: tuple[tuple[tuple[str, int], ...], Listing] | None = None


def _metadata_folders() -> Listing:
    """Each directory on sys.path with the names of the `*.dist-info` folders in it; None when distributions may be
    elsewhere too (a zip file on the path, an egg, an import hook that lists distributions of its own)."""
    global _LISTED
    if any(hasattr(finder, "find_distributions") and finder is not PathFinder for finder in sys.meta_path):
        return None
    stamp = tuple((entry, _modified(entry or ".")) for entry in sys.path)
    if _LISTED is not None and _LISTED[0] == stamp:
        return _LISTED[1]
    found = _listing()
    _LISTED = (stamp, found)
    return found


def _modified(entry: str) -> int:
    try:
        return os.stat(entry).st_mtime_ns
    except OSError:
        return -1


def _listing() -> Listing:
    found = []
    for entry in sys.path:
        folder = entry or "."
        try:
            with os.scandir(folder) as listing:
                names = [item.name for item in listing if item.name.endswith((_SUFFIX, ".egg-info", ".egg"))]
        except NotADirectoryError:  # a zip file
            return None
        except OSError:  # a folder that is not there holds nothing, as importlib.metadata reads it
            continue
        if not all(name.endswith(_SUFFIX) for name in names):
            return None
        found.append((folder, names))
    return found


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
