"""Vendor packages register themselves: each package under `vendors/` that exposes `VENDOR` is one API (a package
without one, such as `collibra`, groups APIs that share code in its subpackages); other packages may add entry
points in the `jobsim.vendors` group (see docs/architecture.md). Nothing here names a vendor."""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

from simulator.vendors.base import Vendor


def discover() -> list[type[Vendor]]:
    found: dict[str, type[Vendor]] = {}
    for module in pkgutil.walk_packages(__path__, f"{__name__}."):
        if not module.ispkg:
            continue
        vendor = getattr(importlib.import_module(module.name), "VENDOR", None)
        if vendor is not None:
            found[vendor.name] = vendor
    for entry in entry_points(group="jobsim.vendors"):
        vendor = entry.load()
        found[vendor.name] = vendor
    return list(found.values())
