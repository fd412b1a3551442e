"""What a start-up imports: jsonschema (about 35 ms to import) only words the errors of invalid documents, so a start
with the bundled APIs and default scenarios, all valid, does without it; an invalid one still gets its message."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import simulator
from simulator.engine.scenario import ScenarioError, parse_scenario, schema_problem


def test_create_app_with_every_api_and_default_scenarios_does_not_import_jsonschema() -> None:
    code = "import sys\nfrom simulator import create_app\ncreate_app()\nprint('jsonschema' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_start_from_a_warm_cache_parses_no_yaml_and_reads_no_package_metadata(tmp_path: Path) -> None:
    """PyYAML (about 10 ms to import) parses only texts the document cache does not have, and importlib.metadata
    (about 15 ms with its scan) is asked only when a distribution may declare plug-ins."""
    code = (
        "import sys\nfrom simulator import create_app\ncreate_app()\n"
        "print(sorted(m for m in ('yaml', 'importlib.metadata') if m in sys.modules))"
    )
    env = {**os.environ, "JOBSIM_CACHE_DIR": str(tmp_path)}
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert "'yaml'" in cold.stdout  # a first start parses (and checks) the documents, and fills the cache
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert warm.stdout.strip() == "[]"


def test_an_invalid_scenario_is_still_refused_in_jsonschema_words() -> None:
    with pytest.raises(ScenarioError, match=r"plans\.0\.steps: 'x' is not of type 'array'"):
        parse_scenario("jobsim: 1\nname: n\napi: databricks\nplans:\n  - {name: p, steps: x}\n", "s.yaml", {})


def test_a_schema_that_is_not_one_is_named() -> None:
    assert schema_problem({"type": "object"}) is None
    assert schema_problem({"type": "nonsense"}) is not None


def test_every_dataclass_has_a_docstring() -> None:
    """Without one, `dataclasses` derives a docstring from `inspect.signature` when the class is made: ~80 us a class
    at every start, for text nobody reads."""
    missing = []
    for path in sorted(Path(simulator.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ClassDef)
                and any("dataclass" in ast.unparse(d) for d in node.decorator_list)
                and ast.get_docstring(node) is None
            ):
                missing.append(f"{path.name}:{node.lineno} {node.name}")
    assert missing == []
