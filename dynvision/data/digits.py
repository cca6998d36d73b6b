"""``digits``: scikit-learn's bundled handwritten digits (1,797 real 8x8 images,
10 classes), the offline default. Nothing is downloaded."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from .registry import Splits, register_dataset
from .splits import stratified_split

# Pixel mean/std of the images scaled to [0, 1] and upsampled (nearly the same
# for any image_size >= 32); fixed constants so that inference needs no data.
DIGITS_MEAN = (0.305,)
DIGITS_STD = (0.324,)


# Up to this size the normalized, channel-replicated images are precomputed so
# that loading a batch is pure indexing; above it (large image_size) items are
# normalized on access to keep memory at one channel.
_PRECOMPUTE_BYTES = 256 * 2**20


class ImageTensorDataset(Dataset):
    """Images held in memory as one ``(N, 1, H, W)`` tensor in [0, 1], served
    replicated to ``len(mean)`` channels and normalized."""

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        mean: Sequence[float],
        std: Sequence[float],
        indices: Optional[Sequence[int]] = None,
    ):
        self.images = images
        self.indices = list(range(len(labels))) if indices is None else list(indices)  # rows of the source
        self.labels = labels
        self.targets = labels.tolist()
        self.mean = torch.tensor(mean, dtype=images.dtype).view(-1, 1, 1)
        self.std = torch.tensor(std, dtype=images.dtype).view(-1, 1, 1)
        self._normalized = None
        if images.numel() * len(mean) * images.element_size() <= _PRECOMPUTE_BYTES:
            self._normalized = ((images - self.mean) / self.std).contiguous()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, int]:
        if self._normalized is not None:
            return self._normalized[i], int(self.labels[i])
        return (self.images[i] - self.mean) / self.std, int(self.labels[i])


def load_digit_images(image_size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 digits as ``(N, 1, image_size, image_size)`` floats in [0, 1]
    (bilinear upsampling) and their labels."""
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    bunch = load_digits()
    images = torch.tensor(bunch.images, dtype=torch.float32).unsqueeze(1) / 16.0  # pixel values are 0..16
    if image_size != images.shape[-1]:
        images = F.interpolate(images, size=(image_size, image_size), mode="bilinear", align_corners=False)
        images = images.clamp_(0.0, 1.0)
    return images.contiguous(), torch.tensor(bunch.target, dtype=torch.long)


@register_dataset(
    "digits",
    mean=DIGITS_MEAN,
    std=DIGITS_STD,
    n_classes=10,
    needs_root=False,
    layout="bundled with scikit-learn (sklearn.datasets.load_digits); no files needed",
    augmentable=False,
    hflip=False,
)
def build_digits(config, mean, std) -> Splits:
    """Stratified, seeded train/val/test split of the upsampled digits."""
    images, labels = load_digit_images(config.image_size)
    train_idx, val_idx, test_idx = stratified_split(
        labels.tolist(), config.val_fraction, config.test_fraction, config.split_seed
    )

    def subset(indices):
        index = torch.tensor(indices, dtype=torch.long)
        return ImageTensorDataset(images[index], labels[index], mean, std, indices)

    return Splits(subset(train_idx), subset(val_idx), subset(test_idx), classes=[str(d) for d in range(10)])
