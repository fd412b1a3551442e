"""Shared plumbing of the integration drivers: `driver.py CASE BASE_URL TOKEN` prints one JSON object.

A driver runs inside its integration's own virtualenv (no jobsim, no test extra there), so this module uses only the
standard library. The pytest side (tests/integrations/harness.py) reads the last line of stdout as the result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

UNKNOWN_RUN_ID = 987654321
NOTEBOOK_TASK = {"notebook_path": "/Users/me/etl"}
CLUSTER = "0101-000000-jobsim"


def failure(error: BaseException) -> dict[str, Any]:
    """What a user sees of an error: its type (module-qualified) and message."""
    kind = type(error)
    return {"error_type": f"{kind.__module__}.{kind.__qualname__}", "error": str(error)}


def run(cases: dict[str, Callable[[str, str], dict[str, Any]]]) -> None:
    case, base_url, token = sys.argv[1:4]
    result = cases[case](base_url, token)
    sys.stdout.write("\n" + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()
