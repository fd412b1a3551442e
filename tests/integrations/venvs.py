"""One environment per integration, built from the pinned files committed beside this module, reused while they hold.

The integrations (Airflow's Databricks provider, prefect-databricks, dagster-databricks, the Databricks JS SDK) pin
dependencies that clash with each other and with the test extra, so each gets its own virtualenv (or node_modules)
under the git-ignored `.venvs/` at the repository root. An environment is rebuilt only when its requirements file
(or package-lock.json) changes: a stamp holds the file's hash. `python -m tests.integrations.venvs [NAME ...]` builds
them ahead of the tests (CI); the tests call `python_for(name)` / `node_modules()`, which build on first use.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REQUIREMENTS = HERE / "requirements"
JS_SOURCE = HERE / "js"
ENVS = Path(os.environ.get("JOBSIM_INTEGRATION_ENVS", ROOT / ".venvs"))
STAMP = ".jobsim-stamp"
PYTHON_NAMES = tuple(sorted(path.stem for path in REQUIREMENTS.glob("*.txt")))
ALL_NAMES = (*PYTHON_NAMES, "js")


def _digest(*files: Path) -> str:
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    # Two pytest processes (or CI and a developer) may ask for the same environment at once: build it once.
    ENVS.mkdir(parents=True, exist_ok=True)
    with (ENVS / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _current(target: Path, digest: str) -> bool:
    stamp = target / STAMP
    return stamp.is_file() and stamp.read_text().strip() == digest


def _run(command: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
        )


def python_for(name: str) -> Path:
    """The Python of the integration's virtualenv `.venvs/<name>`, built from requirements/<name>.txt if needed."""
    requirements = REQUIREMENTS / f"{name}.txt"
    if not requirements.is_file():
        raise ValueError(f"no pinned requirements for {name!r} (have: {', '.join(PYTHON_NAMES)})")
    target = ENVS / name
    python = target / "bin" / "python"
    digest = _digest(requirements)
    with _locked(name):
        if not _current(target, digest):
            shutil.rmtree(target, ignore_errors=True)
            _run([sys.executable, "-m", "venv", str(target)])
            _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(requirements)])
            (target / STAMP).write_text(digest)
    return python


def node_modules() -> Path:
    """`.venvs/js/node_modules`, installed by `npm ci` from the committed package.json and package-lock.json."""
    manifest, lock = JS_SOURCE / "package.json", JS_SOURCE / "package-lock.json"
    target = ENVS / "js"
    digest = _digest(manifest, lock)
    with _locked("js"):
        if not _current(target, digest):
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            shutil.copy2(manifest, target / manifest.name)
            shutil.copy2(lock, target / lock.name)
            _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target)
            (target / STAMP).write_text(digest)
    return target / "node_modules"


def build(name: str) -> Path:
    return node_modules() if name == "js" else python_for(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integrations.venvs", description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"environments to build: {', '.join(ALL_NAMES)} (default: all)"
    )
    names = parser.parse_args(argv).names or list(ALL_NAMES)
    if unknown := sorted(set(names) - set(ALL_NAMES)):
        parser.error(f"no environment named {', '.join(unknown)}")
    for name in names:
        started = time.monotonic()
        path = build(name)
        print(f"{name}: {path} ready in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
