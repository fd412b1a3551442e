"""A plain `pip install jobsim` (no extras) as a user's unrelated project has it: pytest still works there.

The install registers the `pytest11` plugin in every pytest run of that environment, so whatever the plugin imports
must come with the plain install.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_plain_install_keeps_pytest_working(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", str(ROOT), "pytest"], capture_output=True, text=True, timeout=900
    )
    assert install.returncode == 0, install.stderr[-3000:]
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_unrelated.py").write_text("def test_arithmetic():\n    assert 1 + 1 == 2\n")
    run = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "1 passed" in run.stdout
    fixtures = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--fixtures"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "jobsim_server" in fixtures.stdout  # the plugin was loaded, not just tolerated
