"""Vendor packages register themselves: each package under `vendors/` that exposes `VENDOR` is one API (a package
without one, such as `collibra`, groups APIs that share code in its subpackages); other packages may add entry
points in the `jobsim.vendors` group (see docs/architecture.md). Nothing here names a vendor."""

from __future__ import annotations

import importlib
import pkgutil

from simulator import installed
from simulator.vendors.base import Vendor

ENTRY_POINT_GROUP = "jobsim.vendors"


def discover() -> list[type[Vendor]]:
    found: dict[str, type[Vendor]] = {}
    for module in pkgutil.walk_packages(__path__, f"{__name__}."):
        if not module.ispkg:
            continue
        vendor = getattr(importlib.import_module(module.name), "VENDOR", None)
        if vendor is not None:
            found[vendor.name] = vendor
    if installed.declares_entry_points(ENTRY_POINT_GROUP):  # a start without plugins skips importlib.metadata
        from importlib.metadata import entry_points

        for entry in entry_points(group=ENTRY_POINT_GROUP):
            vendor = entry.load()
            found[vendor.name] = vendor
    return list(found.values())
