"""Known answers for this project's scoring conventions (docs/scoring.md)."""
import numpy as np
import pytest
from brainscore_core import Score
from brainscore_vision.benchmark_helpers.neural_common import explained_variance

from benchmarks.neural import nonnegative_ceiled

BINS = {"time_bin_start": ("time_bin", [0, 10, 20, 30]), "time_bin_end": ("time_bin", [10, 20, 30, 40])}


def brainscore_ceiled(r, ceiling):
    raw = Score(np.asarray(r, dtype=float), coords=BINS, dims=["time_bin"])
    return explained_variance(raw, Score(np.asarray(ceiling, dtype=float), coords=BINS, dims=["time_bin"]))


def test_negative_r_earns_nothing_in_our_benchmarks():
    """r = -0.25 and +0.25 at ceiling 0.5: Brain-Score ceils both to 0.125; ours gives the -0.25 bin 0."""
    ceiled = brainscore_ceiled([-0.25, 0.25, 0.5, np.nan], [0.5] * 4)
    assert ceiled.values[:3] == pytest.approx([0.125, 0.125, 0.5])  # Brain-Score's own number
    ours = nonnegative_ceiled(ceiled)
    assert ours.attrs["per_bin"].values == pytest.approx([0.0, 0.125, 0.5, 0.0])
    assert float(ours) == pytest.approx((0.125 + 0.5) / 4)
    assert ours.attrs["raw"].values[0] == pytest.approx(-0.25)  # raw r kept as Brain-Score computed it


def test_static_negative_r_scores_zero():
    raw = Score(-0.3)
    ceiled = explained_variance(raw, Score(0.9))
    assert float(ceiled) > 0
    assert float(nonnegative_ceiled(ceiled)) == 0.0
