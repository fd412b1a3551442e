"""Identifier sources. With a seed, every id a session hands out is the same from run to run."""

from __future__ import annotations

import random
import uuid


class IdSource:
    __slots__ = ("_next", "_random")

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)
        self._next: dict[str, int] = {}

    def next_int(self, kind: str, start: int = 1) -> int:
        """A growing integer per kind (job ids, run ids, sequence numbers)."""
        value = self._next.get(kind, start)
        self._next[kind] = value + 1
        return value

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    @property
    def rng(self) -> random.Random:
        return self._random
