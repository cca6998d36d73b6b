"""Deterministic reduction of a layer's activations to a bounded number of features.

Every reduction here is *linear*, so reducing each step and then averaging
steps into a bin gives exactly the bin mean of the full activations, reduced.
That lets the adapter reduce per step as responses stream in.

Methods (``reduction=``):

- ``"pca"`` (default): a layer with at most ``max_features`` units keeps every
  unit; a larger one is projected onto its first ``max_features`` principal
  components, fitted once per model and layer on a fixed offline image set
  (:mod:`brain_models.reference_images`), never on a benchmark's stimuli or
  responses. This is Brain-Score's ``LayerPCA`` convention (1000 components,
  fitted on a fixed image set) with an offline image set; space and channels
  are kept in the mix. The components come from the centred fit; the constant
  offset is not subtracted (every regression fits an intercept), which keeps
  the map linear. Layers with more than ``PCA_INPUT_UNITS`` units are first
  average-pooled over space to fit (bounded memory), then projected.
- ``"pool"``: adaptive average pooling of a ``(C, H, W)`` map to the
  largest ``g x g`` grid with ``C * g * g <= max_features`` (``g <= H, W``);
  when even ``g = 1`` leaves more than ``max_features`` channels, the pooled
  channels go through a fixed random projection. Neuroids keep ``channel``,
  ``channel_x``, ``channel_y`` coordinates. (A layer with >= 250 channels and
  the default 1000 features is reduced to one spatial mean per channel.)
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
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .reductions import DEFAULT_REDUCTION, REDUCTIONS

#: most units a layer may have before PCA; larger maps are average-pooled over space to fit
#: (the reference activations are held as images x units: 1000 x 32768 float32 = 131 MB)
PCA_INPUT_UNITS = 32768
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


def _unit_coords(shape: Tuple[int, ...], channels: np.ndarray, ys: np.ndarray,
                 xs: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Channel and position of every unit of a ``(C, H, W)`` map or a vector (others keep -1)."""
    if len(shape) == 3:
        c, h, w = shape
        channels, ys, xs = [a.ravel() for a in np.meshgrid(np.arange(c), np.arange(h), np.arange(w), indexing="ij")]
    elif len(shape) == 1:
        channels = np.arange(shape[0])
    return channels, ys, xs


def _pca_grid(layer: str, shape: Tuple[int, ...], n_units: int) -> Tuple[int, int]:
    """The pooling grid before PCA that keeps at most ``PCA_INPUT_UNITS`` units ((0, 0): no pooling)."""
    if n_units <= PCA_INPUT_UNITS:
        return (0, 0)
    if len(shape) != 3:
        raise ValueError(f"layer {layer!r}: {n_units} units exceed the {PCA_INPUT_UNITS} units PCA is "
                         "fitted on; use reduction='pool' or 'project'")
    c, h, w = shape
    g = max(1, int(math.sqrt(PCA_INPUT_UNITS / c)))
    grid = (min(g, h), min(g, w))
    if c * grid[0] * grid[1] > PCA_INPUT_UNITS:
        raise ValueError(f"layer {layer!r}: {c} channels exceed the {PCA_INPUT_UNITS} units PCA is "
                         "fitted on; use reduction='pool' or 'project'")
    return grid


def _pool_grid(c: int, h: int, w: int, max_features: int) -> Tuple[int, int]:
    """The finest ``g x g`` pooling grid (capped by the map's size) whose ``c * g * g`` features fit."""
    g = 1
    while c * min(g + 1, h) * min(g + 1, w) <= max_features and (g + 1 <= h or g + 1 <= w):
        g += 1
    return min(g, h), min(g, w)


