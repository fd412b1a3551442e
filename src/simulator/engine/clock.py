"""Simulated time: real time with a speed factor, or virtual time that moves only when told to."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

Mode = Literal["real", "virtual"]


class Clock:
    """Seconds since the Unix epoch on the simulator's clock. Never goes backwards."""

    __slots__ = ("_anchor_real", "_anchor_sim", "_listeners", "mode", "speed")

    def __init__(self, mode: Mode = "real", speed: float = 1.0, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.mode: Mode = mode
        self.speed = float(speed)
        self._anchor_sim = time.time() if start is None else float(start)
        self._anchor_real = time.monotonic()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        if self.mode == "virtual":
            return self._anchor_sim
        return self._anchor_sim + (time.monotonic() - self._anchor_real) * self.speed

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._reanchor()
        self._anchor_sim += seconds
        self._notify()
        return self.now()

    def configure(self, mode: Mode | None = None, speed: float | None = None) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive")
        self._reanchor()
        if mode is not None:
            self.mode = mode
        if speed is not None:
            self.speed = float(speed)
        self._notify()

    def real_seconds_until(self, moment: float) -> float | None:
        """How long in wall time until `moment` on this clock; None when only an advance can get there."""
        remaining = moment - self.now()
        if remaining <= 0:
            return 0.0
        if self.mode == "virtual":
            return None
        return remaining / self.speed

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever the clock is advanced or reconfigured; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def snapshot(self) -> dict[str, object]:
        return {"mode": self.mode, "speed": self.speed, "now": self.now()}

    def _reanchor(self) -> None:
        self._anchor_sim = self.now()
        self._anchor_real = time.monotonic()

    def notify(self) -> None:
        """Wake every listener without moving time (used when the server stops)."""
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()
