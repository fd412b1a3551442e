"""Sessions by id: each one a world of its own, created with the vendors' states and default scenarios."""

from __future__ import annotations

from collections.abc import Callable

from simulator.engine.clock import Clock
from simulator.engine.session import Session

DEFAULT_SESSION = "default"


class Sessions:
    def __init__(self, build: Callable[[str, Clock | None], Session], limit: int = 1000) -> None:
        self._build = build
        self._limit = limit
        self._sessions: dict[str, Session] = {}
        self.default = self.get(DEFAULT_SESSION)

    def get(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            if len(self._sessions) >= self._limit:
                raise LookupError(f"too many sessions (limit {self._limit})")
            session = self._sessions[session_id] = self._build(session_id, None)
        return session

    def reset(self, session_id: str) -> Session:
        """Start the session over (its clock keeps its mode and speed, not its runs)."""
        old = self._sessions.get(session_id)
        clock = None
        if old is not None:
            clock = Clock(old.clock.mode, old.clock.speed)
        session = self._sessions[session_id] = self._build(session_id, clock)
        if session_id == DEFAULT_SESSION:
            self.default = session
        return session

    def replace(self, session: Session) -> Session:
        if session.id not in self._sessions and len(self._sessions) >= self._limit:
            raise LookupError(f"too many sessions (limit {self._limit})")
        self._sessions[session.id] = session
        if session.id == DEFAULT_SESSION:
            self.default = session
        return session

    def drop(self, session_id: str) -> bool:
        if session_id == DEFAULT_SESSION:
            self.reset(session_id)
            return True
        return self._sessions.pop(session_id, None) is not None

    def ids(self) -> list[str]:
        return list(self._sessions)
