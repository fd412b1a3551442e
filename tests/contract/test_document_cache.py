"""Parsed and checked API documents are cached on disk by content: an edited document is read anew, a document
that fails the OpenAPI check is never cached, and a broken cache entry is ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.contract import cache
from simulator.contract.document import SpecError, load_document

DOCUMENT = """
openapi: 3.0.3
info: {{title: cached, version: "1"}}
paths:
  /things:
    get:
      operationId: {operation}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{type: object}}
"""


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("JOBSIM_CACHE_DIR", str(folder))
    return folder


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_edited_document_is_read_again(tmp_path: Path, cache_dir: Path) -> None:
    spec = write(tmp_path / "api.yaml", DOCUMENT.format(operation="listThings"))
    assert [op.operation_id for op in load_document(spec, "t").operations] == ["listThings"]
    assert len(list(cache_dir.glob("*.marshal"))) == 1
    write(spec, DOCUMENT.format(operation="listThingsRenamed") + "\n")
    assert [op.operation_id for op in load_document(spec, "t").operations] == ["listThingsRenamed"]
    assert len(list(cache_dir.glob("*.marshal"))) == 2


def test_a_cached_document_is_the_parsed_one(tmp_path: Path, cache_dir: Path) -> None:
    content = DOCUMENT.format(operation="listThings").encode()
    spec = write(tmp_path / "api.yaml", content.decode())
    first = load_document(spec, "t").raw
    assert cache.load(cache.key(content, True)) == first


def test_a_document_that_fails_the_check_is_not_cached(tmp_path: Path, cache_dir: Path) -> None:
    spec = write(tmp_path / "bad.yaml", DOCUMENT.format(operation="x").replace("responses:", "responsez:"))
    for _ in range(2):
        with pytest.raises(SpecError, match="not a valid OpenAPI document"):
            load_document(spec, "t")
    assert not list(cache_dir.glob("*.marshal"))


def test_a_broken_cache_entry_is_ignored(tmp_path: Path, cache_dir: Path) -> None:
    content = DOCUMENT.format(operation="listThings").encode()
    cache_dir.mkdir()
    (cache_dir / f"{cache.key(content, True)}.marshal").write_bytes(b"\x00not marshal data")
    spec = write(tmp_path / "api.yaml", content.decode())
    assert [op.operation_id for op in load_document(spec, "t").operations] == ["listThings"]


def test_an_empty_cache_setting_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBSIM_CACHE_DIR", "")
    assert cache.cache_dir() is None
    spec = write(tmp_path / "api.yaml", DOCUMENT.format(operation="listThings"))
    assert [op.operation_id for op in load_document(spec, "t").operations] == ["listThings"]


BORROWING = """
openapi: 3.0.3
info: {title: borrowing, version: "1"}
x-jobsim-borrow:
  lender.yaml: [Thing]
paths:
  /things:
    get:
      operationId: getThing
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
"""
LENDER = """
openapi: 3.0.3
info: {title: lender, version: "1"}
paths: {}
components:
  schemas:
    Thing: {type: %s}
"""


def test_a_borrowed_schema_is_read_anew_when_its_lender_changes(tmp_path: Path, cache_dir: Path) -> None:
    """The same borrowing document beside two different lenders: one cache entry by content, never the other's."""
    kinds = {}
    for kind in ("object", "string", "object"):
        folder = tmp_path / f"{kind}-{len(kinds)}"
        folder.mkdir()
        write(folder / "lender.yaml", LENDER % kind)
        raw = load_document(write(folder / "api.yaml", BORROWING), "t").raw
        kinds[folder.name] = raw["components"]["schemas"]["Thing"]["type"]
        assert "x-jobsim-borrow" not in raw and "x-jobsim-lent" not in raw  # what users download stands alone
    assert list(kinds.values()) == ["object", "string", "object"]
    assert len(list(cache_dir.glob("*.marshal"))) == 1
