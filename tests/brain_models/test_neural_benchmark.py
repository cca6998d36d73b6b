"""Brain-Score's own NeuralBenchmark scores the adapter end to end, offline.

The "recordings" are built locally: 40 stimuli, 4 repetitions, 24 neuroids
that are fixed random mixtures of the model's own V1 features plus trial
noise. Brain-Score's PLS metric (cross-validated over stimuli, stratified
by object) and its internal-consistency ceiling must then find a high
ceiled score -- once with one time bin (static benchmark, as MajajHong2015)
and once with four bins (temporal PLS: ``spantime_pls`` with the
``internal_consistency_temporal`` ceiling, as MajajHong2015's temporal
variants).
"""
import joblib
import numpy as np
import pytest
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
from brainscore_vision import load_ceiling, load_metric
from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark, average_repetition

from brain_models import DynVisionBrainModel
from tests.helpers.models import TinyNet

from .conftest import make_stimulus_set, write_images

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::FutureWarning")

N_STIMULI, N_REPETITIONS, N_NEUROIDS = 40, 4, 24


def recordings(brain_model, stimuli, time_bins, noise=0.3, seed=0, region="V1", layers=("V1",)):
    """Trial-by-trial recordings (presentation x neuroid x time_bin) driven by the model's ``layers``."""
    rng = np.random.default_rng(seed)
    features = brain_model.features(stimuli, list(layers), time_bins=time_bins)  # presentation x neuroid x time_bin
    x = features.values - features.values.mean(axis=0, keepdims=True)
    weights = rng.normal(size=(x.shape[1], N_NEUROIDS))
    clean = np.einsum("pft,fn->pnt", x, weights)
    clean /= clean.std(axis=(0, 2), keepdims=True)
    trials = [clean + noise * rng.normal(size=clean.shape) for _ in range(N_REPETITIONS)]
    values = np.concatenate(trials, axis=0)
    presentation = {column: ("presentation", np.tile(stimuli[column].values, N_REPETITIONS))
                    for column in stimuli.columns}
    presentation["repetition"] = ("presentation", np.repeat(np.arange(N_REPETITIONS), len(stimuli)))
    assembly = NeuroidAssembly(values, dims=["presentation", "neuroid", "time_bin"], coords={
        **presentation,
        "neuroid_id": ("neuroid", [f"n{i}" for i in range(N_NEUROIDS)]),
        "region": ("neuroid", [region] * N_NEUROIDS),
        "time_bin_start": ("time_bin", [start for start, _ in time_bins]),
        "time_bin_end": ("time_bin", [end for _, end in time_bins]),
    })
    return assembly


def benchmark(assembly_repetitions, metric, ceiler, static):
    if static:  # static benchmarks hold one bin without a time_bin dim (MajajHong2015 squeezes it)
        assembly_repetitions = assembly_repetitions.squeeze("time_bin")
    assembly = average_repetition(assembly_repetitions)
    assembly.attrs["stimulus_set"] = assembly_repetitions.attrs["stimulus_set"]
    return NeuralBenchmark(identifier="dynvision-test.V1-pls", assembly=assembly, similarity_metric=metric,
                           visual_degrees=8, number_of_trials=N_REPETITIONS,
                           ceiling_func=lambda: ceiler(assembly_repetitions), parent="V1", version=1)


def benchmark_stimuli(folder):
    return make_stimulus_set(write_images(folder, N_STIMULI, seed=1), identifier="dynvision-test-benchmark")


@pytest.fixture(scope="module")
def stimuli(tmp_path_factory):
    return benchmark_stimuli(tmp_path_factory.mktemp("benchmark-images"))


@pytest.mark.parametrize("static, time_bins", [
    (True, [(20, 60)]),
    (False, [(0, 10), (10, 20), (20, 40), (40, 60)]),
])
def test_neural_benchmark_pls_scores_the_adapter(stimuli, static, time_bins):
    import torch

    torch.manual_seed(0)
    brain_model = DynVisionBrainModel(TinyNet(), identifier="tiny-benchmark", max_features=200)
    target = recordings(brain_model, stimuli, time_bins)
    target.attrs["stimulus_set"] = stimuli
    kwargs = dict(crossvalidation_kwargs=dict(stratification_coord="object_name", splits=4))
    if static:
        metric, ceiler = load_metric("pls", **kwargs), load_ceiling("internal_consistency")
    else:
        metric, ceiler = load_metric("spantime_pls", **kwargs), load_ceiling("internal_consistency_temporal")
    # Brain-Score's per-time-bin helpers fan out with joblib processes; in-process is faster here
    with joblib.parallel_backend("sequential"):
        score = benchmark(target, metric, ceiler, static)(brain_model)
    ceiling = score.attrs["ceiling"]
    raw = score.attrs["raw"]
    assert 0.8 < float(np.mean(ceiling.values)) <= 1.0
    # temporal benchmarks score each bin: look at the mean over bins
    assert float(np.mean(raw.values)) > 0.8, raw  # the neuroids are linear in the model's V1: PLS finds them
    assert 0.6 < float(np.mean(score.values)) < 1.5
    if not static:  # per-bin ceilings of the temporal ceiling
        assert ceiling.sizes.get("time_bin") == len(time_bins)
