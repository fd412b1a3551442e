"""jobsim: a stateful, contract-true simulator of data-platform job APIs."""

from simulator.server.app import create_app
from simulator.server.settings import Settings

__all__ = ["Settings", "create_app"]
