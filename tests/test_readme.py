"""The README's examples run as written (the plugin example under pytester, the SDK example against a server)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import running_server

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


ROOT = Path(__file__).resolve().parents[1]


def _first_bash_line_under(heading: str) -> str:
    section = README.split(f"## {heading}\n", 1)[1]
    return re.search(r"```bash\n(.*?)\n", section).group(1).split("#")[0].strip()


def test_readme_has_the_two_commands() -> None:
    assert _first_bash_line_under("Start it") == "python -m pip install -e . && jobsim serve"
    test_command = _first_bash_line_under("Test it")
    assert test_command.endswith("python -m pip install -e '.[test]' && python -m pytest")
    # CI runs the README's test command, as written
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_sdk_example_runs_against_a_server(capsys) -> None:
    example = next(block for block in PYTHON_BLOCKS if "WorkspaceClient(host=" in block and "jobsim" not in block)
    with running_server(load_defaults=False) as server:
        exec(compile(example.replace("http://127.0.0.1:8000", server.url), "README.md", "exec"), {})
    assert "SUCCESS" in capsys.readouterr().out


@pytest.mark.slow  # a pytest of its own in a subprocess: CI runs it in the slow step
def test_plugin_example_passes(pytester: pytest.Pytester) -> None:
    example = next(block for block in PYTHON_BLOCKS if "def test_" in block)
    pytester.makepyfile(test_readme_example=example)
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)
