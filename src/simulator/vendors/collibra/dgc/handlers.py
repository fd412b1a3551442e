"""The handler table of both DGC job APIs: Core 2.0 (`core_handlers`) and the Jobs API v1 (`v1_handlers`)."""

from __future__ import annotations

from simulator.exchange import HandlerTable
from simulator.vendors.collibra.dgc import core_handlers, v1_handlers

handlers = HandlerTable.joined(core_handlers.handlers, v1_handlers.handlers)
