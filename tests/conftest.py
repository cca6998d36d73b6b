"""Shared test setup: deterministic torch, Brain-Score kept offline and its
caches inside a temporary directory."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The real data: ``$DYNVISION_DATA`` or ``<repo>/../shared/data``."""
    return Path(os.environ.get("DYNVISION_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)
    yield


@pytest.fixture(scope="session", autouse=True)
def _offline_caches(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    saved = {k: os.environ.get(k) for k in ("BS_INSTALL_DEPENDENCIES", "BRAINIO_HOME", "RESULTCACHING_HOME", "DYNVISION_HOME")}
    os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
    os.environ.setdefault("BRAINIO_HOME", str(home / "brainio"))
    os.environ.setdefault("RESULTCACHING_HOME", str(home / "result_caching"))
    os.environ["DYNVISION_HOME"] = str(home / "dynvision")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
