"""The README's snippet for each integration runs as written (its port replaced) against a real `jobsim serve`.

Airflow's runs for real: a DAG file in `$AIRFLOW_HOME/dags`, a migrated SQLite metadata database, `dag.test()`
running the task and, since the operator defers, its trigger in line.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.integrations import harness, venvs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
README = (venvs.ROOT / "README.md").read_text()


def _snippet(heading: str, language: str, jobsim_url: str) -> str:
    section = README.split(f"\n### {heading}", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    block = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert block, f"no {language} block under {heading!r}"
    address = urlsplit(jobsim_url)
    return block.group(1).replace("127.0.0.1:8000", address.netloc).replace('"port": 8000', f'"port": {address.port}')


def _last_line(done) -> str:
    return done.stdout.strip().splitlines()[-1]


def test_airflow_dag_runs_to_success(jobsim_url: str, tmp_path: Path) -> None:
    connection = re.fullmatch(
        r"export AIRFLOW_CONN_DATABRICKS_DEFAULT='(.*)'\n", _snippet("Apache Airflow", "bash", jobsim_url)
    )
    assert connection
    dags = tmp_path / "airflow" / "dags"
    dags.mkdir(parents=True)
    (dags / "nightly.py").write_text(_snippet("Apache Airflow", "python", jobsim_url))
    env = {"AIRFLOW_CONN_DATABRICKS_DEFAULT": connection.group(1), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    migrate = harness.environment("airflow", tmp_path) | env
    done = subprocess.run(
        [str(venvs.python_for("airflow").parent / "airflow"), "db", "migrate"],
        env=migrate,
        capture_output=True,
        text=True,
        timeout=harness.CASE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    done = harness.run_script("airflow", dags / "nightly.py", [], tmp_path, **env)
    assert "[DAG TEST] running trigger in line" in done.stdout + done.stderr
    assert _last_line(done) == "success"


def test_prefect_flow_returns_the_outputs(jobsim_url: str, tmp_path: Path) -> None:
    script = tmp_path / "nightly.py"
    script.write_text(_snippet("Prefect", "python", jobsim_url))
    assert _last_line(harness.run_script("prefect", script, [], tmp_path)).startswith("{'main': ")


def test_dagster_job_succeeds(jobsim_url: str, tmp_path: Path) -> None:
    script = tmp_path / "nightly.py"
    script.write_text(_snippet("Dagster", "python", jobsim_url))
    assert _last_line(harness.run_script("dagster", script, [], tmp_path)) == "True"


def test_js_sdk_run_succeeds(jobsim_url: str, tmp_path: Path) -> None:
    script = tmp_path / "nightly.cjs"
    script.write_text(_snippet("The Databricks JavaScript SDK", "js", jobsim_url))
    assert _last_line(harness.run_script("js", script, [], tmp_path)) == "SUCCESS"
