"""Image transforms shared by training, evaluation and inference.

Evaluation and inference use the *same* transform (resize to a square of
``image_size``, then normalize), so a Brain-Score stimulus is seen exactly as
the validation images were seen during training.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence, Tuple

if TYPE_CHECKING:
    from torchvision import transforms as T

    from dynvision.config.schema import DataSection

    from .registry import DatasetSpec

Stats = Tuple[float, ...]


class ToChannels:
    """Convert a PIL image to 1 (grayscale) or 3 (RGB) channels.

    A class rather than a lambda so that DataLoader workers can pickle it.
    """

    def __init__(self, channels: int):
        self.channels = channels

    def __call__(self, image):
        mode = "L" if self.channels == 1 else "RGB"
        # the folder loader already decodes to RGB: no second full-size copy
        return image if image.mode == mode else image.convert(mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(channels={self.channels})"


def resolve_stats(spec: "DatasetSpec", config: "DataSection") -> Tuple[Stats, Stats]:
    """Per-channel mean/std: the config's if given, else the dataset's defaults
    adapted to ``config.channels`` (replicated for gray->RGB, averaged for RGB->gray)."""
    mean = tuple(config.mean) if config.mean is not None else _adapt(spec.mean, config.channels)
    std = tuple(config.std) if config.std is not None else _adapt(spec.std, config.channels)
    return mean, std


def _adapt(values: Sequence[float], channels: int) -> Stats:
    values = tuple(float(v) for v in values)
    if len(values) == channels:
        return values
    if len(values) == 1:
        return values * channels
    return (sum(values) / len(values),) * channels


def eval_transform(image_size: int, channels: int, mean: Stats, std: Stats) -> "T.Compose":
    """PIL image -> normalized float tensor ``(channels, image_size, image_size)``."""
    from torchvision import transforms as T  # lazy: validating a config needs no torchvision

    return T.Compose(
        [
            ToChannels(channels),
            T.Resize((image_size, image_size), interpolation=T.InterpolationMode.BILINEAR),
            T.ToTensor(),
            T.Normalize(mean, std),
        ]
    )


def train_transform(image_size: int, channels: int, mean: Stats, std: Stats, augment: bool, hflip: bool = True) -> "T.Compose":
    """Like :func:`eval_transform`, with random crops (and flips) when ``augment``."""
    from torchvision import transforms as T

    if not augment:
        return eval_transform(image_size, channels, mean, std)
    steps = [ToChannels(channels), T.RandomResizedCrop(image_size, scale=(0.6, 1.0))]
    if hflip:
        steps.append(T.RandomHorizontalFlip())
    steps += [T.ToTensor(), T.Normalize(mean, std)]
    return T.Compose(steps)


def transforms_for(spec: "DatasetSpec", config: "DataSection", mean: Stats, std: Stats) -> Tuple["T.Compose", "T.Compose"]:
    """``(train_transform, eval_transform)`` for a dataset spec and data config."""
    return (
        train_transform(config.image_size, config.channels, mean, std, config.augment, spec.hflip),
        eval_transform(config.image_size, config.channels, mean, std),
    )
