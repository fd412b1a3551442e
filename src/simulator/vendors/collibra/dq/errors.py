"""Data Quality error bodies: exactly the four keys of Collibra's StandardErrorResponse (no `helpMessage`)."""

from __future__ import annotations

from simulator.exchange import ApiError, Reply
from simulator.vendors.collibra import errors


def render_error(error: ApiError, realm: str) -> Reply:
    return errors.render(error, with_help=False, realm=realm)
