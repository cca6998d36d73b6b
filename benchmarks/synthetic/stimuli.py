"""Procedural stimuli: oriented gratings, colored Gaussian blobs and simple
shapes on a mid-gray background, at several contrasts.

Everything is drawn from ``numpy.random.default_rng(seed)``, so the same
arguments give the same images, byte for byte.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence

import numpy as np

FAMILIES = ("grating", "blob", "shape")
SHAPES = ("disc", "square", "triangle", "cross")


@dataclass(frozen=True)
class Stimulus:
    """One image (``uint8``, ``H x W x 3``) and its generating parameters."""

    stimulus_id: str
    image: np.ndarray
    parameters: Dict[str, object]


def _grid(size: int):
    # pixel centres in [-1, 1]
    axis = (np.arange(size) + 0.5) / size * 2 - 1
    return np.meshgrid(axis, axis, indexing="xy")


def _grating(rng: np.random.Generator, size: int) -> tuple:
    x, y = _grid(size)
    orientation = float(rng.uniform(0, 180))
    frequency = float(rng.choice([1.5, 2.5, 4.0]))  # cycles per image
    phase = float(rng.uniform(0, 2 * np.pi))
    theta = np.deg2rad(orientation)
    pattern = np.cos(np.pi * frequency * (x * np.cos(theta) + y * np.sin(theta)) + phase)
    color = np.ones(3)
    return pattern[..., None] * color, {"orientation": orientation, "frequency": frequency, "phase": phase}


def _blob(rng: np.random.Generator, size: int) -> tuple:
    x, y = _grid(size)
    cx, cy = (float(v) for v in rng.uniform(-0.5, 0.5, 2))
    sigma = float(rng.uniform(0.15, 0.4))
    color = rng.uniform(-1, 1, 3)
    envelope = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma ** 2))
    return envelope[..., None] * color, {"x": cx, "y": cy, "sigma": sigma}


def _shape(rng: np.random.Generator, size: int) -> tuple:
    x, y = _grid(size)
    kind = str(rng.choice(SHAPES))
    cx, cy = (float(v) for v in rng.uniform(-0.4, 0.4, 2))
    radius = float(rng.uniform(0.25, 0.5))
    u, v = x - cx, y - cy
    if kind == "disc":
        mask = u ** 2 + v ** 2 <= radius ** 2
    elif kind == "square":
        mask = (np.abs(u) <= radius * 0.8) & (np.abs(v) <= radius * 0.8)
    elif kind == "triangle":
        mask = (v <= radius * 0.7) & (v >= 2 * np.abs(u) - radius)
    else:  # cross
        arm = radius * 0.3
        mask = ((np.abs(u) <= arm) & (np.abs(v) <= radius)) | ((np.abs(v) <= arm) & (np.abs(u) <= radius))
    color = rng.uniform(-1, 1, 3)
    return mask.astype(float)[..., None] * color, {"shape": kind, "x": cx, "y": cy, "radius": radius}


_DRAW = {"grating": _grating, "blob": _blob, "shape": _shape}


def generate_stimuli(seed: int, n_per_family: int, contrasts: Sequence[float], size: int = 32) -> List[Stimulus]:
    """``len(FAMILIES) * n_per_family * len(contrasts)`` images.

    Each drawn pattern (values in [-1, 1]) is shown at every contrast ``c``
    as ``0.5 + 0.5 * c * pattern`` (gray background), so contrast varies
    independently of content.
    """
    rng = np.random.default_rng(seed)
    stimuli: List[Stimulus] = []
    for family in FAMILIES:
        for index in range(n_per_family):
            pattern, parameters = _DRAW[family](rng, size)
            for contrast in contrasts:
                image = np.clip(0.5 + 0.5 * float(contrast) * pattern, 0.0, 1.0)
                stimulus_id = f"{family}{index:03d}_c{int(round(100 * float(contrast))):03d}"
                stimuli.append(Stimulus(
                    stimulus_id, np.round(image * 255).astype(np.uint8),
                    {"object_name": family, "variant": index, "contrast": float(contrast), **parameters},
                ))
    return stimuli
