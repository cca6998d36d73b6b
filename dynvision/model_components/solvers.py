"""Solvers for ``tau dx/dt = -x + drive`` over one step of ``dt`` ms.

Within a step the drive is constant: every input to a layer arrives through
a delay line, so it is known for the whole step.
"""
from __future__ import annotations

from typing import Union

import torch
from torch import nn

from ..registry import Registry

solvers: Registry = Registry("solver")


class _Solver(nn.Module):
    """Holds ``dt`` (fixed) and ``tau`` (fixed or trainable) of one layer.

    A registered solver states its convergence ``order``: the tests check every
    registered solver against the exact solution at that order."""

    name = ""
    order = 0

    def __init__(self, dt: float = 2.0, tau: float = 8.0, trainable_tau: bool = False):
        super().__init__()
        if float(dt) <= 0:
            raise ValueError(f"dt={dt!r}: the time step must be > 0 ms")
        if float(tau) <= 0:
            raise ValueError(f"tau={tau!r}: the time constant must be > 0 ms")
        self.dt = float(dt)
        self.trainable_tau = bool(trainable_tau)
        if self.trainable_tau:
            self.tau = nn.Parameter(torch.tensor(float(tau)))
        else:
            # a fixed tau is configuration, not a weight: it stays out of the state dict, so loaded
            # weights can never make the model run another tau than its (stored) config says
            self.register_buffer("tau", torch.tensor(float(tau)), persistent=False)
        self._h_cache: Union[float, None] = None

    def step_ratio(self) -> Union[float, torch.Tensor]:
        """``dt / tau``: a tensor when tau is trained, else a cached float."""
        if self.trainable_tau:
            return self.dt / self.tau.clamp(min=1e-3)
        if self._h_cache is None:
            self._h_cache = self.dt / float(self.tau)
        return self._h_cache

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        self._h_cache = None  # a trained tau may change on load
        if not self.trainable_tau:
            state_dict.pop(prefix + "tau", None)  # checkpoints written before tau left the state dict
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return f"dt={self.dt:g}, tau={float(self.tau):g}, trainable_tau={self.trainable_tau}"


@solvers.register("euler")
class EulerStep(_Solver):
    """Explicit Euler: ``x + dt/tau * (drive - x)`` (first order)."""

    name = "euler"
    order = 1

    def forward(self, x: torch.Tensor, drive: torch.Tensor) -> torch.Tensor:
        # under mixed precision the drive comes in half precision; the state stays in its own
        return torch.lerp(x, drive.to(x.dtype), self.step_ratio())


@solvers.register("rk4")
class RungeKuttaStep(_Solver):
    """Classical fourth-order Runge-Kutta on ``dx/dt = (drive - x) / tau``."""

    name = "rk4"
    order = 4

    def forward(self, x: torch.Tensor, drive: torch.Tensor) -> torch.Tensor:
        h = self.step_ratio()  # dt/tau; f(x) * dt = h * (drive - x)
        k1 = h * (drive - x)
        k2 = h * (drive - (x + 0.5 * k1))
        k3 = h * (drive - (x + 0.5 * k2))
        k4 = h * (drive - (x + k3))
        return x + (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0


def make_solver(name: str, dt: float, tau: float, trainable_tau: bool = False) -> _Solver:
    """Build a registered solver by name (``"euler"``, ``"rk4"``, ...)."""
    return solvers.get(name)(dt=dt, tau=tau, trainable_tau=trainable_tau)
