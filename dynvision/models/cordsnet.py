"""CordsNet-R8 (Soo et al., "Recurrent neural network dynamical systems for
biological vision", NeurIPS 2024), built from DynVision components::

    image → stem ─→ V1_1 → V1_2 → V2_1 → V2_2 → V4_1 → V4_2 → IT_1 → IT_2 → avgpool + linear
              ╰──skip──╯╰──skip──╯╰──skip──╯╰──skip──╯╰──skip──╯╰──skip──╯╰──skip──╯
               (every layer also receives the layer two below it: a ResNet-like
                skip pattern in continuous time; each layer is recurrent ↻)

    stem:   7x7/2 convolution → 3x3/2 average pool (instantaneous, no recurrence)
    layers: 3x3 convolutions, channels 64 64 | 128 128 | 256 256 | 512 512,
            stride 2 into the first layer of V2, V4 and IT

Each of the 8 continuous-time layers integrates ``tau dx/dt = -x + W_ff
r_below + W_skip r_two_below + W_rec r + b`` with ``r = relu(x)``; every
connection between layers is one step (``dt``) long, as in the original's
update of the layers from top to bottom; the stem's output reaches V1_1 and
V1_2 within the same step. ``alpha = dt / tau`` of the original is 0.2 with
the defaults; ``t_idle`` (ms) runs the network without input first, as the
original does to reach its spontaneous steady state.

Deviations from the original: its rate equation puts the ReLU inside the
derivative (``tau dr/dt = -r + relu(drive)``), ours on the state; a skip
input passes through its own 1x1 projection (resampled to the target's
size) instead of being summed before the target's 3x3 convolution; biases
are per channel, not per position; no weight normalization; the readout
reads IT_2 only (the original averages IT_1 + IT_2).
"""
from __future__ import annotations

from typing import Any, Sequence

from torch import nn

from ..model_components import LightningBase, RecurrentConnectedConv2d, Skip
from .registry import register_model

__all__ = ["CordsNet"]


@register_model
class CordsNet(LightningBase):
    """CordsNet-R8: 8 continuous-time recurrent conv layers in 4 areas."""

    region_layer_map = {"V1": "V1_2", "V2": "V2_2", "V4": "V4_2", "IT": "IT_2"}

    def __init__(
        self,
        channels: Sequence[int] = (64, 128, 256, 512),
        recurrence_type: str = "full",
        input_dims: Sequence[int] = (50, 3, 224, 224),
        dt: float = 2.0,
        tau: float = 10.0,
        t_feedforward: float = 2.0,
        t_recurrence: float = 2.0,
        t_skip: float = 2.0,
        **kwargs: Any,
    ):
        super().__init__(
            input_dims=input_dims, dt=dt, tau=tau, t_feedforward=t_feedforward,
            t_recurrence=t_recurrence, t_skip=t_skip, **kwargs,
        )
        self.channels = tuple(int(c) for c in channels)
        if len(self.channels) != 4:
            raise ValueError(f"CordsNet: channels={channels} must give 4 channel counts (V1, V2, V4, IT)")
        self.recurrence_type = recurrence_type

    def _layer(self, in_channels: int, out_channels: int, stride: int = 1, **kwargs: Any) -> RecurrentConnectedConv2d:
        return RecurrentConnectedConv2d(
            in_channels, out_channels, 3, stride=stride, recurrence_type=self.recurrence_type, **kwargs
        )

    def _define_architecture(self) -> None:
        c_v1, c_v2, c_v4, c_it = self.channels
        # the stem has no dynamics of its own: tau = dt makes the Euler step instantaneous
        self.stem = RecurrentConnectedConv2d(
            self.n_channels, c_v1, 7, stride=2, bias=False, recurrence_type="none",
            nonlinearity="identity", tau=self.dt, t_feedforward=0.0,
            pool=nn.AvgPool2d(3, stride=2, padding=1),
        )
        self.V1_1 = self._layer(c_v1, c_v1, t_feedforward=0.0)
        self.V1_2 = self._layer(c_v1, c_v1)
        self.V2_1 = self._layer(c_v1, c_v2, stride=2)
        self.V2_2 = self._layer(c_v2, c_v2)
        self.V4_1 = self._layer(c_v2, c_v4, stride=2)
        self.V4_2 = self._layer(c_v4, c_v4)
        self.IT_1 = self._layer(c_v4, c_it, stride=2)
        self.IT_2 = self._layer(c_it, c_it)
        # every layer also receives the layer two below it
        self.skip_stem_V1_2 = Skip("stem", "V1_2", t_delay=0.0)
        for source, target in zip(self.layer_names[1:], self.layer_names[3:]):
            setattr(self, f"skip_{source}_{target}", Skip(source, target))
