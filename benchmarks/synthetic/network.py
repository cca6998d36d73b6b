"""The ground-truth dynamical network of the synthetic benchmark.

A two-area DynVision model built only from the component library::

    image (3x32x32) -> V1 (8 x 16x16, self-recurrent, tau 4 ms) -> 4x4 average pool
                    -> IT (16 x 2x2, fully recurrent, tau 8 ms) -> readout

- V1: 5x5 convolution, stride 2, then 4x4 average pooling; ``self``
  recurrence (one weight per channel, gain 0.5) 2 ms late; ``t_feedforward`` 0 ms.
- IT: 3x3 convolution, stride 2, reads V1 2 ms late; ``full`` 3x3
  recurrence 4 ms late with gain 1.3: close to the edge of stability, so
  activity keeps evolving and mixing channels for ~100 ms after the image
  goes blank (the late bins are where the dynamics show).
- ``dt`` 2 ms, Euler, ReLU. All weights come from ``torch.manual_seed(seed)``.

IT's 64 units (16 channels x 2 x 2) are the ground truth the synthetic
"neurons" read out. :func:`ground_truth_network` rebuilds the network with
its true weights, optionally with a wrong ``tau`` or without recurrence
(the known-answer controls).
"""
from __future__ import annotations

from typing import Any, Dict

import torch
from torch import nn

from dynvision.model_components import LightningBase, RecurrentConnectedConv2d

from .parameters import IMAGE_MEAN, IMAGE_STD, TRUE_PARAMETERS


class SyntheticGroundTruth(LightningBase):
    """Two areas, V1 -> IT, with within-area recurrence (see the module docstring)."""

    region_layer_map = {"V1": "V1", "IT": "IT"}
    # read by brain_models.DynVisionBrainModel: feed images as the generator does
    image_mean = IMAGE_MEAN
    image_std = IMAGE_STD

    def __init__(
        self,
        input_dims=(100, 3, 32, 32),
        n_classes: int = 10,
        dt: float = TRUE_PARAMETERS["dt"],
        tau_v1: float = TRUE_PARAMETERS["tau_v1"],
        tau_it: float = TRUE_PARAMETERS["tau_it"],
        t_feedforward_it: float = TRUE_PARAMETERS["t_feedforward_it"],
        t_recurrence_v1: float = TRUE_PARAMETERS["t_recurrence_v1"],
        t_recurrence_it: float = TRUE_PARAMETERS["t_recurrence_it"],
        recurrence: bool = True,
        recurrence_gain_v1: float = TRUE_PARAMETERS["recurrence_gain_v1"],
        recurrence_gain_it: float = TRUE_PARAMETERS["recurrence_gain_it"],
        seed: int = TRUE_PARAMETERS["seed"],
        **kwargs: Any,
    ):
        super().__init__(input_dims=input_dims, n_classes=n_classes, dt=dt, **kwargs)
        self.tau_v1, self.tau_it = float(tau_v1), float(tau_it)
        self.t_feedforward_it = float(t_feedforward_it)
        self.t_recurrence_v1, self.t_recurrence_it = float(t_recurrence_v1), float(t_recurrence_it)
        self.recurrence = bool(recurrence)
        self.recurrence_gain_v1, self.recurrence_gain_it = float(recurrence_gain_v1), float(recurrence_gain_it)
        self.seed = int(seed)

    def _define_architecture(self) -> None:
        self.V1 = RecurrentConnectedConv2d(
            3, 8, kernel_size=5, stride=2, recurrence_type="self" if self.recurrence else "none",
            t_feedforward=0.0, t_recurrence=self.t_recurrence_v1, tau=self.tau_v1, pool=nn.AvgPool2d(4),
        )
        self.IT = RecurrentConnectedConv2d(
            8, 16, kernel_size=3, stride=2, recurrence_type="full" if self.recurrence else "none",
            t_feedforward=self.t_feedforward_it, t_recurrence=self.t_recurrence_it, tau=self.tau_it,
        )

    @torch.no_grad()
    def _init_parameters(self) -> None:
        # forked RNG: building a ground truth must not disturb the caller's random stream
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            for area, scale in ((self.V1, 1.5), (self.IT, 2.0)):
                nn.init.normal_(area.conv.weight, std=scale / (area.conv.weight[0].numel() ** 0.5))
                nn.init.normal_(area.conv.bias, mean=0.1, std=0.05)
            # draw the recurrent weights even when they are left out, so the
            # feedforward weights (drawn above) are identical in every variant
            v1_self = torch.rand(8) * self.recurrence_gain_v1
            c = self.IT.out_channels
            it_full = torch.randn(c, c, 3, 3) * self.recurrence_gain_it / (c * 9) ** 0.5
            if self.recurrence:
                _assign_self_recurrence(self.V1.recurrence, v1_self)
                self.IT.recurrence.weight.copy_(it_full)
                if self.IT.recurrence.bias is not None:
                    self.IT.recurrence.bias.zero_()
            nn.init.normal_(self.classifier[-1].weight, std=0.1)
            nn.init.zeros_(self.classifier[-1].bias)


def _assign_self_recurrence(module: nn.Module, weights: torch.Tensor) -> None:
    """Set the per-channel weights of a ``self`` recurrence module."""
    parameters = [p for p in module.parameters()]
    if len(parameters) != 1 or parameters[0].numel() != weights.numel():
        raise TypeError(f"unexpected 'self' recurrence parameters: {[tuple(p.shape) for p in parameters]}")
    parameters[0].copy_(weights.reshape(parameters[0].shape))


def ground_truth_network(n_timesteps: int = 100, tau_scale: float = 1.0, recurrence: bool = True,
                         **overrides: Any) -> SyntheticGroundTruth:
    """The ground-truth network with its true weights, in eval mode.

    :param n_timesteps: steps of ``dt`` per run (``input_dims[0]``).
    :param tau_scale: multiplies both areas' ``tau`` (1: the truth; e.g. 3: a wrong tau).
    :param recurrence: False drops the within-area recurrence, keeping every other weight.
    :param overrides: any other :class:`SyntheticGroundTruth` argument (ms values, ``seed``).
    """
    arguments: Dict[str, Any] = {k: v for k, v in TRUE_PARAMETERS.items()}
    arguments.update(overrides)
    arguments["tau_v1"] = arguments["tau_v1"] * float(tau_scale)
    arguments["tau_it"] = arguments["tau_it"] * float(tau_scale)
    model = SyntheticGroundTruth(input_dims=(int(n_timesteps), 3, 32, 32), recurrence=recurrence, **arguments)
    return model.eval()
