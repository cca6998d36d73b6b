"""DyRCNN: DynVision's reference family of dynamical recurrent CNNs.

"xN" counts the convolutions on the feedforward path::

    DyRCNNx2   image → V1 → V2 → readout
    DyRCNNx4   image → V1 → V2 → V4 → IT → readout
    DyRCNNx8   as x4, two convolutions per area

    x4 / x8 connections (each optional):
                 skip V1→V4          skip V2→IT
               ┌────────────┐     ┌────────────┐
      image → V1 ──→ V2 ──→ V4 ──→ IT ──→ avgpool + linear
               ▲      ▲      │      │
               │      └──────┼──────┘  feedback IT→V2
               └─────────────┘         feedback V4→V1

Every area integrates ``tau dx/dt = -x + W_ff r_below(t - t_feedforward)
+ W_rec r(t - t_recurrence) [+ skip + feedback]`` with ``r = relu(x)``;
V1 and V2 end in a 3x3/2 max-pool, IT's convolution has stride 2.
Default channel counts are perfect squares (6², 8², 11², 16²) so that the
topographic ``local`` recurrence lays them out on a square sheet.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

from torch import nn

from ..model_components import Feedback, LightningBase, RecurrentConnectedConv2d, Skip
from .registry import register_model

__all__ = ["DyRCNN", "DyRCNNx2", "DyRCNNx4", "DyRCNNx8"]


def _pool() -> nn.Module:
    return nn.MaxPool2d(kernel_size=3, stride=2, padding=1)


def _two_convs(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> nn.Sequential:
    """An area's feedforward path with two convolutions (DyRCNNx8)."""
    pad = kernel_size // 2
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=pad),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size, padding=pad),
    )


class DyRCNN(LightningBase):
    """Shared arguments of the DyRCNN family (not a model by itself).

    Args:
        channels: output channels per area (``None``: the family's default).
        recurrence_type: within-area recurrence of every area (``"full"``,
            ``"self"``, ``"local"``, ``"none"``, ... see ``recurrence_types``).
        kernel_size: feedforward kernel size of every area.
        skip / feedback: add the skip / feedback connections of the diagram.
        dt, tau, t_feedforward, t_recurrence, t_skip, t_feedback: ms.
    """

    __abstract_model__ = True
    default_channels: Tuple[int, ...] = ()
    skips: Sequence[Tuple[str, str]] = ()
    feedbacks: Sequence[Tuple[str, str]] = ()

    def __init__(
        self,
        channels: Optional[Sequence[int]] = None,
        recurrence_type: str = "full",
        kernel_size: int = 3,
        skip: bool = True,
        feedback: bool = True,
        input_dims: Sequence[int] = (30, 3, 64, 64),
        dt: float = 2.0,
        tau: float = 8.0,
        t_feedforward: float = 10.0,
        t_recurrence: float = 6.0,
        t_skip: float = 10.0,
        t_feedback: float = 20.0,
        **kwargs: Any,
    ):
        super().__init__(
            input_dims=input_dims, dt=dt, tau=tau, t_feedforward=t_feedforward,
            t_recurrence=t_recurrence, t_skip=t_skip, t_feedback=t_feedback, **kwargs,
        )
        channels = tuple(int(c) for c in (channels or self.default_channels))
        if len(channels) != len(self.default_channels) or min(channels) < 1:
            raise ValueError(
                f"{type(self).__name__}: channels={channels} must be {len(self.default_channels)} "
                f"positive ints, one per area ({', '.join(self.region_layer_map)})"
            )
        self.channels, self.recurrence_type, self.kernel_size = channels, recurrence_type, int(kernel_size)
        self.use_skip, self.use_feedback = bool(skip), bool(feedback)

    def _area(self, in_channels: int, out_channels: int, **kwargs: Any) -> RecurrentConnectedConv2d:
        return RecurrentConnectedConv2d(
            in_channels, out_channels, self.kernel_size, recurrence_type=self.recurrence_type, **kwargs
        )

    def _connect(self) -> None:
        """Add the family's skip and feedback connections (when enabled)."""
        for source, target in self.skips if self.use_skip else ():
            setattr(self, f"skip_{source}_{target}", Skip(source, target))
        for source, target in self.feedbacks if self.use_feedback else ():
            setattr(self, f"feedback_{source}_{target}", Feedback(source, target))


@register_model
class DyRCNNx2(DyRCNN):
    """Two areas, V1 → V2, with feedback V2 → V1."""

    region_layer_map = {"V1": "V1", "V2": "V2"}
    default_channels = (36, 64)
    feedbacks = (("V2", "V1"),)

    def _define_architecture(self) -> None:
        c_v1, c_v2 = self.channels
        self.V1 = self._area(self.n_channels, c_v1, pool=_pool())
        self.V2 = self._area(c_v1, c_v2, pool=_pool())
        self._connect()


@register_model
class DyRCNNx4(DyRCNN):
    """Four areas V1 → V2 → V4 → IT with skip and feedback connections."""

    region_layer_map = {"V1": "V1", "V2": "V2", "V4": "V4", "IT": "IT"}
    default_channels = (36, 64, 121, 256)
    skips = (("V1", "V4"), ("V2", "IT"))
    feedbacks = (("V4", "V1"), ("IT", "V2"))

    def _define_architecture(self) -> None:
        c_v1, c_v2, c_v4, c_it = self.channels
        self.V1 = self._area(self.n_channels, c_v1, pool=_pool())
        self.V2 = self._area(c_v1, c_v2, pool=_pool())
        self.V4 = self._area(c_v2, c_v4)
        self.IT = self._area(c_v4, c_it, stride=2)
        self._connect()


@register_model
class DyRCNNx8(DyRCNN):
    """As DyRCNNx4, with two convolutions on each area's feedforward path."""

    region_layer_map = {"V1": "V1", "V2": "V2", "V4": "V4", "IT": "IT"}
    default_channels = (36, 64, 121, 256)
    skips = DyRCNNx4.skips
    feedbacks = DyRCNNx4.feedbacks

    def _define_architecture(self) -> None:
        c_v1, c_v2, c_v4, c_it = self.channels
        k = self.kernel_size
        self.V1 = self._area(self.n_channels, c_v1, feedforward=_two_convs(self.n_channels, c_v1, k), pool=_pool())
        self.V2 = self._area(c_v1, c_v2, feedforward=_two_convs(c_v1, c_v2, k), pool=_pool())
        self.V4 = self._area(c_v2, c_v4, feedforward=_two_convs(c_v2, c_v4, k))
        self.IT = self._area(c_v4, c_it, feedforward=_two_convs(c_v4, c_it, k, stride=2))
        self._connect()
