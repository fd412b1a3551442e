"""The contract layer: OpenAPI documents loaded once, compiled into routes and validators."""

from simulator.contract.document import ApiDocument, load_document
from simulator.contract.operation import Operation, RequestProblem
from simulator.contract.router import Match, Router

__all__ = ["ApiDocument", "Match", "Operation", "RequestProblem", "Router", "load_document"]
