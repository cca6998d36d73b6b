"""Requested time bins -> simulation steps.

Brain-Score asks for responses in time bins ``(start, end)`` in ms after
stimulus onset. A DynVision model runs in steps of ``dt`` ms; step ``k`` ends
at ``(k + 1) * dt`` (:func:`dynvision.model_components.timing.step_end_times`,
the single source of truth). A bin is the mean of the steps whose end time
lies in ``(start - latency, end - latency]`` of model time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from dynvision.model_components.timing import step_end_times, steps_for_duration

TimeBin = Tuple[float, float]

#: absolute tolerance (ms) when comparing a step's end time with a bin edge
_EDGE_TOLERANCE = 1e-6


def _plain(value: Any) -> Any:
    """Recursively turn numpy arrays (object arrays of tuples, 0-d arrays,
    numeric 2-D arrays), tuples and numpy scalars into lists and floats."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _plain(value.item())
        return [_plain(v) for v in (value if value.dtype == object else value.tolist())]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalize_time_bins(time_bins: Any) -> List[TimeBin]:
    """Every form in which Brain-Score passes time bins -> ``[(start, end), ...]`` in ms.

    Accepted: a list of tuples/lists ``[(70, 170), ...]``, a numpy object
    array of tuples (``assembly['time_bin'].values``), a list holding 0-d
    arrays (``timebins_from_assembly`` of a squeezed assembly), a numeric
    ``(n, 2)`` array, or a single ``(start, end)`` pair.
    """
    if time_bins is None:
        raise ValueError("time_bins=None: pass the bins to record, e.g. [(70, 170)]")
    plain = _plain(time_bins)
    if isinstance(plain, list) and len(plain) == 2 and all(_is_number(v) for v in plain):
        plain = [plain]  # one (start, end) pair
    if not isinstance(plain, list) or not plain:
        raise ValueError(f"time_bins={time_bins!r}: expected a non-empty list of (start, end) pairs in ms")
    bins: List[TimeBin] = []
    for item in plain:
        if not (isinstance(item, list) and len(item) == 2 and all(_is_number(v) for v in item)):
            raise ValueError(f"time bin {item!r} in time_bins={time_bins!r}: expected a (start, end) pair of numbers in ms")
        start, end = float(item[0]), float(item[1])
        if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
            raise ValueError(f"time bin ({item[0]}, {item[1]}): needs finite start < end (ms)")
        bins.append((start, end))
    return bins


def _ms_fraction(value: float) -> Fraction:
    return Fraction(value).limit_denominator(1000)


def suggest_dt(edges: Sequence[float]) -> Optional[float]:
    """The largest dt (ms) that divides every bin edge (at 1/1000 ms precision):
    each bin then holds whole steps."""
    fractions = [abs(_ms_fraction(e)) for e in edges if abs(e) > _EDGE_TOLERANCE]
    if not fractions:
        return None
    numerators = [f.numerator * (math.lcm(*[g.denominator for g in fractions]) // f.denominator) for f in fractions]
    denominator = math.lcm(*[f.denominator for f in fractions])
    divisor = math.gcd(*numerators)
    return float(Fraction(divisor, denominator))


@dataclass(frozen=True)
class TimePlan:
    """How a recording maps onto simulation steps.

    ``weights[i, k]`` is ``1/n_i`` when step ``k`` ends inside bin ``i`` (``n_i``
    steps do), else 0: the bin means are ``weights @ per_step_responses``.
    """

    bins: Tuple[TimeBin, ...]
    dt: float
    latency: float
    n_steps: int
    n_presentation_steps: int
    weights: np.ndarray  # (n_bins, n_steps)

    @property
    def step_end_times(self) -> np.ndarray:
        return step_end_times(self.n_steps, self.dt)

    def needed_steps(self) -> np.ndarray:
        """Steps that contribute to at least one bin."""
        return self.weights.any(axis=0)

    def segments(self, max_steps: int) -> List[Tuple[int, int, bool, bool]]:
        """Contiguous runs of steps ``[k0, k1)`` with the same (image shown?,
        recorded?) state, cut into pieces of at most ``max_steps``; each entry
        is ``(k0, k1, image_on, record)``."""
        needed = self.needed_steps()
        segments: List[Tuple[int, int, bool, bool]] = []
        k0 = 0
        while k0 < self.n_steps:
            state = (k0 < self.n_presentation_steps, bool(needed[k0]))
            k1 = k0 + 1
            while (k1 < self.n_steps and k1 - k0 < max_steps
                   and (k1 < self.n_presentation_steps, bool(needed[k1])) == state):
                k1 += 1
            segments.append((k0, k1, state[0], state[1]))
            k0 = k1
        return segments


def plan_time(
    time_bins: Any,
    dt: float,
    t_presentation: Optional[float],
    latency: float = 0.0,
) -> TimePlan:
    """Steps to run, when the image is shown, and which steps average into which bin.

    ``latency`` (ms) delays the model against the recording: recorded time
    ``t`` is model time ``t - latency``. ``t_presentation=None`` shows the image
    throughout. A bin that no step ends in is an error naming a ``dt`` that works.
    """
    bins = normalize_time_bins(time_bins)
    dt, latency = float(dt), float(latency)
    model_bins = [(start - latency, end - latency) for start, end in bins]
    last_end = max(end for _, end in model_bins)
    if last_end <= 0:
        raise ValueError(
            f"time bins {bins} all end before the model sees the stimulus (latency={latency:g} ms); "
            "request later bins or a smaller latency"
        )
    n_steps = max(1, steps_for_duration(last_end, dt))
    ends = step_end_times(n_steps, dt)
    weights = np.zeros((len(bins), n_steps))
    for i, (start, end) in enumerate(model_bins):
        inside = (ends > start + _EDGE_TOLERANCE) & (ends <= end + _EDGE_TOLERANCE)
        if not inside.any():
            edges = [e for b in model_bins for e in b]
            good = suggest_dt(edges)
            hint = (f"dt={good:g} ms (or any dt that divides it) puts whole steps in every bin"
                    if good is not None else "use a smaller dt")
            shifted = f" (model time ({start:g}, {end:g}] after latency={latency:g} ms)" if latency else ""
            if end <= 0:
                raise ValueError(
                    f"time bin ({bins[i][0]:g}, {bins[i][1]:g}) ms ends before the stimulus reaches the model"
                    f"{shifted}; the model runs from stimulus onset: request later bins or reduce the latency"
                )
            raise ValueError(
                f"time bin ({bins[i][0]:g}, {bins[i][1]:g}) ms{shifted}: no step of dt={dt:g} ms ends inside it "
                f"(steps end at multiples of {dt:g} ms); {hint}"
            )
        weights[i, inside] = 1.0 / inside.sum()
    if t_presentation is None:
        n_on = n_steps
    else:
        if float(t_presentation) <= 0:
            raise ValueError(f"t_presentation={t_presentation}: must be > 0 ms (or None: shown throughout)")
        # the image is shown during the steps that end by t_presentation (as the core does)
        n_on = min(n_steps, int(round(float(t_presentation) / dt)))
    return TimePlan(tuple(bins), dt, latency, n_steps, n_on, weights)
