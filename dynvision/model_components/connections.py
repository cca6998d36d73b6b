"""Skip (forward, bypassing areas) and feedback (backward) connections
between layers of any size and channel count."""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn


class Connection(nn.Module):
    """A projection from the output of layer ``source`` into the drive of
    layer ``target``, arriving ``t_delay`` ms later.

    Its weights (a 1x1 convolution between channel counts) and its resampling
    are created when the model is built, once the layer shapes are known.
    """

    kind = "connection"

    def __init__(self, source: str, target: str, t_delay: Optional[float] = None, weight_init_scale: float = 1.0):
        super().__init__()
        self.source, self.target, self.t_delay = str(source), str(target), t_delay
        self.weight_init_scale = float(weight_init_scale)
        self.projection: Optional[nn.Conv2d] = None
        self.source_shape: Optional[Sequence[int]] = None
        self.target_shape: Optional[Sequence[int]] = None

    def build(self, source_shape: Sequence[int], target_shape: Sequence[int]) -> None:
        """Create the weights for ``(C, H, W)`` source and target shapes."""
        if self.projection is None:
            self.projection = nn.Conv2d(source_shape[0], target_shape[0], 1, bias=False)
        self.source_shape, self.target_shape = tuple(source_shape), tuple(target_shape)
        self._size = tuple(target_shape[1:])
        self._downsample = source_shape[1] > target_shape[1] or source_shape[2] > target_shape[2]
        self._resample = tuple(source_shape[1:]) != self._size

    @property
    def zero_at_rest(self) -> bool:
        """A bias-free projection sends a resting (zero) source to zero: the engine skips it."""
        return type(self.projection) is nn.Conv2d and self.projection.bias is None

    def forward(self, source_output: torch.Tensor) -> torch.Tensor:
        if not self._resample:
            return self.projection(source_output)
        if self._downsample:  # pool first: the 1x1 conv then runs on fewer positions
            return self.projection(F.adaptive_avg_pool2d(source_output, self._size))
        return F.interpolate(self.projection(source_output), size=self._size, mode="nearest")

    def extra_repr(self) -> str:
        return f"{self.source} -> {self.target}, t_delay={self.t_delay}"


class Skip(Connection):
    """From a lower area to a higher one, bypassing the areas in between."""

    kind = "skip"


class Feedback(Connection):
    """From a higher area back to a lower one (at least one step late)."""

    kind = "feedback"
