"""A request's headers as handlers read them: a read-only, case-insensitive multidict over the server's raw list.

What Starlette's `Headers` is for the reading jobsim does (`get`, `[]`, `in`, `getlist`, iteration), without
importing `starlette.datastructures`, which brings anyio, http.client and email with it (about 8 ms of every start).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload


class Headers(Mapping[str, str]):
    __slots__ = ("_list",)

    def __init__(self, raw: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self._list = raw  # the server's own list, names lower-cased (ASGI), values as sent

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return list(self._list)

    @overload
    def get(self, key: str) -> str | None: ...

    @overload
    def get(self, key: str, default: str) -> str: ...

    @overload
    def get(self, key: str, default: Any) -> Any: ...

    def get(self, key: str, default: Any = None) -> Any:
        wanted = key.lower().encode("latin-1")
        for name, value in self._list:
            if name == wanted:
                return value.decode("latin-1")
        return default

    def getlist(self, key: str) -> list[str]:
        wanted = key.lower().encode("latin-1")
        return [value.decode("latin-1") for name, value in self._list if name == wanted]

    def __getitem__(self, key: str) -> str:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter([name.decode("latin-1") for name, _ in self._list])

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Headers(raw={self.raw!r})"
