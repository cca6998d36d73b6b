"""Stimuli -> model input tensors, and the presentation coordinates of an assembly."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

#: ImageNet statistics (RGB); the default normalization
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class StimulusError(ValueError):
    """A stimulus file is missing or cannot be read as an image."""


def default_stats(channels: int) -> Tuple[Tuple[float, ...], Tuple[float, ...]]:
    """ImageNet mean/std, averaged over RGB for a one-channel model."""
    if channels == 3:
        return IMAGENET_MEAN, IMAGENET_STD
    return (sum(IMAGENET_MEAN) / 3,) * channels, (sum(IMAGENET_STD) / 3,) * channels


class ImageLoader:
    """Any image PIL reads -> RGB (or gray for a one-channel model) -> resized
    to the model's input (bilinear, as DynVision's evaluation transform) ->
    tensor -> normalized with ``mean``/``std``."""

    def __init__(self, channels: int, height: int, width: int,
                 mean: Optional[Sequence[float]] = None, std: Optional[Sequence[float]] = None):
        if channels not in (1, 3):
            raise ValueError(f"the model takes {channels} input channels; images can feed 1 (gray) or 3 (RGB)")
        default_mean, default_std = default_stats(channels)
        mean = tuple(float(m) for m in (default_mean if mean is None else mean))
        std = tuple(float(s) for s in (default_std if std is None else std))
        if len(mean) != channels or len(std) != channels:
            raise ValueError(f"mean={mean} and std={std} need {channels} value(s), one per input channel")
        if any(s <= 0 for s in std):
            raise ValueError(f"std={std}: standard deviations must be > 0")
        self.channels, self.height, self.width = int(channels), int(height), int(width)
        self.mean, self.std = mean, std
        self._mean = torch.tensor(mean).view(-1, 1, 1)
        self._std = torch.tensor(std).view(-1, 1, 1)

    def load(self, path: str, stimulus_id: Any = None) -> torch.Tensor:
        """One image as a float tensor ``(C, H, W)``."""
        from PIL import Image, UnidentifiedImageError

        label = f"stimulus {stimulus_id!r} ({path})" if stimulus_id is not None else f"stimulus file {path}"
        if not os.path.isfile(path):
            raise StimulusError(f"{label}: file not found")
        try:
            with Image.open(path) as image:
                return self.convert(image)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            raise StimulusError(f"{label}: cannot be read as an image ({type(error).__name__}: {error})") from error

    def convert(self, image: Any) -> torch.Tensor:
        """A PIL image -> the model's input ``(C, H, W)``: colour mode, size, normalization."""
        from PIL import Image

        image = image.convert("L" if self.channels == 1 else "RGB")
        if image.size != (self.width, self.height):
            image = image.resize((self.width, self.height), Image.BILINEAR)
        array = np.asarray(image, dtype=np.float32) / 255.0
        tensor = torch.from_numpy(array.copy())
        tensor = tensor.unsqueeze(0) if tensor.dim() == 2 else tensor.permute(2, 0, 1)
        return (tensor - self._mean) / self._std

    def load_batch(self, paths: Sequence[str], stimulus_ids: Sequence[Any]) -> torch.Tensor:
        return torch.stack([self.load(p, i) for p, i in zip(paths, stimulus_ids)])


@dataclass
class Stimuli:
    """The presented stimuli, in order: ids, file paths and the
    ``presentation`` coordinates (every StimulusSet column)."""

    stimulus_ids: List[Any]
    paths: List[str]
    coords: Dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.paths)

    def unique_paths(self) -> Tuple[List[str], List[Any], np.ndarray]:
        """Each distinct file once: ``(paths, one stimulus id each, index of each presentation)``."""
        first: Dict[str, int] = {}
        order: List[int] = []
        for i, path in enumerate(self.paths):
            if path not in first:
                first[path] = len(first)
                order.append(i)
            else:
                pass
        index = np.array([first[p] for p in self.paths], dtype=int)
        return [self.paths[i] for i in order], [self.stimulus_ids[i] for i in order], index


def as_stimuli(stimuli: Any) -> Stimuli:
    """A Brain-Score ``StimulusSet`` or a list of image paths -> :class:`Stimuli`."""
    if hasattr(stimuli, "get_stimulus") and hasattr(stimuli, "columns"):
        if "stimulus_id" not in stimuli.columns:
            raise ValueError("the StimulusSet has no 'stimulus_id' column")
        ids = list(stimuli["stimulus_id"].values)
        paths = []
        for stimulus_id in ids:
            try:
                paths.append(os.fspath(stimuli.get_stimulus(stimulus_id)))
            except KeyError:
                raise StimulusError(f"stimulus {stimulus_id!r}: no file path in the StimulusSet") from None
        coords = {str(column): np.asarray(stimuli[column].values) for column in stimuli.columns}
        if "stimulus_path" not in coords:
            coords["stimulus_path"] = np.asarray(paths, dtype=object)
        return Stimuli(ids, paths, coords)
    if isinstance(stimuli, (str, os.PathLike)):
        stimuli = [stimuli]
    paths = [os.fspath(p) for p in stimuli]
    if not paths:
        raise ValueError("no stimuli given")
    array = np.asarray(paths, dtype=object)
    return Stimuli(list(paths), paths, {"stimulus_id": array, "stimulus_path": array.copy()})
