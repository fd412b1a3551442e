"""The README's examples run as written (the plugin example under pytester, the SDK example against a server)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import running_server

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_readme_has_the_two_commands() -> None:
    assert "python -m pip install -e . && jobsim serve" in README
    assert "python -m pip install -e '.[test]' && python -m pytest" in README


def test_sdk_example_runs_against_a_server(capsys) -> None:
    example = next(block for block in PYTHON_BLOCKS if "WorkspaceClient(host=" in block and "jobsim" not in block)
    with running_server(load_defaults=False) as server:
        exec(compile(example.replace("http://127.0.0.1:8000", server.url), "README.md", "exec"), {})
    assert "SUCCESS" in capsys.readouterr().out


def test_plugin_example_passes(pytester: pytest.Pytester) -> None:
    example = next(block for block in PYTHON_BLOCKS if "def test_" in block)
    pytester.makepyfile(test_readme_example=example)
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)
