"""Fixtures for the scoring tests (the tiny DyRCNNx4 is ``tests.helpers.configs.X4_16PX``): small
user data sets, an isolated DYNVISION_HOME, offline, one torch thread (the machines running CI are small and shared)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("DYNVISION_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture(autouse=True)
def scoring_environment(tmp_path, monkeypatch):
    home = tmp_path / "dynvision_home"
    monkeypatch.setenv("DYNVISION_HOME", str(home))
    monkeypatch.setenv("DYNVISION_OFFLINE", "1")
    monkeypatch.setenv("BS_INSTALL_DEPENDENCIES", "no")
    monkeypatch.setenv("RESULTCACHING_DISABLE", "")  # the runner chooses what to cache
    monkeypatch.delenv("DYNVISION_DATA", raising=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield home
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def user_data(tmp_path_factory):
    """Two example data sets in the documented layout: one time bin and three time bins."""
    from benchmarks.user_data.example import write_example

    root = tmp_path_factory.mktemp("user_data")
    static = write_example(root / "static", n_stimuli=30, n_neuroids=8, seed=1)
    temporal = write_example(root / "temporal", n_stimuli=30, n_neuroids=8, seed=2,
                             time_bins=[(0, 50), (50, 100), (100, 150)])
    return {"static": static, "temporal": temporal}


@pytest.fixture
def shared_data_dir() -> Path:
    from benchmarks.cowley2023 import files

    missing = files.missing_files(files.SHA1, SHARED_DATA)
    if missing:
        pytest.skip(f"Cowley2023 data not found in {SHARED_DATA / files.DATASET_FOLDER} (missing "
                    f"{', '.join(missing)}); set DYNVISION_DATA to the folder containing cowley2023/")
    return SHARED_DATA
