"""``--latency auto``: the latency is fitted on held-out stimuli and recovers a known lag."""
import joblib
import pytest
import torch
from brainscore_vision import load_ceiling, load_metric

from benchmarks.latency import candidates, fit_latency, parse_latency
from benchmarks.selection import held_out_split
from brain_models import DynVisionBrainModel
from tests.brain_models.test_neural_benchmark import benchmark, benchmark_stimuli, recordings
from tests.helpers.models import TinyNet

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::FutureWarning")

LAG = 30.0
BINS = [(44, 48), (48, 52), (52, 58), (58, 70)]
REGIONS = {"IT": ["V1", "IT"]}  # two areas with different onsets: the mixture changes over time


def test_candidates_are_whole_steps():
    assert candidates(2.0, 60, 10) == [0, 10, 20, 30, 40, 50, 60]
    assert candidates(4.0, 30, 10) == [0, 12, 24]
    assert parse_latency("auto") == "auto" and parse_latency("20") == 20.0
    with pytest.raises(Exception, match="'auto'"):
        parse_latency("-5")


@pytest.mark.slow
def test_a_30_ms_lag_is_recovered_within_one_step(tmp_path):
    torch.manual_seed(0)
    stimuli = benchmark_stimuli(tmp_path / "images")
    network = TinyNet(t_feedforward=4.0)
    lagged = DynVisionBrainModel(network, identifier="lagged", latency=LAG, t_presentation=None,
                                 region_layer_map=REGIONS, max_features=100)
    target = recordings(lagged, stimuli, BINS, noise=0.3, region="IT", layers=("V1", "IT"))
    target.attrs["stimulus_set"] = stimuli
    metric = load_metric("spantime_pls", crossvalidation_kwargs=dict(stratification_coord=None, splits=2,
                                                                     train_size=.75, test_size=.25))
    bench = benchmark(target, metric, load_ceiling("internal_consistency_temporal"), static=False)
    selection, scored, split = held_out_split(bench, seed=0)
    model = DynVisionBrainModel(network, identifier="fit", t_presentation=None, region_layer_map=REGIONS,
                                max_features=100)
    with joblib.parallel_backend("sequential"):
        fit = fit_latency(model, selection, candidates(model.dt, 60, 10))
    assert list(fit["scores"]) == ["0.0", "10.0", "20.0", "30.0", "40.0"]  # 50, 60 would end bins before onset
    assert abs(fit["latency"] - LAG) <= 10.0, fit["scores"]
    assert model.latency == fit["latency"] and fit["split"]["part"] == "selection"
