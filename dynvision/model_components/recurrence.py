"""Recurrent connectivity within a layer, registered by name.

Each recurrence type maps a layer's rate ``r`` of shape ``(B, C, H, W)`` to
a recurrent input of the same shape. Add one with::

    @recurrence_types.register("mytype")
    class MyRecurrence(nn.Module):
        def __init__(self, channels: int, kernel_size: int = 3): ...
        def forward(self, r): ...

A type that is linear and bias-free (it maps zero to zero) may say so with a
class attribute ``zero_at_rest = True``: the engine then skips it in the first
steps of a run, while the layer's delayed rate is still the resting zero.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import Registry

recurrence_types: Registry = Registry("recurrence type")


def _check_kernel(kernel_size: int) -> int:
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(
            f"recurrence kernel_size={kernel_size} must be odd and >= 1 so the output keeps its size"
        )
    return kernel_size


@recurrence_types.register("self")
class SelfRecurrence(nn.Module):
    """Each unit excites/inhibits only itself: one weight per channel (C params)."""

    zero_at_rest = True  # linear and bias-free: the engine skips it on a resting layer

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return r * self.weight


@recurrence_types.register("full")
class FullRecurrence(nn.Conv2d):
    """Dense lateral connections: a C->C k x k convolution (C*C*k*k params)."""

    zero_at_rest = True  # linear and bias-free: the engine skips it on a resting layer

    def __init__(self, channels: int, kernel_size: int = 3):
        k = _check_kernel(kernel_size)
        super().__init__(channels, channels, k, padding=k // 2, bias=False)


@recurrence_types.register("depthpointwise")
class DepthPointwiseRecurrence(nn.Sequential):
    """Spatial spread within a channel, then mixing across channels
    (depthwise k x k, then pointwise 1x1: C*k*k + C*C params)."""

    zero_at_rest = True  # linear and bias-free: the engine skips it on a resting layer

    def __init__(self, channels: int, kernel_size: int = 3):
        k = _check_kernel(kernel_size)
        super().__init__(
            nn.Conv2d(channels, channels, k, padding=k // 2, groups=channels, bias=False),
            nn.Conv2d(channels, channels, 1, bias=False),
        )


@recurrence_types.register("pointdepthwise")
class PointDepthwiseRecurrence(nn.Sequential):
    """Mixing across channels, then spatial spread (C*C + C*k*k params)."""

    zero_at_rest = True  # linear and bias-free: the engine skips it on a resting layer

    def __init__(self, channels: int, kernel_size: int = 3):
        k = _check_kernel(kernel_size)
        super().__init__(
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.Conv2d(channels, channels, k, padding=k // 2, groups=channels, bias=False),
        )


def sheet_side(channels: int) -> int:
    """Side of the square tile that the channels of one position occupy."""
    return int(math.ceil(math.sqrt(channels)))


def to_sheet(r: torch.Tensor, side: int) -> torch.Tensor:
    """``(B, C, H, W)`` -> ``(B, 1, H*side, W*side)``: channel ``c`` of
    position ``(h, w)`` sits at ``(h*side + c // side, w*side + c % side)``."""
    b, c, h, w = r.shape
    missing = side * side - c
    if missing:
        r = F.pad(r, (0, 0, 0, 0, 0, missing))
    return r.reshape(b, side, side, h, w).permute(0, 3, 1, 4, 2).reshape(b, 1, h * side, w * side)


def from_sheet(sheet: torch.Tensor, channels: int, side: int) -> torch.Tensor:
    """Inverse of :func:`to_sheet`."""
    b, _, hs, ws = sheet.shape
    h, w = hs // side, ws // side
    r = sheet.reshape(b, h, side, w, side).permute(0, 2, 4, 1, 3).reshape(b, side * side, h, w)
    return r[:, :channels]


@recurrence_types.register("local")
class LocalRecurrence(nn.Module):
    """Topographic recurrence: units on a 2-D cortical sheet, each connected
    to its sheet neighbours within ``kernel_size // 2`` (k*k params)."""

    zero_at_rest = True  # linear and bias-free: the engine skips it on a resting layer

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        k = _check_kernel(kernel_size)
        self.channels, self.side = channels, sheet_side(channels)
        self.sheet_conv = nn.Conv2d(1, 1, k, padding=k // 2, bias=False)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return from_sheet(self.sheet_conv(to_sheet(r, self.side)), self.channels, self.side)


@recurrence_types.register("localdepthwise")
class LocalDepthwiseRecurrence(LocalRecurrence):
    """Local sheet recurrence plus patchy long-range connections between
    same-feature units (a dilated depthwise convolution): k*k + C*k*k params."""

    zero_at_rest = True  # linear and bias-free: the engine skips it on a resting layer

    def __init__(self, channels: int, kernel_size: int = 3, dilation: int = 2):
        super().__init__(channels, kernel_size)
        k = self.sheet_conv.kernel_size[0]
        self.patchy = nn.Conv2d(
            channels, channels, k, padding=dilation * (k // 2), dilation=dilation,
            groups=channels, bias=False,
        )

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return super().forward(r) + self.patchy(r)


def make_recurrence(recurrence_type: str, channels: int, kernel_size: int = 3) -> Optional[nn.Module]:
    """The recurrence module for a layer, or ``None`` for ``"none"``."""
    return recurrence_types.get(recurrence_type or "none")(channels, kernel_size)


@recurrence_types.register("none")
def no_recurrence(channels: int, kernel_size: int = 3) -> None:
    """A purely feedforward layer: no recurrent module at all (0 params)."""
    return None
