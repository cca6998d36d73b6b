"""Tiny models for the experiment tests (a few hundred parameters)."""
from __future__ import annotations

import torch

from dynvision.model_components import Adaptation, LightningBase, RecurrentConnectedConv2d


class TinyModel(LightningBase):
    """One 4-channel area with self recurrence (optionally adapting), relu."""

    def __init__(self, adaptation_strength: float = 0.0, recurrence_type: str = "none",
                 positive: bool = False, **kwargs):
        kwargs.setdefault("input_dims", (5, 1, 6, 6))
        kwargs.setdefault("n_classes", 3)
        kwargs.setdefault("dt", 2.0)
        kwargs.setdefault("tau", 4.0)
        super().__init__(**kwargs)
        self.adaptation_strength, self.recurrence_type, self.positive = adaptation_strength, recurrence_type, positive

    def _define_architecture(self) -> None:
        adaptation = Adaptation(tau=40.0, strength=self.adaptation_strength) if self.adaptation_strength else None
        self.V1 = RecurrentConnectedConv2d(
            self.n_channels, 4, kernel_size=3, recurrence_type=self.recurrence_type,
            bias=not self.positive, adaptation=adaptation,
        )

    def _init_parameters(self) -> None:
        if self.positive:
            # non-negative weights on non-negative images: a linear (relu never
            # cuts) system, so responses are proportional to contrast
            with torch.no_grad():
                self.V1.conv.weight.abs_()


def tiny_images(n: int = 6, size: int = 6, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(n, 1, size, size, generator=generator)
    labels = torch.arange(n) % 3
    return images, labels