class LayerReducer:
    """Maps ``(N, *shape)`` activations of one layer to ``(N, n_features)``."""

    def __init__(self, layer: str, shape: Sequence[int], max_features: int = 1000,
                 reduction: str = DEFAULT_REDUCTION, seed: int = 0):
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
        if reduction == "pca" and n_units > self.max_features:
            self.kind = "pca"  # components set by fit(); until then the reducer only pre-pools
            self.grid = _pca_grid(layer, self.shape, n_units)
            channels = xs = ys = np.full(0, -1)
            self.fit_info: Dict[str, object] = {}
        elif reduction == "none" or (n_units <= self.max_features and reduction != "pool"):
            self.kind = "flat"
            channels, ys, xs = _unit_coords(self.shape, channels, ys, xs)
        elif reduction == "pool" and len(self.shape) == 3:
            c, h, w = self.shape
            self.grid = _pool_grid(c, h, w, self.max_features)
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

    @property
    def needs_fit(self) -> bool:
        """True for a PCA reducer whose components are not fitted yet."""
        return self.kind == "pca" and self.matrix is None

    def prepare(self, activations: torch.Tensor) -> torch.Tensor:
        """What the fitted projection applies to: the activations flattened (pooled over space
        first where the layer is larger than ``PCA_INPUT_UNITS``)."""
        if tuple(activations.shape[1:]) != self.shape:
            raise ValueError(f"layer {self.layer!r}: activations of shape {tuple(activations.shape[1:])}, "
                             f"expected {self.shape}")
        x = activations
        if self.kind in ("pool", "pool+project") or (self.kind == "pca" and self.grid != (0, 0)):
            x = F.adaptive_avg_pool2d(x, self.grid)
        return x.reshape(x.shape[0], -1)

    def fit(self, reference: torch.Tensor, info: Optional[Dict[str, object]] = None) -> "LayerReducer":
        """Fit the PCA components on ``reference`` (``(n_images, units)``, the output of
        :meth:`prepare` on the reference images): the first ``min(max_features, n_images - 1,
        units)`` principal components of the centred data, each signed so that its largest
        loading is positive (deterministic)."""
        if self.kind != "pca":
            raise ValueError(f"layer {self.layer!r}: only a PCA reducer is fitted (this one is {self.kind!r})")
        matrix = principal_components(reference, self.max_features)
        return self.use(matrix, {"images": int(reference.shape[0]), "units": int(reference.shape[1]),
                                 "components": int(matrix.shape[1]), **dict(info or {})})

    def use(self, matrix: torch.Tensor, info: Dict[str, object]) -> "LayerReducer":
        """Take PCA loadings fitted before (``(units, k)``) and what they were fitted on."""
        self.matrix, self.fit_info = matrix, dict(info)
        self.n_features = int(matrix.shape[1])
        self.coords = {key: np.full(self.n_features, -1) for key in ("channel", "channel_x", "channel_y")}
        return self

    def __call__(self, activations: torch.Tensor) -> torch.Tensor:
        if self.needs_fit:
            raise RuntimeError(f"layer {self.layer!r}: PCA components not fitted (call fit() on reference data)")
        x = self.prepare(activations)
        if self.matrix is not None:
            if self.matrix.device != x.device or self.matrix.dtype != x.dtype:
                self.matrix = self.matrix.to(device=x.device, dtype=x.dtype)
            x = x @ self.matrix
        return x

    def describe(self) -> str:
        if self.kind == "pca":
            pooled = "" if self.grid == (0, 0) else f" (space pooled to {self.grid} first)"
            info = getattr(self, "fit_info", {})
            return (f"{self.layer}: {self.shape} -> PCA to {self.n_features} components{pooled}, fitted on "
                    f"{info.get('images', '?')} images of {info.get('image_set', 'a reference set')}")
        if self.kind == "pool":
            return f"{self.layer}: {self.shape} -> average-pooled to {self.grid} grid = {self.n_features} features"
        if self.kind == "pool+project":
            return f"{self.layer}: {self.shape} -> spatial mean, random projection to {self.n_features} features"
        if self.kind == "project":
            return f"{self.layer}: {self.shape} -> random projection to {self.n_features} features"
        return f"{self.layer}: {self.shape} -> all {self.n_features} units"


def principal_components(data: torch.Tensor, max_components: int, chunk: int = 4096) -> torch.Tensor:
    """``(units, k)`` loadings of the first ``k = min(max_components, n - 1, units)`` principal
    components of ``data`` (``(n, units)``), each signed so its largest-magnitude loading is
    positive. Computed in float64 from the ``n x n`` Gram matrix of the centred data, one block
    of units at a time (memory: the data plus ``n x n``); components with no variance are dropped."""
    data = torch.as_tensor(data)
    n, units = int(data.shape[0]), int(data.shape[1])
    if n < 2:
        raise ValueError(f"PCA needs at least 2 reference images, got {n}")
    mean = data.double().mean(dim=0)
    gram = torch.zeros(n, n, dtype=torch.float64)
    for lo in range(0, units, chunk):
        block = data[:, lo:lo + chunk].double() - mean[lo:lo + chunk]
        gram += block @ block.T
    values, vectors = torch.linalg.eigh(gram)  # ascending
    order = torch.argsort(values, descending=True)
    values, vectors = values[order], vectors[:, order]
    keep = values > values[0].clamp(min=0) * 1e-10
    k = int(min(int(max_components), n - 1, units, int(keep.sum())))
    if k == 0:
        raise ValueError("the reference data have no variance: no principal component to keep")
    values, vectors = values[:k], vectors[:, :k]
    loadings = torch.empty(units, k, dtype=torch.float64)
    for lo in range(0, units, chunk):
        block = data[:, lo:lo + chunk].double() - mean[lo:lo + chunk]
        loadings[lo:lo + chunk] = block.T @ vectors / values.sqrt()
    peak = loadings.abs().argmax(dim=0)
    signs = torch.sign(loadings[peak, torch.arange(k)])
    signs[signs == 0] = 1
    return (loadings * signs).float()
