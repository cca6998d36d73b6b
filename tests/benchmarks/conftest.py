"""Fixtures for the benchmark tests: every test runs with its own DYNVISION_HOME,
offline, and with Brain-Score neither installing plugin requirements nor
writing result caches."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.cowley2023 import files as cowley_files

REPO = Path(__file__).resolve().parents[2]
# read once at collection: the autouse fixture below removes it from each test's environment
SHARED_DATA = Path(os.environ.get("DYNVISION_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    home = tmp_path / "dynvision_home"
    monkeypatch.setenv("DYNVISION_HOME", str(home))
    monkeypatch.setenv("DYNVISION_OFFLINE", "1")  # tests never download
    monkeypatch.setenv("BS_INSTALL_DEPENDENCIES", "no")  # read by Brain-Score at each plugin import
    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")  # read at each cached call
    monkeypatch.delenv("DYNVISION_DATA", raising=False)
    return home


@pytest.fixture
def shared_data_dir() -> Path:
    """The folder holding ``cowley2023/`` ($DYNVISION_DATA, default <repo>/../shared/data); skips when absent."""
    missing = cowley_files.missing_files(cowley_files.SHA1, SHARED_DATA)
    if missing:
        pytest.skip(f"Cowley2023 data not found in {SHARED_DATA / cowley_files.DATASET_FOLDER} "
                    f"(missing {', '.join(missing)}); set DYNVISION_DATA to the folder containing cowley2023/")
    return SHARED_DATA


@pytest.fixture
def all_files():
    """``all_files(root)``: every file and folder below ``root`` (for 'nothing left behind' checks)."""
    def listing(root: Path):
        root = Path(root)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []
    return listing
