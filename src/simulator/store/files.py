"""`jobsim serve --state FILE --save-on-exit`: every session written to one file on shutdown, read back on start.

The file holds each session's snapshot (the `GET /_sim/state` format) by session id. A file holding a single
snapshot (written by `GET /_sim/state`, or by jobsim before it kept every session) loads into the default session.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import orjson

from simulator.engine.snapshot import SnapshotError
from simulator.server.runtime import Runtime
from simulator.server.sessions import DEFAULT_SESSION

log = logging.getLogger("jobsim")

FORMAT = "jobsim-sessions"
VERSION = 1


def save_sessions(runtime: Runtime, path: Path) -> int:
    """Write every session to `path` (atomically: a crash mid-write leaves the previous file); returns how many."""
    sessions = runtime.sessions
    snapshots = {sid: runtime.export_session(sessions.get(sid)) for sid in sessions.ids()}
    data: dict[str, Any] = {"format": FORMAT, "version": VERSION, "sessions": snapshots}
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(orjson.dumps(data))
    os.replace(partial, path)
    return len(snapshots)


def load_sessions(runtime: Runtime, path: Path) -> int:
    """Restore the sessions saved in `path`; returns how many."""
    data = orjson.loads(path.read_bytes())
    if not isinstance(data, dict):
        raise SnapshotError(f"{path}: not a jobsim state file")
    if data.get("format") != FORMAT:
        runtime.import_session(DEFAULT_SESSION, data)
        return 1
    if data.get("version") != VERSION:
        raise SnapshotError(f"{path}: not a jobsim state file of version {VERSION}")
    for session_id, snapshot in data["sessions"].items():
        runtime.import_session(session_id, snapshot)
    return len(data["sessions"])
