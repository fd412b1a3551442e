"""YAML parsed once: a text parsed before is read back from the document cache with the same data and lines; an
edited text, an invalid one and a cache turned off are parsed (and checked) afresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.engine.safe_yaml import YamlError, load_yaml

TEXT = "jobsim: 1\nname: cached\nplans:\n  - name: p\n    steps: [{state: RUNNING, for: 1s}]\n"


def test_a_text_parsed_before_comes_back_the_same_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBSIM_CACHE_DIR", str(tmp_path))
    fresh = load_yaml(TEXT, "a.yaml")
    assert len(list(tmp_path.glob("yaml-*.marshal"))) == 1
    again = load_yaml(TEXT, "a.yaml")
    assert again == fresh and again[1][("plans", 0, "steps")] == 5
    assert again[0] is not fresh[0]  # a copy of its own: callers may change what they got
    edited = load_yaml(TEXT.replace("cached", "edited"), "a.yaml")
    assert edited[0]["name"] == "edited" and len(list(tmp_path.glob("yaml-*.marshal"))) == 2


def test_an_invalid_text_is_refused_every_time_and_never_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBSIM_CACHE_DIR", str(tmp_path))
    for _ in range(2):
        with pytest.raises(YamlError, match=r"b\.yaml:2"):
            load_yaml("a: [1, 2\nb: }\n", "b.yaml")
    assert not list(tmp_path.glob("yaml-*"))


def test_with_the_cache_off_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBSIM_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    assert load_yaml(TEXT, "a.yaml")[0]["name"] == "cached"
    assert not list(tmp_path.rglob("*.marshal"))
