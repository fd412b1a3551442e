"""An insertion-ordered store: O(1) by id, newest-first or oldest-first listing."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Store(Generic[K, V]):
    __slots__ = ("_items", "_swept_at", "_trim_at")

    def __init__(self) -> None:
        self._items: dict[K, V] = {}
        self._trim_at = 0  # while only active items are left, the next trim waits until the store is this big
        self._swept_at = 0.0  # when (simulator clock) `sweep_due` last said yes

    def add(self, key: K, value: V) -> V:
        if key in self._items:
            raise KeyError(f"duplicate id {key!r}")
        self._items[key] = value
        return value

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def pop(self, key: K) -> V | None:
        return self._items.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def oldest_first(self) -> Iterator[V]:
        """Iterate without copying (do not add or remove while iterating)."""
        return iter(self._items.values())

    def newest_first(self) -> Iterator[V]:
        return reversed(self._items.values())

    def trim(self, limit: int, evictable: Callable[[V], bool], slack: float = 0.1) -> list[V]:
        """Keep at most `limit` items: when over it, drop the oldest evictable ones down to `limit * (1 - slack)`.

        The slack makes the cost amortised O(1) per added item; active items are never evicted. When too few items
        are evictable (every one left is active), the store stays over `limit` and the next scan waits for another
        `limit * slack` additions (or a slack of the items over the cap, when more), so a store full of active items
        does not cost a full scan per addition.
        """
        size = len(self._items)
        # A store restored from an older snapshot has no `_trim_at`.
        if size <= limit or size <= getattr(self, "_trim_at", 0):
            return []
        target = int(limit * (1 - slack))
        excess = size - target
        doomed: list[K] = []
        if excess > 0:
            for key, value in self._items.items():
                if evictable(value):
                    doomed.append(key)
                    if len(doomed) >= excess:
                        break
        dropped = [self._items.pop(key) for key in doomed]
        left = len(self._items)
        # The next scan waits for a slack of the cap, or of the items over it when active items alone exceed the cap:
        # a scan of n items then comes at most once per ~n * slack additions, so its cost per addition stays flat
        # however many items are active.
        self._trim_at = left + max(1, int(limit * slack), int((left - limit) * slack)) if left > target else 0
        return dropped

    def quiet(self, now: float, limit: int, every: float | None = None) -> bool:
        """True when neither `trim(limit, ...)` nor (with `every`) `sweep_due(now, every)` has anything to do: the
        per-request retention check then costs two comparisons."""
        size = len(self._items)
        if size > limit and size > getattr(self, "_trim_at", 0):
            return False
        return every is None or now - getattr(self, "_swept_at", 0.0) < every

    def sweep_due(self, now: float, every: float) -> bool:
        """True (and noted) when the last sweep was at least `every` seconds before `now`."""
        # A store restored from an older snapshot has no `_swept_at`.
        if now - getattr(self, "_swept_at", 0.0) < every:
            return False
        self._swept_at = now
        return True

    def expire(self, older_than: float, born: Callable[[V], float], evictable: Callable[[V], bool]) -> list[V]:
        """Drop items created before `older_than` (insertion order is creation order, so this stops early)."""
        doomed = []
        for key, value in self._items.items():
            if born(value) >= older_than:
                break
            if evictable(value):
                doomed.append(key)
        return [self._items.pop(key) for key in doomed]
