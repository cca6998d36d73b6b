"""Requested time bins -> simulation steps.

Brain-Score asks for responses in time bins ``(start, end)`` in ms after
stimulus onset. A DynVision model runs in steps of ``dt`` ms; step ``k`` ends
at ``(k + 1) * dt`` (:func:`dynvision.timing.step_end_times`, the single
source of truth). A bin is the mean of the steps whose end time lies in
``(start - latency, end - latency]`` of model time; every bin edge is a whole
number of steps (:func:`dynvision.timing.ms_to_steps`), so a bin holds
exactly the time it names.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from dynvision.timing import TimeStepError, ms_to_steps, step_end_times

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


def _bin_steps(bin_ms: TimeBin, model_bin: TimeBin, dt: float, latency: float,
               edges: Sequence[float]) -> Tuple[int, int]:
    """``(first, stop)``: the steps ``first <= k < stop`` that end inside one bin
    (in model time, from stimulus onset); each edge must be a whole number of steps."""
    start, end = model_bin
    shifted = f" (model time ({start:g}, {end:g}) after latency={latency:g} ms)" if latency else ""
    where = f"time bin ({bin_ms[0]:g}, {bin_ms[1]:g}) ms{shifted}"
    if end <= 0:
        raise ValueError(f"{where} ends before the stimulus reaches the model; the model runs from stimulus "
                         "onset: request later bins or reduce the latency")
    try:
        # the model is at rest before onset: a bin reaching back before 0 holds the steps after it
        return (ms_to_steps(max(start, 0.0), dt, "start", where), ms_to_steps(end, dt, "end", where))
    except TimeStepError as error:
        good = suggest_dt(edges)
        hint = f"; dt={good:g} ms (or any dt that divides it) puts whole steps in every bin" if good else ""
        raise TimeStepError(f"{error}{hint}") from None


def plan_time(
    time_bins: Any,
    dt: float,
    t_presentation: Optional[float],
    latency: float = 0.0,
) -> TimePlan:
    """Steps to run, when the image is shown, and which steps average into which bin.

    ``latency`` (ms) delays the model against the recording: recorded time
    ``t`` is model time ``t - latency``. ``t_presentation=None`` shows the image
    throughout. Every bin edge (in model time) and ``t_presentation`` must be a
    whole number of ``dt`` steps (:func:`dynvision.timing.ms_to_steps`); else a
    one-line error names the value, the nearest valid ones and a ``dt`` that works.
    """
    bins = normalize_time_bins(time_bins)
    dt, latency = float(dt), float(latency)
    model_bins = [(start - latency, end - latency) for start, end in bins]
    if max(end for _, end in model_bins) <= 0:
        raise ValueError(
            f"time bins {bins} all end before the model sees the stimulus (latency={latency:g} ms); "
            "request later bins or a smaller latency"
        )
    edges = [e for b in model_bins for e in b]
    spans = [_bin_steps(b, m, dt, latency, edges) for b, m in zip(bins, model_bins)]
    n_steps = max(stop for _, stop in spans)
    weights = np.zeros((len(bins), n_steps))
    for i, (first, stop) in enumerate(spans):
        weights[i, first:stop] = 1.0 / (stop - first)
    if t_presentation is None:
        n_on = n_steps
    else:
        n_on = min(n_steps, ms_to_steps(t_presentation, dt, "t_presentation", "recording", minimum_steps=1))
    return TimePlan(tuple(bins), dt, latency, n_steps, n_on, weights)


def static_plan(time_bins: Any) -> TimePlan:
    """The plan of a static model: no steps; each bin holds the one response (Brain-Score's
    ``TemporalAligned``: the same response in every bin, whatever the latency)."""
    bins = normalize_time_bins(time_bins)
    return TimePlan(tuple(bins), 0.0, 0.0, 0, 0, np.zeros((len(bins), 0)))
