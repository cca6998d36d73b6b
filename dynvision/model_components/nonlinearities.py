"""Output nonlinearities ``r = nonlin(x)``, registered by name."""
from __future__ import annotations

import torch
from torch import nn

from ..registry import Registry

nonlinearities: Registry = Registry("nonlinearity")


@nonlinearities.register("supralinear")
class SupraLinear(nn.Module):
    """Rectified power law ``k * relu(x) ** n`` (n > 1), as in stabilized
    supralinear networks: gain grows with input, so responses saturate only
    through recurrence."""

    def __init__(self, k: float = 0.5, n: float = 2.0):
        super().__init__()
        if n <= 1:
            raise ValueError(f"SupraLinear exponent n={n} must be > 1 to be supralinear")
        self.k, self.n = float(k), float(n)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.k * torch.relu(x).pow(self.n)

    def extra_repr(self) -> str:
        return f"k={self.k:g}, n={self.n:g}"


nonlinearities.add("relu", nn.ReLU)
nonlinearities.add("tanh", nn.Tanh)
nonlinearities.add("sigmoid", nn.Sigmoid)
nonlinearities.add("softplus", nn.Softplus)
nonlinearities.add("elu", nn.ELU)
nonlinearities.add("identity", nn.Identity)


def make_nonlinearity(spec) -> nn.Module:
    """A module from a registered name or an ``nn.Module`` instance."""
    if isinstance(spec, nn.Module):
        return spec
    return nonlinearities.get(spec)()
