"""The one rule that turns a score over time bins into a single number.

A temporal benchmark scores each time bin separately. In a bin where the
model has not responded yet its features are constant, Pearson's r is
undefined (NaN) and Brain-Score leaves the bin's score NaN. That bin
predicts nothing, so it counts as **0** in the mean over bins (``nanmean``
would drop it and reward a slow model). The same rule is used for the
headline of every temporal result and for ranking layers in
:func:`brain_models.select_layer`; see ``docs/scoring.md``.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

#: score attribute holding a benchmark's own per-bin ceiled scores (set by this project's benchmarks)
PER_BIN_KEY = "per_bin"


def bin_values(score: Any) -> Optional[np.ndarray]:
    """The per-bin ceiled scores of ``score`` (a ``time_bin`` array, or the benchmark's
    ``per_bin`` attribute), or None for a score without time bins."""
    own = getattr(score, "attrs", {}).get(PER_BIN_KEY)
    for candidate in (own, score):
        if candidate is not None and "time_bin" in getattr(candidate, "dims", ()):
            return np.asarray(candidate.values, dtype=float).reshape(-1)
    return None


def mean_over_bins(values: Any) -> float:
    """Mean over time bins with undefined (NaN) bins counted as 0; 0 when there are no bins."""
    values = np.asarray(values, dtype=float).reshape(-1)
    if values.size == 0:
        return 0.0
    return float(np.mean(np.nan_to_num(values, nan=0.0)))


def headline(score: Any) -> float:
    """The headline number of a Brain-Score ``Score``: :func:`mean_over_bins` of its per-bin
    values when it has time bins, else its (scalar) value, which may be NaN."""
    per_bin = bin_values(score)
    if per_bin is not None:
        return mean_over_bins(per_bin)
    values = np.asarray(getattr(score, "values", score), dtype=float).reshape(-1)
    return float(values[0]) if values.size == 1 else (float(np.nanmean(values)) if values.size else float("nan"))
