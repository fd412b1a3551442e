"""jobsim: a stateful, contract-true simulator of data-platform job APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.server.app import create_app
    from simulator.server.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    """`create_app` and `Settings`, imported on first use: `python -m simulator` and the `jobsim` command import the
    package first, and pause the collector before the simulator's modules load (`simulator.cli.main`)."""
    if name == "create_app":
        from simulator.server.app import create_app

        return create_app
    if name == "Settings":
        from simulator.server.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
