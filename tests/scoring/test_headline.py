"""One rule for every temporal headline: undefined bins (a silent model) count as 0."""
import joblib
import numpy as np
import pytest
import torch
from brainscore_vision import load_ceiling, load_metric

from benchmarks.runner import summarize_score
from brain_models import DynVisionBrainModel
from tests.brain_models.test_neural_benchmark import benchmark, benchmark_stimuli, recordings
from tests.helpers.models import TinyNet

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::FutureWarning")

BINS = [(0, 4), (4, 8), (30, 50), (50, 70)]


def test_a_model_silent_in_early_bins_scores_zero_there(tmp_path):
    """IT of a network with 10 ms feedforward delays is silent for the first 8 ms: Brain-Score's
    temporal NeuralBenchmark leaves those bins NaN; the headline is the sum of the defined bins / 4
    (not their mean, which ``nanmean`` would give)."""
    torch.manual_seed(0)
    stimuli = benchmark_stimuli(tmp_path / "images")
    source = DynVisionBrainModel(TinyNet(), identifier="target-source", max_features=100)
    target = recordings(source, stimuli, BINS, region="IT")  # data driven by V1, responsive from the start
    target.attrs["stimulus_set"] = stimuli
    metric = load_metric("spantime_pls", crossvalidation_kwargs=dict(stratification_coord="object_name", splits=2))
    bench = benchmark(target, metric, load_ceiling("internal_consistency_temporal"), static=False)
    slow = DynVisionBrainModel(TinyNet(t_feedforward=10.0), identifier="slow", max_features=300)  # every unit
    with joblib.parallel_backend("sequential"):
        score = bench(slow)
    per_bin_brainscore = np.asarray(score.values, dtype=float)
    assert np.isnan(per_bin_brainscore[:2]).all() and np.isfinite(per_bin_brainscore[2:]).all()

    summary = summarize_score(score)
    assert summary["score"] == pytest.approx(np.nansum(per_bin_brainscore) / 4)
    assert summary["score"] < np.nanmean(per_bin_brainscore)
    assert [b["undefined"] for b in summary["per_bin"]] == [True, True, False, False]
    assert [b["score"] for b in summary["per_bin"]][:2] == [0.0, 0.0]
    assert all(b["ceiling"] is not None for b in summary["per_bin"])  # per-bin ceiling always reported
    assert summary["undefined_bins"] == [[0.0, 4.0], [4.0, 8.0]]


def test_negative_r_in_a_brainscore_benchmark_is_kept_and_flagged():
    from brainscore_core import Score
    from brainscore_vision.benchmark_helpers.neural_common import explained_variance

    coords = {"time_bin_start": ("time_bin", [0, 10]), "time_bin_end": ("time_bin", [10, 20])}
    raw = Score([-0.4, 0.4], coords=coords, dims=["time_bin"])
    score = explained_variance(raw, Score([0.8, 0.8], coords=coords, dims=["time_bin"]))
    summary = summarize_score(score)
    assert summary["score"] == pytest.approx(0.2)  # Brain-Score's r**2/ceiling in both bins
    assert summary["negative_r_bins"] == [[0.0, 10.0]]
    assert [b["negative_r"] for b in summary["per_bin"]] == [True, False]
