"""Layer selection on held-out stimuli: the split and the benchmark copies it yields."""
import joblib
import numpy as np
import pytest
import torch
from brainscore_vision import load_ceiling, load_metric

from benchmarks.selection import held_out_split, split_stimuli
from brain_models import DynVisionBrainModel
from tests.brain_models.test_neural_benchmark import benchmark, benchmark_stimuli, recordings
from tests.helpers.models import UndeclaredNet

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::FutureWarning")


class Recorder:
    """Counts the stimuli a benchmark shows the model (wraps the adapter's look_at)."""

    def __init__(self, brain_model):
        self.brain_model, self.seen = brain_model, []
        original = brain_model.look_at

        def look_at(stimuli, *args, **kwargs):
            self.seen.append(set(np.asarray(stimuli["stimulus_id"]).astype(str)))
            return original(stimuli, *args, **kwargs)

        brain_model.look_at = look_at


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    torch.manual_seed(0)
    stimuli = benchmark_stimuli(tmp_path_factory.mktemp("selection-images"))
    brain_model = DynVisionBrainModel(UndeclaredNet(), identifier="select-split", max_features=100)
    assembly = recordings(brain_model, stimuli, [(20, 60)], region="V4")
    assembly.attrs["stimulus_set"] = stimuli
    return assembly


def test_split_is_disjoint_stratified_and_seeded(target):
    bench = benchmark(target, load_metric("pls"), load_ceiling("internal_consistency"), static=True)
    selection, scored = split_stimuli(target, 0.5, seed=0)
    assert not set(selection) & set(scored)
    assert set(selection) | set(scored) == set(target["stimulus_id"].values.astype(str))
    objects = dict(zip(target["stimulus_id"].values.astype(str), target["object_name"].values.astype(str)))
    assert {objects[s] for s in selection} == {objects[s] for s in scored} == set(objects.values())
    again, _ = split_stimuli(target, 0.5, seed=0)
    other, _ = split_stimuli(target, 0.5, seed=1)
    assert list(again) == list(selection) and list(other) != list(selection)
    pick, score, split = held_out_split(bench, seed=0)
    assert split["n_selection"] + split["n_scored"] == len(objects)
    assert pick.stimulus_split["part"] == "selection" and score.stimulus_split["part"] == "scored"


def test_selection_never_sees_the_scored_stimuli(tmp_path, monkeypatch, target):
    from brain_models import select_layer

    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    metric = load_metric("pls", crossvalidation_kwargs=dict(stratification_coord=None, splits=2, train_size=.75, test_size=.25))
    bench = benchmark(target, metric, load_ceiling("internal_consistency"), static=True)
    pick, score, split = held_out_split(bench, seed=0)
    brain_model = DynVisionBrainModel(UndeclaredNet(), identifier="select-held-out", max_features=100)
    recorder = Recorder(brain_model)
    with joblib.parallel_backend("sequential"):
        result = select_layer(brain_model, "V4", pick, candidate_layers=["IT", "V1"], store=False)
        selection_seen = set().union(*recorder.seen)
        recorder.seen.clear()
        scored = score(brain_model)
    scored_seen = set().union(*recorder.seen)
    assert len(selection_seen) == split["n_selection"] and len(scored_seen) == split["n_scored"]
    assert not selection_seen & scored_seen
    assert result["layer"] == "V1" and result["split"]["part"] == "selection"
    assert np.isfinite(float(scored))
