"""DGC error bodies: Collibra's StandardErrorResponse with its `helpMessage`; a /rest/2.0 error carries the
deprecation hints of every Core 2.0 reply."""

from __future__ import annotations

from simulator.contract.operation import Operation
from simulator.exchange import ApiError, Reply
from simulator.vendors.collibra import errors
from simulator.vendors.collibra.dgc.render import deprecation


def render_error(error: ApiError, operation: Operation | None, realm: str) -> Reply:
    # Fault errors come without an operation: the request path says whether it was a deprecated /rest/2.0 call.
    deprecated = operation.deprecated if operation is not None else (error.path or "").startswith("/rest/2.0/")
    # A handler's error already carries the hints (`core_handlers.hinted`); other errors link to the collection.
    hints = {**deprecation(), **(error.headers or {})} if deprecated else error.headers
    return errors.render(error, with_help=True, realm=realm, headers=hints)
