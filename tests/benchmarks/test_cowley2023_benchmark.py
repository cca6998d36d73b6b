"""Cowley2023 benchmarks: Brain-Score's ceiling on the real data, and a full scoring run
with a stand-in model whose responses are known."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks import catalog
from benchmarks.cowley2023 import benchmark as cowley
from benchmarks.cowley2023 import data

pytestmark = pytest.mark.data


def test_internal_consistency_ceiling_of_210325(shared_data_dir):
    ceiling = cowley.compute_ceiling(data_dir=shared_data_dir)
    # README: odd/even split-half reliability, Spearman-Brown corrected, median ~0.77
    assert 0.74 < float(ceiling) < 0.80
    assert ceiling.attrs["raw"].sizes["neuroid"] == 50


def test_benchmarks_are_brainscore_neural_benchmarks(shared_data_dir):
    from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark
    options = catalog.LoadOptions(data_dir=shared_data_dir)
    ceiled = catalog.load_benchmark("Cowley2023.V4-pls", options)
    raw = catalog.load_benchmark("Cowley2023.V4-pls-raw", options)
    for benchmark in (ceiled, raw):
        assert isinstance(benchmark, NeuralBenchmark)
        assert benchmark.region == "V4"
        assert [tuple(t.tolist()) if hasattr(t, "tolist") else tuple(t) for t in benchmark.timebins] == [(50, 150)]
    assert ceiled.identifier == "Cowley2023.V4-pls"
    assert raw.identifier == "Cowley2023.V4-pls-raw"
    assert float(raw.ceiling) == 1.0


class _StandIn:
    """A minimal BrainModel: returns the recorded V4 responses plus noise, so scores are predictable."""

    def __init__(self, responses, noise, seed=0):
        self._responses = responses  # presentation x neuroid, averaged, indexed by stimulus_id
        self._noise = noise
        self._rng = np.random.default_rng(seed)
        self.recorded = None

    def visual_degrees(self):
        return cowley.VISUAL_DEGREES

    def start_recording(self, recording_target, time_bins):
        self.recorded = (recording_target, list(time_bins))

    def look_at(self, stimuli, number_of_trials=1):
        from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
        rows = {sid: i for i, sid in enumerate(self._responses["stimulus_id"].values)}
        values = self._responses.values[[rows[sid] for sid in stimuli["stimulus_id"]]]
        values = values + self._noise * self._rng.standard_normal(values.shape)
        n = values.shape[1]
        # every StimulusSet column on presentation, as Brain-Score's model helpers (and our adapter) do
        presentation = {column: ("presentation", stimuli[column].values) for column in stimuli.columns}
        return NeuroidAssembly(values[:, :, None], dims=["presentation", "neuroid", "time_bin"], coords={
            **presentation,
            "neuroid_id": ("neuroid", [f"unit{k}" for k in range(n)]),
            "layer": ("neuroid", ["V4"] * n), "region": ("neuroid", ["V4"] * n),
            "time_bin_start": ("time_bin", [50]), "time_bin_end": ("time_bin", [150])})


def test_scoring_end_to_end_with_a_stand_in_model(shared_data_dir):
    benchmark = cowley.Cowley2023V4PLSRaw(data_dir=shared_data_dir)
    responses = data.load_assembly("210224", data_dir=shared_data_dir).squeeze("time_bin")
    model = _StandIn(responses, noise=0.0)
    score = benchmark(model)
    assert model.recorded[0] == "V4"
    raw = float(score.raw)
    assert raw > 0.6  # the data predict themselves (up to PLS with 25 components)
    assert float(score) == pytest.approx(raw ** 2)  # unit ceiling: score is r**2
    assert float(score.attrs["ceiling"]) == 1.0
