"""``Protocol``: a stimulus protocol that sweeps one parameter.

A protocol turns images ``(B, C, H, W)`` into sequences ``(B, T, C, H, W)``
for each condition (one value of the swept parameter). Images are expected
normalized as in training, so 0 is the dataset mean: the blank screen
between presentations is 0, exactly as the model's own blank frames.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Optional, Sequence

if TYPE_CHECKING:  # imported on use: the workflow reads protocol parameters without them
    import pandas as pd
    import torch

from .schedule import Window, presence


@dataclasses.dataclass
class Protocol:
    """Base class; subclasses are dataclasses whose fields are the protocol's
    parameters (times in ms) and set the class attributes below."""

    #: registry name, e.g. "contrast"
    name: ClassVar[str] = ""
    #: the swept parameter (column ``condition`` holds its values)
    parameter: ClassVar[str] = ""
    #: unit of the swept parameter ("ms", "" for ratios)
    unit: ClassVar[str] = ""

    # -- what subclasses define ---------------------------------------------------
    def conditions(self) -> List[float]:
        """The swept values, in order."""
        raise NotImplementedError

    def length_ms(self) -> float:
        """Length of every sequence (the same for all conditions, so the
        time courses line up)."""
        raise NotImplementedError

    def windows(self, value: float) -> List[Window]:
        """Stimulus-on windows ``(onset_ms, offset_ms)`` of one condition."""
        raise NotImplementedError

    def gain(self, value: float) -> float:
        """Multiplier of the image while it is on (contrast)."""
        return 1.0

    def perturb(self, frames: "torch.Tensor", images: "torch.Tensor", value: float,
                generator: Optional["torch.Generator"]) -> "torch.Tensor":
        """Change the built frames (e.g. add noise); default: none."""
        return frames

    def summarize(self, summary: "pd.DataFrame", responses: "pd.DataFrame") -> "pd.DataFrame":
        """Add protocol-specific columns to the per-condition summary."""
        return summary

    # -- shared -------------------------------------------------------------------
    def first_onset_ms(self, value: float) -> float:
        """Onset of the first presentation (peak latencies are measured from it)."""
        return min(onset for onset, _ in self.windows(value))

    def mask(self, value: float, dt: float) -> "torch.Tensor":
        """``(T,)`` per-step stimulus gain of one condition."""
        return presence(self.windows(value), self.length_ms(), dt, where=f"experiment {self.name!r}") * self.gain(value)

    def check(self, dt: float) -> None:
        """Fail before running anything when a time is not a whole number of
        steps; the error names the parameter (``duration_ms=5 ms ...``)."""
        from dynvision.timing import ms_to_steps

        where = f"experiment {self.name!r}"
        for key, value in self.parameters().items():
            if key.endswith("_ms"):
                for item in value if isinstance(value, (list, tuple)) else [value]:
                    ms_to_steps(item, dt, key, where)
        for value in self.conditions():
            self.mask(value, dt)

    def frames(self, images: "torch.Tensor", value: float, dt: float,
               generator: Optional["torch.Generator"] = None) -> "torch.Tensor":
        """The input sequence ``(B, T, C, H, W)`` of one condition."""
        if images.dim() != 4:
            raise ValueError(f"experiment {self.name!r}: expected images (B, C, H, W), got {tuple(images.shape)}")
        mask = self.mask(value, dt).to(images.device, images.dtype)
        frames = images.unsqueeze(1) * mask.view(1, -1, 1, 1, 1)
        return self.perturb(frames, images, value, generator)

    def parameters(self) -> Dict[str, Any]:
        """The protocol's parameters (recorded with every result)."""
        return dataclasses.asdict(self)

    def schedule_table(self) -> List[Dict[str, Any]]:
        """The documented schedule: one row per condition with its windows."""
        return [
            {"condition": value, "windows_ms": self.windows(value), "gain": self.gain(value), "total_ms": self.length_ms()}
            for value in self.conditions()
        ]

    def _check_values(self, values: Sequence[float], field: str, minimum: float = 0.0) -> None:
        if not len(values):
            raise ValueError(f"experiment {self.name!r}: {field} is empty; give at least one value")
        bad = [v for v in values if float(v) < minimum]
        if bad:
            raise ValueError(f"experiment {self.name!r}: {field} has value(s) {bad} < {minimum:g}")
