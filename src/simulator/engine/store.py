"""An insertion-ordered store: O(1) by id, newest-first or oldest-first listing."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Store(Generic[K, V]):
    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: dict[K, V] = {}

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
        return iter(list(self._items.values()))

    def newest_first(self) -> Iterator[V]:
        return reversed(list(self._items.values()))
