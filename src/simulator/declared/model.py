"""What a declared API keeps per session: one store per resource, each item a Record (with a Timeline for runs).

Plain slotted classes of this package, so snapshots save and restore them as they do a coded vendor's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.engine.lifecycle import Step, Timeline
from simulator.engine.store import Store


class Record:
    """One stored item: its id (typed as the API shows it), its parent's id, its fields and, for runs, a timeline."""

    __slots__ = ("created_at", "fields", "id", "key", "parent", "plan", "resource", "timeline", "updated_at")

    def __init__(
        self,
        resource: str,
        item_id: Any,
        parent: str | None,
        fields: dict[str, Any],
        created_at: float,
        timeline: Timeline | None = None,
        plan: tuple[Step, ...] = (),
    ) -> None:
        self.resource = resource
        self.id = item_id
        self.key = str(item_id)
        self.parent = parent
        self.fields = fields
        self.created_at = created_at
        self.updated_at = created_at
        self.timeline = timeline
        self.plan = plan

    @property
    def active(self) -> bool:
        return self.timeline is not None and not self.timeline.finished


@dataclass(slots=True)
class DeclaredState:
    """One session's state of a declared API: a store of Records per resource (made on first use) and its users."""

    stores: dict[str, Store[str, Record]] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)  # name -> credentials.User, when the API declares users

    def store(self, resource: str) -> Store[str, Record]:
        found = self.stores.get(resource)
        if found is None:
            found = self.stores[resource] = Store()
        return found
