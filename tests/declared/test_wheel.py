"""The wheel ships the declared APIs (apis/ as simulator/_bundled/apis), as it ships specs/ and scenarios/."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_bundles_every_declared_api(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("jobsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in sorted((ROOT / "apis").rglob("*.yaml")):
        assert f"simulator/_bundled/apis/{path.relative_to(ROOT / 'apis').as_posix()}" in names
    for api in ("airflow", "dbt-cloud"):
        assert f"simulator/_bundled/scenarios/{api}/default.yaml" in names
