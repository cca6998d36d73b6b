"""Images for experiments: the first ``n`` of a dataset split, normalized
exactly as in training (the data section's transform)."""
from __future__ import annotations

from typing import Any, Mapping, Tuple, Union

import torch


def dataset_images(data: Union[Mapping[str, Any], Any, None] = None, n_images: int = 100,
                   split: str = "test") -> Tuple[torch.Tensor, torch.Tensor]:
    """``(images (N, C, H, W), labels (N,))`` from a data config section
    (a dict, a ``DataSection``, or None for the default digits)."""
    from dynvision.data import DataModule

    module = DataModule(data)
    if split not in ("train", "val", "test"):
        raise ValueError(f"split={split!r}: use train, val or test")
    dataset = getattr(module, f"{split}_dataset")
    n = min(int(n_images), len(dataset))
    if n < 1:
        raise ValueError(f"n_images={n_images}: need at least one image (the {split} split has {len(dataset)})")
    pairs = [dataset[i] for i in range(n)]
    images = torch.stack([torch.as_tensor(image) for image, _ in pairs])
    labels = torch.as_tensor([int(label) for _, label in pairs])
    return images, labels
