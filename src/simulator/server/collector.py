"""The garbage collector, set for a server that holds many long-lived runs."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# How long after the server first listens its collector is set: the collection that comes with it (about 10 ms
# here) is then off the path of the first requests, and a busy server soon has its settings.
SETTLE_SECONDS = 1.0


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No collections while the simulator starts; the collector's own state again after.

    A start-up makes long-lived objects only (modules, classes, parsed documents, sessions): every collection during
    one walks them and frees nothing. With CPython's default thresholds that was some 75 collections, about a tenth
    of a start to the first answer (docs/decisions.md, "The collector during start-up"). A server resumes
    collecting in `tune`, with the start-up's objects frozen out of it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def tune() -> None:
    """Fewer, cheaper full collections for a server holding up to --max-runs runs per API.

    Every full collection walks each stored run: with CPython's default thresholds they came every few thousand new
    runs and stalled all requests (runs/submit p99 180 ms at 3,000 req/s; 23 ms after this). The objects of start-up
    (documents, compiled schemas, modules) are frozen out of collections; young collections are rarer. The collector
    runs from here on, also when it was paused for the start.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    gc.enable()
