"""Parsed and checked API documents (and parsed YAML texts: scenarios, declarations) kept on disk, keyed by a hash of
the document's bytes.

Parsing a large YAML document and checking it against the OpenAPI rules takes most of a cold start; the result of
both only changes when the document does. An entry is the parsed document in `marshal` format (plain data only: no
code runs when it is read back) under the SHA-256 of the bytes it came from, the checker's verdict and the versions
of the parser and checker, so an edited document or a new library never matches an old entry. The folder is
`$JOBSIM_CACHE_DIR`, else `$XDG_CACHE_HOME/jobsim`, else `~/.cache/jobsim`; `JOBSIM_CACHE_DIR=` (empty) turns the
cache off. A cache that cannot be read or written is ignored: it only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from simulator import installed

_FORMAT = b"jobsim-document-cache-1"


def cache_dir() -> Path | None:
    chosen = os.environ.get("JOBSIM_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jobsim"


def key(content: bytes, checked: bool) -> str:
    digest = hashlib.sha256(_FORMAT)
    digest.update(_versions().encode())
    digest.update(b"checked" if checked else b"unchecked")
    digest.update(content)
    return digest.hexdigest()


def load(name: str) -> dict[str, Any] | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = marshal.loads((folder / f"{name}.marshal").read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def store(name: str, document: dict[str, Any]) -> None:
    folder = cache_dir()
    if folder is None:
        return
    try:
        data = marshal.dumps(document)  # ValueError for anything but plain data (e.g. a YAML timestamp)
    except ValueError:
        return
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, folder / f"{name}.marshal")  # atomic: a reader never sees half an entry
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


_VERSIONS: str | None = None


def _versions() -> str:
    global _VERSIONS
    if _VERSIONS is None:
        _VERSIONS = ";".join(
            f"{package}={installed.version(package) or '?'}" for package in ("PyYAML", "openapi-spec-validator")
        )
    return _VERSIONS
