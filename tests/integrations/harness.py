"""Run an integration's driver (drivers/<name>_driver.py, or js/driver.cjs under node) in its own environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.integrations import venvs

DRIVERS = Path(__file__).resolve().parent / "drivers"
JS_DRIVER = Path(__file__).resolve().parent / "js" / "driver.cjs"
TOKEN = "dapi-jobsim-integrations"
# A run in the default plans ends in about a second; a driver also pays its framework's start-up (Prefect starts
# its own API server), so a case gets minutes, not hours.
CASE_TIMEOUT = 300

# PENDING and RUNNING long enough that a deferral, a cancel or a kill surely lands before the run ends.
SLOW_PLAN = """\
jobsim: 1
name: integrations-slow
api: databricks
plans:
  - name: slow
    steps:
      - {state: PENDING, for: 2s}
      - {state: RUNNING, for: 3s}
      - {state: TERMINATED, result: SUCCESS}
"""

FAILURE_MESSAGE = "NameError: name 'spark_df' is not defined"


def is_databricks_run_page(url: str, job_id: int, run_id: int) -> bool:
    """`<host>/?o=<workspace id>#job/<job_id>/run/<run_id>`, the form real workspaces answer."""
    return re.fullmatch(rf"http://127\.0\.0\.1:\d+/\?o=\d+#job/{job_id}/run/{run_id}", url) is not None


def environment(name: str, home: Path) -> dict[str, str]:
    """The process environment of an integration: nothing of jobsim's, its framework's home under `home`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABRICKS_", "AIRFLOW", "PREFECT"))}
    env.pop("PYTHONPATH", None)  # the integration's code imports its own packages, never jobsim
    for tool in ("airflow", "prefect", "dagster"):
        (home / tool).mkdir(parents=True, exist_ok=True)
        env[f"{tool.upper()}_HOME"] = str(home / tool)
    # Prefect starts its own API server for a flow; on a busy machine that can take longer than its default 20 s.
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "180"
    if name == "js":
        env["NODE_PATH"] = str(venvs.node_modules())
    return env


def interpreter(name: str) -> list[str]:
    """The command that runs a script of the integration: its virtualenv's Python, or node for the JS SDK."""
    return ["node"] if name == "js" else [str(venvs.python_for(name))]


def run_script(name: str, script: Path, args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*interpreter(name), str(script), *args],
        capture_output=True,
        text=True,
        env={**environment(name, home), **env},
        timeout=CASE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{name}: {script.name} {args} exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-6000:]}"
        )
    return done


def run_driver(name: str, case: str, base_url: str, home: Path, token: str = TOKEN) -> dict[str, Any]:
    """`<driver> CASE BASE_URL TOKEN` in the integration's environment; its JSON result (the last line it prints)."""
    script = JS_DRIVER if name == "js" else DRIVERS / f"{name}_driver.py"
    done = run_script(name, script, [case, base_url, token], home)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise AssertionError(
            f"{name} driver {case!r} printed no result:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        ) from None


if __name__ == "__main__":  # python -m tests.integrations.harness NAME CASE BASE_URL: one case by hand
    import tempfile

    print(json.dumps(run_driver(*sys.argv[1:4], home=Path(tempfile.mkdtemp())), indent=2))
