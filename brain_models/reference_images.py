"""The fixed, offline image set feature reductions are fitted on.

Brain-Score fits its PCA on 1,000 ImageNet validation images; those cannot be
downloaded here. This set is built from the two natural photographs bundled
with scikit-learn (``china.jpg``, ``flower.jpg``, 427 x 640 RGB): image ``i``
is a square crop of photograph ``i % 2`` whose side (1/8 to all of the short
side), position and horizontal flip are drawn from ``numpy.random.default_rng(0)``
(version 1 of the set), resized and normalized exactly like a stimulus
(:meth:`brain_models.stimuli.ImageLoader.convert`). It is the same in every
run and on every machine, and independent of any benchmark's stimuli or
responses.
"""
from __future__ import annotations

from functools import lru_cache
from typing import List, Tuple

import numpy as np
import torch

from .stimuli import ImageLoader

#: bump when the recipe changes: recorded with every reduction fitted on the set
REFERENCE_SET = "sklearn-sample-crops-v1"
DEFAULT_REFERENCE_IMAGES = 1000


@lru_cache(maxsize=1)
def _photographs() -> Tuple[np.ndarray, ...]:
    from sklearn.datasets import load_sample_images

    return tuple(np.asarray(image) for image in load_sample_images().images)


def crop_boxes(n: int) -> List[Tuple[int, int, int, int, bool]]:
    """``(photo, top, left, side, flip)`` of each of the ``n`` reference images."""
    photos = _photographs()
    rng = np.random.default_rng(0)
    boxes = []
    for i in range(int(n)):
        height, width = photos[i % len(photos)].shape[:2]
        short = min(height, width)
        side = int(rng.integers(short // 8, short + 1))
        top = int(rng.integers(0, height - side + 1))
        left = int(rng.integers(0, width - side + 1))
        boxes.append((i % len(photos), top, left, side, bool(rng.integers(0, 2))))
    return boxes


def reference_images(n: int, loader: ImageLoader, start: int = 0) -> torch.Tensor:
    """Images ``start .. start + n - 1`` of the reference set as model inputs ``(n, C, H, W)``."""
    from PIL import Image

    photos = _photographs()
    tensors = []
    for photo, top, left, side, flip in crop_boxes(start + n)[start:]:
        crop = Image.fromarray(photos[photo][top:top + side, left:left + side])
        if flip:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        tensors.append(loader.convert(crop))
    return torch.stack(tensors)
