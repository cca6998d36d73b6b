"""CORnet-RT (Kubilius et al. 2018, "CORnet: modeling the core ventral
visual stream"), built from DynVision components::

    image → V1 → V2 → V4 → IT → avgpool + linear
            ↻    ↻    ↻    ↻      (one recurrent convolution per area)

    area:  conv_input (stride 4 in V1, 2 elsewhere) → GroupNorm → ReLU   (feedforward)
           + conv1(state)                                                (recurrence, 3x3)
           → GroupNorm → ReLU                                            (norm, nonlin)

Time: as in CORnet-RT's biological unrolling, V1 sees the image at once and
every later area its predecessor's output one step (``t_feedforward`` ms)
later. With ``tau == dt`` (the default, 10 ms) the Euler step replaces the
state by its drive, i.e. the discrete CORnet-RT update; a larger ``tau``
makes the areas leaky integrators.

Deviations from the original: the recurrent convolution acts on the area's
own previous output and is *added* to the feedforward drive, instead of one
convolution applied to ``input + state``; the normalization follows the
integration step; the number of GroupNorm groups is ``gcd(32, channels // 2)``
(32 for the default channels, as in the original) so that any channel count
works.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Sequence

from torch import nn

from ..model_components import LightningBase, RecurrentConnectedConv2d
from .registry import register_model

__all__ = ["CorNetRT"]


def _group_norm(channels: int) -> nn.GroupNorm:
    """GroupNorm(32, channels) as in CORnet for >= 64 channels; fewer groups
    (at least 2 channels each) for narrower areas."""
    return nn.GroupNorm(math.gcd(32, max(1, channels // 2)), channels)


def _conv_input(in_channels: int, out_channels: int, kernel_size: int, stride: int) -> nn.Sequential:
    """CORnet-RT's feedforward input path of one area."""
    return nn.Sequential(OrderedDict(
        conv_input=nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2),
        norm_input=_group_norm(out_channels),
        nonlin_input=nn.ReLU(),
    ))


@register_model
class CorNetRT(LightningBase):
    """CORnet-RT: four recurrent areas V1, V2, V4, IT, one step apart."""

    region_layer_map = {"V1": "V1", "V2": "V2", "V4": "V4", "IT": "IT"}

    def __init__(
        self,
        channels: Sequence[int] = (64, 128, 256, 512),
        recurrence_type: str = "full",
        v1_stride: int = 4,
        input_dims: Sequence[int] = (5, 3, 224, 224),
        dt: float = 10.0,
        tau: float = 10.0,
        t_feedforward: float = 10.0,
        t_recurrence: float = 10.0,
        **kwargs: Any,
    ):
        super().__init__(
            input_dims=input_dims, dt=dt, tau=tau, t_feedforward=t_feedforward,
            t_recurrence=t_recurrence, **kwargs,
        )
        self.channels = tuple(int(c) for c in channels)
        if len(self.channels) != 4:
            raise ValueError(f"CorNetRT: channels={channels} must give 4 channel counts (V1, V2, V4, IT)")
        self.recurrence_type, self.v1_stride = recurrence_type, int(v1_stride)
        # CORnet-RT normalizes, then rectifies
        self.layer_operations = ["layer", "addskip", "addfeedback", "tstep", "norm", "nonlin", "record", "pool"]

    def _area(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, **kwargs: Any):
        return RecurrentConnectedConv2d(
            in_channels, out_channels,
            feedforward=_conv_input(in_channels, out_channels, kernel_size, stride),
            recurrence_type=self.recurrence_type, recurrence_kernel_size=3,
            norm=_group_norm(out_channels), nonlinearity="relu", **kwargs,
        )

    def _define_architecture(self) -> None:
        c_v1, c_v2, c_v4, c_it = self.channels
        self.V1 = self._area(self.n_channels, c_v1, 7, self.v1_stride, t_feedforward=0.0)
        self.V2 = self._area(c_v1, c_v2, 3, 2)
        self.V4 = self._area(c_v2, c_v4, 3, 2)
        self.IT = self._area(c_v4, c_it, 3, 2)
