"""The base of this project's own neural benchmarks (synthetic, Cowley2023, user data).

It is Brain-Score's ``NeuralBenchmark`` (its metric, its ceiling, its
``explained_variance`` ceiling step ``r**2 / ceiling``), with two conventions
on top, stated in ``docs/scoring.md``:

- **a negative correlation earns nothing**: in a bin where the cross-validated
  r is below 0 the ceiled score is 0, not ``r**2 / ceiling`` (which would give
  r = -0.25 the credit of r = +0.25);
- **an undefined bin counts as 0** (a silent model gives no defined r), and a
  temporal score is the mean over bins (:func:`brain_models.headline.mean_over_bins`).

Brain-Score's own benchmarks keep Brain-Score's number; their bins with
r < 0 are only flagged in the result (:mod:`benchmarks.runner`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from brainscore_core import Score
from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark

from brain_models.headline import PER_BIN_KEY, mean_over_bins

#: recorded in each score of these benchmarks (and so in every result)
CONVENTION = "r < 0 scores 0; undefined bins score 0; temporal score = mean over bins"


def nonnegative_ceiled(ceiled: Score) -> Score:
    """Brain-Score's ceiled score with bins of r < 0 or undefined r set to 0; for several time
    bins a scalar mean with the bins in ``attrs['per_bin']``. ``raw``, ``ceiling`` and ``error``
    are kept as Brain-Score computed them."""
    raw = ceiled.attrs[Score.RAW_VALUES_KEY]
    r = np.asarray(raw.values, dtype=float)
    values = np.asarray(ceiled.values, dtype=float)
    values = np.where(np.isnan(r) | np.isnan(values) | (r < 0), 0.0, values)
    if "time_bin" in getattr(raw, "dims", ()) and raw.sizes["time_bin"] > 1:
        per_bin = Score(values, coords={c: raw[c] for c in ("time_bin_start", "time_bin_end")}, dims=["time_bin"])
        score = Score(mean_over_bins(values))
        score.attrs[PER_BIN_KEY] = per_bin
        if "error" in raw.attrs:
            score.attrs["error"] = Score(float(np.nanmean(raw.attrs["error"].values)))
    else:
        score = Score(float(values.reshape(-1)[0]) if values.size == 1 else mean_over_bins(values))
        if "error" in ceiled.attrs:
            score.attrs["error"] = ceiled.attrs["error"]
    score.attrs[Score.RAW_VALUES_KEY] = raw
    score.attrs["ceiling"] = ceiled.attrs["ceiling"]
    score.attrs["convention"] = CONVENTION
    return score


def has_coord(assembly: Any, coord: str) -> bool:
    """Whether ``assembly`` has coordinate ``coord``: Brain-Score's assemblies do not list the
    levels of a MultiIndex dim (``object_name`` on ``presentation``) in ``coords``."""
    try:
        assembly[coord]
    except (KeyError, TypeError):
        return False
    return True


class NonNegativeNeuralBenchmark(NeuralBenchmark):
    """Brain-Score's ``NeuralBenchmark`` scored with :func:`nonnegative_ceiled`."""

    def __call__(self, candidate: Any) -> Score:
        return nonnegative_ceiled(super().__call__(candidate))
