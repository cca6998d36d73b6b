"""The standard temporal protocols. All times are in ms; each must be a whole
number of the model's ``dt`` (checked before anything runs).

==========  =================  =====================================================
name        swept parameter    schedule of one condition
==========  =================  =====================================================
response    duration_ms        image on [onset, onset+duration), blank until total
duration    duration_ms        as ``response``, for each of ``durations_ms``
contrast    contrast           image x contrast on [onset, onset+duration), blank after
interval    gap_ms             image on [onset, onset+d), blank for gap, image again
                               for d, blank until onset + 2d + max(gap) + tail
noise       snr                image on [onset, onset+duration), plus Gaussian noise of
                               std = std(image)/snr on every step, redrawn each step
==========  =================  =====================================================
"""
from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, List, Optional

if TYPE_CHECKING:
    import pandas as pd
    import torch

from .base import Protocol
from .registry import register_protocol
from .schedule import Window


@register_protocol
@dataclasses.dataclass
class Response(Protocol):
    """One presentation, then blank: the response time course."""

    name = "response"
    parameter = "duration_ms"
    unit = "ms"
    duration_ms: float = 40.0
    onset_ms: float = 0.0
    total_ms: float = 100.0

    def __post_init__(self):
        self._check_values([self.duration_ms], "duration_ms")

    def conditions(self) -> List[float]:
        return [float(self.duration_ms)]

    def length_ms(self) -> float:
        return float(self.total_ms)

    def windows(self, value: float) -> List[Window]:
        return [(self.onset_ms, self.onset_ms + value)]


@register_protocol
@dataclasses.dataclass
class Duration(Protocol):
    """Presentation length swept; every sequence lasts onset + max(duration) + tail."""

    name = "duration"
    parameter = "duration_ms"
    unit = "ms"
    durations_ms: List[float] = dataclasses.field(default_factory=lambda: [10.0, 20.0, 40.0, 80.0])
    onset_ms: float = 0.0
    tail_ms: float = 40.0

    def __post_init__(self):
        self._check_values(self.durations_ms, "durations_ms")

    def conditions(self) -> List[float]:
        return [float(v) for v in self.durations_ms]

    def length_ms(self) -> float:
        return self.onset_ms + max(self.conditions()) + self.tail_ms

    def windows(self, value: float) -> List[Window]:
        return [(self.onset_ms, self.onset_ms + value)]


@register_protocol
@dataclasses.dataclass
class Contrast(Protocol):
    """Contrast swept: the image's deviation from the background (0 = the
    dataset mean after normalization) is multiplied by the contrast."""

    name = "contrast"
    parameter = "contrast"
    unit = ""
    contrasts: List[float] = dataclasses.field(default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0])
    duration_ms: float = 40.0
    onset_ms: float = 0.0
    total_ms: float = 100.0

    def __post_init__(self):
        self._check_values(self.contrasts, "contrasts")

    def conditions(self) -> List[float]:
        return [float(v) for v in self.contrasts]

    def length_ms(self) -> float:
        return float(self.total_ms)

    def windows(self, value: float) -> List[Window]:
        return [(self.onset_ms, self.onset_ms + self.duration_ms)]

    def gain(self, value: float) -> float:
        return float(value)


@register_protocol
@dataclasses.dataclass
class Interval(Protocol):
    """Two presentations separated by a swept gap (repetition suppression).

    Summary columns per layer: ``first_response`` and ``second_response``
    (mean response over the steps of each presentation), ``repetition_ratio``
    = second / first and ``suppression`` = 1 - ratio. Gaps shorter than a few
    ``tau`` leave activity from the first presentation in the second window.
    """

    name = "interval"
    parameter = "gap_ms"
    unit = "ms"
    gaps_ms: List[float] = dataclasses.field(default_factory=lambda: [0.0, 20.0, 40.0, 80.0, 160.0])
    duration_ms: float = 20.0
    onset_ms: float = 0.0
    tail_ms: float = 40.0

    def __post_init__(self):
        self._check_values(self.gaps_ms, "gaps_ms")

    def conditions(self) -> List[float]:
        return [float(v) for v in self.gaps_ms]

    def length_ms(self) -> float:
        return self.onset_ms + 2 * self.duration_ms + max(self.conditions()) + self.tail_ms

    def windows(self, value: float) -> List[Window]:
        first = (self.onset_ms, self.onset_ms + self.duration_ms)
        second_onset = first[1] + value
        return [first, (second_onset, second_onset + self.duration_ms)]

    def summarize(self, summary: pd.DataFrame, responses: "pd.DataFrame") -> "pd.DataFrame":
        import pandas as pd

        rows = []
        for (value, layer), group in responses.groupby(["condition", "layer"], sort=False):
            t = group["time_ms"].to_numpy()
            r = group["response"].to_numpy()
            means = []
            for onset, offset in self.windows(float(value)):
                inside = (t > onset + 1e-9) & (t <= offset + 1e-9)  # steps ending inside the window
                means.append(float(r[inside].mean()) if inside.any() else math.nan)
            ratio = means[1] / means[0] if means[0] else math.nan
            rows.append({"condition": value, "layer": layer, "first_response": means[0],
                         "second_response": means[1], "repetition_ratio": ratio, "suppression": 1.0 - ratio})
        return summary.merge(pd.DataFrame(rows), on=["condition", "layer"], how="left")


@register_protocol
@dataclasses.dataclass
class Noise(Protocol):
    """Signal-to-noise swept: Gaussian noise with std = std(image) / snr
    (per image) is added on every step, redrawn each step (``seed`` fixes it)."""

    name = "noise"
    parameter = "snr"
    unit = ""
    snrs: List[float] = dataclasses.field(default_factory=lambda: [0.25, 0.5, 1.0, 2.0, 4.0])
    duration_ms: float = 60.0
    onset_ms: float = 0.0
    total_ms: float = 100.0
    seed: int = 0

    def __post_init__(self):
        self._check_values(self.snrs, "snrs", minimum=1e-12)

    def conditions(self) -> List[float]:
        return [float(v) for v in self.snrs]

    def length_ms(self) -> float:
        return float(self.total_ms)

    def windows(self, value: float) -> List[Window]:
        return [(self.onset_ms, self.onset_ms + self.duration_ms)]

    def perturb(self, frames: "torch.Tensor", images: "torch.Tensor", value: float,
                generator: Optional["torch.Generator"]) -> "torch.Tensor":
        if math.isinf(value):
            return frames
        import torch

        std = images.flatten(1).std(dim=1).view(-1, 1, 1, 1, 1) / float(value)
        noise = torch.randn(frames.shape, generator=generator, dtype=frames.dtype, device="cpu").to(frames.device)
        return frames + std * noise
