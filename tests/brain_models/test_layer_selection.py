"""Choosing a region's layer by benchmark score, stored under DYNVISION_HOME."""
import json

import joblib
import numpy as np
import pytest
import torch
from brainscore_vision import load_ceiling, load_metric

from brain_models import DynVisionBrainModel, select_layer
from tests.helpers.models import UndeclaredNet

from .test_neural_benchmark import benchmark, benchmark_stimuli, recordings

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::FutureWarning")


class FakeBenchmark:
    identifier = "fake.V4-pls"

    def __init__(self, preferred):
        self.preferred, self.calls = preferred, []

    def __call__(self, brain_model):
        brain_model.start_recording("V4", [(0, 10)])
        layer = brain_model.layers_for("V4")[0]
        self.calls.append(layer)
        return 0.9 if layer == self.preferred else 0.1


def test_selection_commits_stores_and_is_found_again(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    model = UndeclaredNet()
    brain_model = DynVisionBrainModel(model, identifier="undeclared/net v1")
    assert brain_model.region_layer_map == {}
    fake = FakeBenchmark("IT")
    result = select_layer(brain_model, "V4", fake)
    assert fake.calls == ["V1", "IT"] and result["layer"] == "IT"
    assert brain_model.region_layer_map["V4"] == "IT"
    stored = json.loads(open(result["path"]).read())
    assert result["path"].startswith(str(tmp_path / "home" / "models"))
    assert stored["region_layer_map"] == {"V4": "IT"}
    assert stored["selection"]["V4"]["scores"] == {"V1": 0.1, "IT": 0.9}
    assert stored["selection"]["V4"]["benchmark"] == "fake.V4-pls"
    # a new adapter for the same identifier finds the choice; explicit maps still win
    assert DynVisionBrainModel(model, identifier="undeclared/net v1").region_layer_map == {"V4": "IT"}
    assert DynVisionBrainModel(model, identifier="undeclared/net v1",
                               region_layer_map={"V4": "V1"}).region_layer_map == {"V4": "V1"}
    assert DynVisionBrainModel(model, identifier="other").region_layer_map == {}


def test_lazy_selection_from_region_benchmarks(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    fake = FakeBenchmark("V1")
    brain_model = DynVisionBrainModel(UndeclaredNet(), identifier="lazy", region_benchmarks={"V4": fake})
    brain_model.start_recording("V4", [(0, 10)])
    assert brain_model.region_layer_map["V4"] == "V1" and len(fake.calls) == 2
    brain_model.start_recording("V4", [(0, 10)])
    assert len(fake.calls) == 2  # committed once


def test_failed_selection_leaves_the_map_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    brain_model = DynVisionBrainModel(UndeclaredNet(), identifier="failing")

    def broken(candidate):
        raise RuntimeError("benchmark data missing")

    with pytest.raises(RuntimeError):
        select_layer(brain_model, "V4", broken)
    assert "V4" not in brain_model.region_layer_map
    assert not (tmp_path / "home").exists()


def test_selection_with_brainscore_neural_benchmark_finds_the_driving_layer(tmp_path, monkeypatch):
    """Data generated from V1 of the same network: PLS on V1 beats PLS on the classifier output."""
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    torch.manual_seed(0)
    stimuli = benchmark_stimuli(tmp_path / "images")
    brain_model = DynVisionBrainModel(UndeclaredNet(), identifier="select-real", max_features=200)
    target = recordings(brain_model, stimuli, [(20, 60)], region="V4")
    target.attrs["stimulus_set"] = stimuli
    bench = benchmark(target, load_metric("pls", crossvalidation_kwargs=dict(stratification_coord="object_name",
                                                                             splits=3)),
                      load_ceiling("internal_consistency"), static=True)
    with joblib.parallel_backend("sequential"):
        result = select_layer(brain_model, "V4", bench, candidate_layers=["IT", "V1"])
    assert result["layer"] == "V1", result["scores"]
    assert result["scores"]["V1"] > result["scores"]["IT"]
    assert np.isfinite(list(result["scores"].values())).all()


class PerBinBenchmark:
    """Returns a per-bin score (``time_bin`` dim) for each layer, as Brain-Score's temporal benchmarks do."""

    identifier = "fake.V4-temporal"

    def __init__(self, per_bin):
        self.per_bin = per_bin

    def __call__(self, brain_model):
        from brainscore_core import Score

        layer = brain_model.layers_for("V4")[0]
        bins = [(0, 10), (10, 20), (20, 30), (30, 40)]
        return Score(self.per_bin[layer], dims=["time_bin"],
                     coords={"time_bin_start": ("time_bin", [s for s, _ in bins]),
                             "time_bin_end": ("time_bin", [e for _, e in bins])})


def test_selection_ranks_layers_over_all_bins_not_the_first(tmp_path, monkeypatch):
    """Known answer: V1 [.30,.10,.10,.10] (mean .15) vs IT [.20,.80,.85,.90] (mean .6875): IT, not V1."""
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    brain_model = DynVisionBrainModel(UndeclaredNet(), identifier="per-bin")
    bench = PerBinBenchmark({"V1": [.30, .10, .10, .10], "IT": [.20, .80, .85, .90]})
    result = select_layer(brain_model, "V4", bench, store=False)
    assert result["layer"] == "IT"
    assert result["scores"] == pytest.approx({"V1": 0.15, "IT": 0.6875})


def test_selection_counts_undefined_bins_as_zero(tmp_path, monkeypatch):
    """A layer silent in three of four bins (NaN) does not win on its one defined bin."""
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    brain_model = DynVisionBrainModel(UndeclaredNet(), identifier="per-bin-nan")
    bench = PerBinBenchmark({"V1": [np.nan, np.nan, np.nan, .9], "IT": [.3, .3, .3, .3]})
    result = select_layer(brain_model, "V4", bench, store=False)
    assert result["layer"] == "IT" and result["scores"]["V1"] == pytest.approx(0.225)


def test_selection_records_the_split_of_its_benchmark(tmp_path, monkeypatch):
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    brain_model = DynVisionBrainModel(UndeclaredNet(), identifier="with-split")
    fake = FakeBenchmark("IT")
    fake.stimulus_split = {"method": "held-out stimuli", "n_selection": 20, "n_scored": 20}
    result = select_layer(brain_model, "V4", fake)
    assert result["split"]["n_selection"] == 20
    assert json.loads(open(result["path"]).read())["selection"]["V4"]["split"]["n_scored"] == 20
    assert brain_model.layer_selections["V4"]["layer"] == "IT"
