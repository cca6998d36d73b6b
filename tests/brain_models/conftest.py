"""Stimuli and the tiny model fixture for the adapter tests (the models: ``tests.helpers.models``).

Brain-Score reads some settings when its modules are imported (during test
collection, before any fixture runs), so they are set here, when pytest loads
this conftest, and only where the user has not set them: no plugin installs,
no result caching, and Brain-Score's folders inside a temporary directory.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

_BRAINSCORE_TMP = Path(tempfile.mkdtemp(prefix="dynvision-brainscore-"))
os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("RESULTCACHING_DISABLE", "1")
for _name, _folder in (("BRAINIO_HOME", "brainio"), ("RESULTCACHING_HOME", "result_caching"),
                       ("BRAINSCORE_HOME", "brain-score"), ("MT_HOME", "model-tools")):
    os.environ.setdefault(_name, str(_BRAINSCORE_TMP / _folder))

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from tests.helpers.models import TinyNet  # noqa: E402


def write_images(folder: Path, n: int, size: int = 20, seed: int = 0, fmt: str = "png"):
    """``n`` random-pattern RGB images (smooth blobs of different colours)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:size, 0:size] / size
    paths = []
    for i in range(n):
        image = np.zeros((size, size, 3))
        for _ in range(3):
            cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.4)
            image += rng.uniform(0, 1, 3) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / r ** 2)[..., None]
        image = (255 * image / image.max()).astype(np.uint8)
        path = folder / f"image{i:03d}.{fmt}"
        Image.fromarray(image).save(path)
        paths.append(path)
    return paths


def make_stimulus_set(paths, labels=None, identifier="dynvision-test-stimuli"):
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    ids = [f"stim{i:03d}" for i in range(len(paths))]
    labels = labels if labels is not None else [f"object{i % 4}" for i in range(len(paths))]
    stimuli = StimulusSet({"stimulus_id": ids, "object_name": labels, "image_label": labels,
                           "filename": [Path(p).name for p in paths]})
    stimuli.stimulus_paths = {i: Path(p) for i, p in zip(ids, paths)}
    stimuli.identifier = identifier
    return stimuli


@pytest.fixture
def tiny_model():
    torch.manual_seed(0)
    return TinyNet()


@pytest.fixture
def image_paths(tmp_path):
    return write_images(tmp_path / "images", 12)


@pytest.fixture
def stimulus_set(image_paths):
    return make_stimulus_set(image_paths)


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models run fastest on one thread (no thread hand-offs per small conv)."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)
