"""Behavioural readouts: label, probabilities, odd_one_out, passive."""
import numpy as np
import pytest
import torch
from brainscore_vision.model_interface import BrainModel

from brain_models import DynVisionBrainModel
from tests.helpers.models import TinyNet

from .conftest import make_stimulus_set, write_images

pytestmark = pytest.mark.filterwarnings("ignore:'multi_class' was deprecated:FutureWarning")


def test_label_from_the_classifier_at_the_readout_time(tiny_model, stimulus_set):
    brain_model = DynVisionBrainModel(tiny_model, readout_time=12)
    labels = ["cat", "dog", "car", "tree"]
    brain_model.start_task(BrainModel.Task.label, labels)
    choices = brain_model.look_at(stimulus_set)
    assert choices.dims == ("choice", "presentation") and choices.shape == (1, len(stimulus_set))
    assert list(choices["stimulus_id"].values) == list(stimulus_set["stimulus_id"].values)
    # the same as the argmax of the logits of the step ending at 12 ms (step 5), image shown
    images = brain_model.loader.load_batch([str(p) for p in stimulus_set.stimulus_paths.values()],
                                           list(stimulus_set["stimulus_id"]))
    with torch.no_grad():
        logits = tiny_model(images.unsqueeze(1).expand(-1, 6, -1, -1, -1))[:, 5]
    assert list(choices.values[0]) == [labels[i] for i in logits.argmax(-1).tolist()]


def test_label_with_the_models_class_names(tiny_model, stimulus_set):
    tiny_model.class_names = ["a", "b", "c", "d"]
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_task(BrainModel.Task.label, ["d", "b"])
    assert set(brain_model.look_at(stimulus_set).values[0]) <= {"d", "b"}
    brain_model.start_task(BrainModel.Task.label)  # default: all of the model's classes
    assert set(brain_model.look_at(stimulus_set).values[0]) <= set("abcd")
    with pytest.raises(ValueError, match="cannot map choice labels"):
        DynVisionBrainModel(TinyNet()).start_task(BrainModel.Task.label, ["x", "y"])
    with pytest.raises(ValueError, match="1000-class"):
        DynVisionBrainModel(TinyNet()).start_task(BrainModel.Task.label, "imagenet")


def test_probabilities_fitted_on_fitting_stimuli(tiny_model, tmp_path):
    paths = write_images(tmp_path / "fit", 16, seed=3)
    labels = ["left" if i % 2 else "right" for i in range(16)]
    fitting = make_stimulus_set(paths[:12], labels=labels[:12], identifier="fit")
    test = make_stimulus_set(paths[12:], labels=labels[12:], identifier="test")
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_task(BrainModel.Task.probabilities, fitting)
    probabilities = brain_model.look_at(test)
    assert set(probabilities.dims) == {"presentation", "choice"}
    assert set(probabilities["choice"].values) == {"left", "right"}
    assert ((probabilities.values >= 0) & (probabilities.values <= 1)).all()
    np.testing.assert_allclose(probabilities.sum("choice").values, 1, rtol=1e-6)
    assert list(probabilities["stimulus_id"].values) == list(test["stimulus_id"].values)


def test_odd_one_out_returns_the_odd_stimulus(tiny_model, tmp_path):
    """Triplets of two copies of one image and one other image: the copies
    have identical features, so the other one is odd."""
    paths = write_images(tmp_path / "triplets", 4, seed=5)
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    ids = ["a", "a_copy", "b", "c"]
    stimuli = StimulusSet({"stimulus_id": ids})
    stimuli.stimulus_paths = {"a": paths[0], "a_copy": paths[0], "b": paths[1], "c": paths[2]}
    triplets = stimuli.set_index("stimulus_id", drop=False).loc[["a", "a_copy", "b", "b", "a", "a_copy",
                                                                 "a_copy", "c", "a"]].reset_index(drop=True)
    triplets = StimulusSet(triplets)
    triplets.stimulus_paths = stimuli.stimulus_paths
    triplets.identifier = "triplets"
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_task(BrainModel.Task.odd_one_out)
    choices = brain_model.look_at(triplets)
    assert list(choices.values.ravel()) == ["b", "b", "c"]
    # Brain-Score's packaging: the one presentation coordinate (stimulus ids joined by '|') is the index
    assert list(choices["presentation"].values) == ["a|a_copy|b", "b|a|a_copy", "a_copy|c|a"]


def test_passive_returns_to_recording(tiny_model, stimulus_set):
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_task(BrainModel.Task.odd_one_out)
    brain_model.start_recording("V1", [(0, 10)])
    assert brain_model.look_at(stimulus_set).dims == ("presentation", "neuroid")
    brain_model.start_task(BrainModel.Task.passive)
    with pytest.raises(ValueError, match="unknown task"):
        brain_model.start_task("dance")


def test_imagenet_labels_through_brainscores_label_behavior(stimulus_set):
    brain_model = DynVisionBrainModel(TinyNet(n_classes=1000))
    brain_model.start_task(BrainModel.Task.label, "imagenet")
    choices = brain_model.look_at(stimulus_set)
    assert choices.shape == (1, len(stimulus_set))
    assert all(str(c).startswith("n") and len(str(c)) == 9 for c in choices.values.ravel())  # synsets
    brain_model.start_task(BrainModel.Task.label, ["dog", "cat"])
    assert set(brain_model.look_at(stimulus_set).values.ravel()) <= {"dog", "cat"}


def test_readout_before_input_reaches_the_readout_layer_is_an_error(stimulus_set):
    # 10 ms per area: input reaches V1 after step 5 and IT after step 10, which ends at 22 ms;
    # the default readout time is the end of the 10-step (20 ms) training window: too early
    model = TinyNet(t_feedforward=10.0)
    assert model.input_arrival_time("IT") == 22.0
    brain_model = DynVisionBrainModel(model)
    assert brain_model.readout_time == 20.0
    with pytest.raises(ValueError, match=r"readout_time=20 ms is earlier than 22 ms, when input first reaches the "
                                         r"readout layer 'classifier'"):
        brain_model.start_task(BrainModel.Task.label, ["cat", "dog", "car", "tree"])
    with pytest.raises(ValueError, match=r"readout_time=12 ms is earlier than 22 ms.*readout layer 'IT'"):
        DynVisionBrainModel(model, readout_time=12).start_task(BrainModel.Task.odd_one_out)
    late = DynVisionBrainModel(model, readout_time=22)
    with pytest.warns(RuntimeWarning, match="beyond its trained horizon of 20 ms"):
        late.start_task(BrainModel.Task.label, ["cat", "dog", "car", "tree"])
        late.look_at(stimulus_set)
    assert len(late.horizon_notes) == 1 and late.scored_horizon_ms == 22.0


def test_default_readout_time_is_the_end_of_the_trained_loss_window():
    model = TinyNet(t_presentation=8.0, t_reaction=4.0)  # loss on steps ending in (4, 20] ms
    assert DynVisionBrainModel(model).readout_time == 20.0
