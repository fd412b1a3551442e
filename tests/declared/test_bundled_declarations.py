"""jobsim's own declared APIs (apis/): each passes the declaration schema and every template compiles (the server
loads them unchecked and compiles templates on first render, so this is where a broken one fails), and a template
compiled on first render gives what the eager one gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.declared import loader
from simulator.declared.loader import load_declaration
from simulator.server.settings import optional_bundled_dir

BUNDLED = sorted(path for path in Path(optional_bundled_dir("apis")).iterdir() if (path / "api.yaml").is_file())
CONTEXT: dict[str, Any] = {
    "error": {"message": "Job 7 does not exist.", "kind": "NOT_FOUND", "status": 404, "path": "/x", "field": "id"},
    "now": 1_780_000_000.0,
}


def test_jobsim_declares_apis() -> None:
    assert {path.name for path in BUNDLED} >= {"airflow", "dbt-cloud"}


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda path: path.name)
def test_every_template_of_a_bundled_api_compiles(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[tuple[Any, ...]] = []
    real = loader.compile_template

    def counting(raw: Any, time_style: str, path: tuple[Any, ...] = ()) -> Any:
        compiled.append(path)
        return real(raw, time_style, path)

    monkeypatch.setattr(loader, "compile_template", counting)
    load_declaration(folder)  # as a user's folder: checked, every template compiled now, any error raised
    assert compiled
    compiled.clear()
    load_declaration(folder, bundled=True)  # as the server loads it: nothing compiled yet
    assert compiled == []


@pytest.mark.parametrize("folder", BUNDLED, ids=lambda path: path.name)
def test_a_template_compiled_on_first_render_renders_as_the_eager_one(folder: Path) -> None:
    eager, deferred = load_declaration(folder), load_declaration(folder, bundled=True)
    assert eager.errors.keys() == deferred.errors.keys() and eager.errors
    for kind, spec in eager.errors.items():
        late = deferred.errors[kind]
        for _ in range(2):  # the first render compiles, the second calls what it compiled
            assert late.body(CONTEXT) == spec.body(CONTEXT), kind
            assert {name: value(CONTEXT) for name, value in late.headers.items()} == {
                name: value(CONTEXT) for name, value in spec.headers.items()
            }
