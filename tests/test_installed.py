"""Versions and entry points read from the metadata folders on sys.path agree with importlib.metadata, and a
distribution that declares a jobsim vendor plug-in is found (its vendor then served)."""

from __future__ import annotations

import sys
import zipfile
from importlib.metadata import version as metadata_version
from pathlib import Path

import pytest

from simulator import installed
from simulator.vendors import ENTRY_POINT_GROUP, discover


@pytest.mark.parametrize("name", ["PyYAML", "pyyaml", "openapi-spec-validator", "openapi_spec_validator", "jobsim"])
def test_versions_agree_with_importlib_metadata(name: str) -> None:
    assert installed.version(name) == metadata_version(name)


def test_a_distribution_not_installed_has_no_version() -> None:
    assert installed.version("no-such-distribution-here") is None


def test_entry_point_groups_are_seen_as_importlib_metadata_sees_them() -> None:
    assert installed.declares_entry_points("pytest11")  # jobsim's own pytest plug-in
    assert not installed.declares_entry_points("no.such.group")


def _plugin(folder: Path) -> None:
    (folder / "jobsim_test_plugin.py").write_text(
        "from simulator.vendors.base import Vendor\n\nclass Plugged(Vendor):\n    name = 'plugged'\n",
        encoding="utf-8",
    )
    meta = folder / "jobsim_test_plugin-1.2.3.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: jobsim-test-plugin\nVersion: 1.2.3\n")
    (meta / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nplugged = jobsim_test_plugin:Plugged\n")


def test_a_plugin_on_the_path_is_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "plugged" not in {vendor.name for vendor in discover()}
    _plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed.declares_entry_points(ENTRY_POINT_GROUP)
    assert installed.version("jobsim-test-plugin") == "1.2.3"
    try:
        assert "plugged" in {vendor.name for vendor in discover()}
    finally:
        sys.modules.pop("jobsim_test_plugin", None)


def test_a_zip_on_the_path_is_left_to_importlib_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("zipped-4.5.6.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\nVersion: 4.5.6\n")
    monkeypatch.syspath_prepend(str(archive))
    assert installed.declares_entry_points(ENTRY_POINT_GROUP)  # cannot tell: the caller asks importlib.metadata
    assert installed.version("zipped") == "4.5.6"
    assert installed.version("PyYAML") == metadata_version("PyYAML")


def test_a_distribution_added_to_a_folder_already_listed_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed.version("jobsim-test-plugin") is None  # the folder is listed (and the listing kept) empty
    _plugin(tmp_path)  # nothing imports its module here: only the listing is read
    assert installed.version("jobsim-test-plugin") == "1.2.3"
    assert installed.declares_entry_points(ENTRY_POINT_GROUP)
