"""Recurrent convolutional layers with continuous-time dynamics."""
from __future__ import annotations

from typing import Callable, Optional, Union

import torch
from torch import nn

from ..registry import Registry
from .nonlinearities import make_nonlinearity
from .recurrence import make_recurrence, recurrence_types
from .solvers import _Solver, solvers

integration_strategies: Registry = Registry("integration strategy")


@integration_strategies.register("additive")
def additive(feedforward: torch.Tensor, recurrent: torch.Tensor) -> torch.Tensor:
    """Recurrent input adds to the feedforward drive."""
    return feedforward + recurrent


@integration_strategies.register("multiplicative")
def multiplicative(feedforward: torch.Tensor, recurrent: torch.Tensor) -> torch.Tensor:
    """Recurrent input modulates the gain of the feedforward drive."""
    return feedforward * (1.0 + recurrent)


class Adaptation(nn.Module):
    """A slow variable ``a`` with ``tau_a da/dt = -a + r``, subtracted from the
    drive as ``strength * a``: sustained or repeated input is suppressed."""

    def __init__(self, tau: float = 100.0, strength: float = 0.5):
        super().__init__()
        if tau <= 0:
            raise ValueError(f"Adaptation tau={tau!r} must be > 0 ms")
        if strength < 0:
            raise ValueError(f"Adaptation strength={strength!r} must be >= 0")
        self.tau, self.strength = float(tau), float(strength)

    def extra_repr(self) -> str:
        return f"tau={self.tau:g}, strength={self.strength:g}"


class RecurrentConnectedConv2d(nn.Module):
    """One cortical area: a feedforward convolution, within-area recurrence of
    a registered type, and the area's own time constant.

    Delays (``t_feedforward``, ``t_recurrence``), ``tau`` and the solver may be
    left ``None``; the model fills them from its own defaults when it is built.
    ``feedforward`` replaces the single convolution by any module (e.g. two
    convolutions or a ResNet stage) whose output has ``out_channels`` channels.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        padding: Optional[int] = None,
        bias: bool = True,
        recurrence_type: str = "full",
        recurrence_kernel_size: int = 3,
        integration: str = "additive",
        t_feedforward: Optional[float] = None,
        t_recurrence: Optional[float] = None,
        tau: Optional[float] = None,
        trainable_tau: Optional[bool] = None,
        solver: Optional[str] = None,
        nonlinearity: Union[str, nn.Module, None] = None,
        norm: Optional[nn.Module] = None,
        pool: Optional[nn.Module] = None,
        adaptation: Optional[Adaptation] = None,
        feedforward: Optional[nn.Module] = None,
    ):
        super().__init__()
        # fail before building anything when a name is wrong
        recurrence_types.get(recurrence_type or "none")
        self.integrate: Callable = integration_strategies.get(integration)
        if solver is not None:
            solvers.get(solver)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.recurrence_type, self.integration = recurrence_type or "none", integration
        self.conv = feedforward if feedforward is not None else nn.Conv2d(
            in_channels, out_channels, kernel_size, stride=stride,
            padding=kernel_size // 2 if padding is None else padding, bias=bias,
        )
        self.recurrence = make_recurrence(self.recurrence_type, out_channels, recurrence_kernel_size)
        self.t_feedforward, self.t_recurrence = t_feedforward, t_recurrence
        self.tau, self.trainable_tau, self.solver = tau, trainable_tau, solver
        self.nonlin = make_nonlinearity(nonlinearity) if nonlinearity is not None else None
        self.norm, self.pool, self.adaptation = norm, pool, adaptation
        self.tstep: Optional[_Solver] = None  # set by the model (or the user) at build time

    def drive(self, feedforward_input: torch.Tensor, recurrent_input: Optional[torch.Tensor]) -> torch.Tensor:
        """The layer's drive from its (delayed) inputs."""
        drive = self.conv(feedforward_input)
        if self.recurrence is not None:
            drive = self.integrate(drive, self.recurrence(recurrent_input))
        return drive

    def reset(self) -> None:
        """Layers hold no state between calls; the model's engine does."""

    def extra_repr(self) -> str:
        return (
            f"recurrence_type={self.recurrence_type!r}, integration={self.integration!r}, "
            f"t_feedforward={self.t_feedforward}, t_recurrence={self.t_recurrence}"
        )
