"""Vendor packages register themselves: each subpackage exposes `VENDOR`; other packages may add entry points
in the `jobsim.vendors` group. Nothing here names a vendor."""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

from simulator.vendors.base import Vendor


def discover() -> list[type[Vendor]]:
    found: dict[str, type[Vendor]] = {}
    for module in pkgutil.iter_modules(__path__):
        if not module.ispkg:
            continue
        vendor = getattr(importlib.import_module(f"{__name__}.{module.name}"), "VENDOR", None)
        if vendor is not None:
            found[vendor.name] = vendor
    for entry in entry_points(group="jobsim.vendors"):
        vendor = entry.load()
        found[vendor.name] = vendor
    return list(found.values())
