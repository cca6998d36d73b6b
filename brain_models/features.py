"""Deterministic reduction of a layer's activations to a bounded number of features.

Every reduction here is *linear*, so reducing each step and then averaging
steps into a bin gives exactly the bin mean of the full activations, reduced.
That lets the adapter reduce per step as responses stream in.

Methods (``reduction=``):

- ``"pool"`` (default): adaptive average pooling of a ``(C, H, W)`` map to the
  largest ``g x g`` grid with ``C * g * g <= max_features`` (``g <= H, W``);
  when even ``g = 1`` leaves more than ``max_features`` channels, the pooled
  channels go through a fixed random projection. Neuroids keep ``channel``,
  ``channel_x``, ``channel_y`` coordinates.
- ``"project"``: a fixed-seed Gaussian random projection of the flattened
  activations to ``max_features`` (Johnson-Lindenstrauss; preserves
  distances, mixes space and channels).
- ``"none"``: every unit (unbounded; only for small layers).

Vectors (e.g. the classifier's logits) are kept as they are up to
``max_features``, projected beyond. Projection matrices are drawn from a
``torch.Generator`` seeded with ``seed`` and the layer name, so the same
layer gets the same features in every run and process.
"""
from __future__ import annotations

import math
import zlib
from typing import Dict, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

REDUCTIONS = ("pool", "project", "none")
#: refuse dense projection matrices larger than this many entries
_MAX_PROJECTION_ENTRIES = 64_000_000


def _projection(n_in: int, n_out: int, layer: str, seed: int) -> torch.Tensor:
    if n_in * n_out > _MAX_PROJECTION_ENTRIES:
        raise ValueError(
            f"layer {layer!r}: a random projection of {n_in} units to {n_out} features needs "
            f"{n_in * n_out:,} weights; use reduction='pool' (pools space first) or a smaller max_features"
        )
    generator = torch.Generator().manual_seed((zlib.crc32(layer.encode()) ^ int(seed)) & 0x7FFFFFFF)
    return torch.randn(n_in, n_out, generator=generator) / math.sqrt(n_out)


class LayerReducer:
    """Maps ``(N, *shape)`` activations of one layer to ``(N, n_features)``."""

    def __init__(self, layer: str, shape: Sequence[int], max_features: int = 1000,
                 reduction: str = "pool", seed: int = 0):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction={reduction!r}: use one of {', '.join(REDUCTIONS)}")
        if int(max_features) < 1:
            raise ValueError(f"max_features={max_features}: must be >= 1")
        self.layer, self.shape = layer, tuple(int(s) for s in shape)
        self.max_features, self.reduction, self.seed = int(max_features), reduction, int(seed)
        self.grid: Tuple[int, int] = (0, 0)
        self.matrix = None
        n_units = int(np.prod(self.shape))
        channels = np.full(n_units, -1)
        xs, ys = np.full(n_units, -1), np.full(n_units, -1)
        if reduction == "none" or (n_units <= self.max_features and reduction != "pool"):
            self.kind = "flat"
            if len(self.shape) == 3:
                c, h, w = self.shape
                channels, ys, xs = [a.ravel() for a in np.meshgrid(np.arange(c), np.arange(h), np.arange(w), indexing="ij")]
            elif len(self.shape) == 1:
                channels = np.arange(n_units)
        elif reduction == "pool" and len(self.shape) == 3:
            c, h, w = self.shape
            g = 1
            while c * min(g + 1, h) * min(g + 1, w) <= self.max_features and (g + 1 <= h or g + 1 <= w):
                g += 1
            self.grid = (min(g, h), min(g, w))
            gh, gw = self.grid
            if c * gh * gw <= self.max_features:
                self.kind = "pool"
                channels, ys, xs = [a.ravel() for a in np.meshgrid(np.arange(c), np.arange(gh), np.arange(gw), indexing="ij")]
            else:  # more channels than features: average over space, then project channels
                self.kind = "pool+project"
                self.grid = (1, 1)
                self.matrix = _projection(c, self.max_features, layer, seed)
                channels = xs = ys = np.full(self.max_features, -1)
        elif n_units <= self.max_features:  # pool on a vector or small map: nothing to do
            self.kind = "flat"
            if len(self.shape) == 1:
                channels = np.arange(n_units)
        else:
            self.kind = "project"
            self.matrix = _projection(n_units, self.max_features, layer, seed)
            channels = xs = ys = np.full(self.max_features, -1)
        self.coords: Dict[str, np.ndarray] = {"channel": np.asarray(channels), "channel_x": np.asarray(xs),
                                              "channel_y": np.asarray(ys)}
        self.n_features = len(self.coords["channel"])

    def __call__(self, activations: torch.Tensor) -> torch.Tensor:
        if tuple(activations.shape[1:]) != self.shape:
            raise ValueError(f"layer {self.layer!r}: activations of shape {tuple(activations.shape[1:])}, "
                             f"expected {self.shape}")
        x = activations
        if self.kind in ("pool", "pool+project"):
            x = F.adaptive_avg_pool2d(x, self.grid)
        x = x.reshape(x.shape[0], -1)
        if self.matrix is not None:
            if self.matrix.device != x.device or self.matrix.dtype != x.dtype:
                self.matrix = self.matrix.to(device=x.device, dtype=x.dtype)
            x = x @ self.matrix
        return x

    def describe(self) -> str:
        if self.kind == "pool":
            return f"{self.layer}: {self.shape} -> average-pooled to {self.grid} grid = {self.n_features} features"
        if self.kind == "pool+project":
            return f"{self.layer}: {self.shape} -> spatial mean, random projection to {self.n_features} features"
        if self.kind == "project":
            return f"{self.layer}: {self.shape} -> random projection to {self.n_features} features"
        return f"{self.layer}: {self.shape} -> all {self.n_features} units"
