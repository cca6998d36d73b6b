"""Brain-Score's generic model-plugin tests, run on the adapter; and the recording
contract (DESIGN.md) for every registered model.

The test functions of ``brainscore_vision.model_helpers.generic_plugin_tests``
are called as they are; only ``load_model`` (which would look up a
registered plugin) and the stimulus files (not shipped in the installed
package) are replaced.
"""
import importlib
import sys
import types

import numpy as np
import pytest
from brainscore_vision.model_interface import BrainModel
from PIL import Image

from brain_models import DynVisionBrainModel
from tests.helpers.models import TinyNet, registered_model_names, tiny_registered, zoo_test_model_registered

from .conftest import make_stimulus_set, write_images

pytestmark = [pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning"),
              pytest.mark.filterwarnings("ignore:'multi_class' was deprecated:FutureWarning")]


@pytest.fixture
def generic(monkeypatch, tmp_path):
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    # the module imports a pytest helper that needs plugin-CI packages (pytest_check) and
    # only parametrizes `identifier` from the command line: stand in for it
    helper = types.ModuleType("brainscore_core.plugin_management.generic_plugin_tests_helper")
    helper.pytest_generate_tests = lambda metafunc: None
    monkeypatch.setitem(sys.modules, helper.__name__, helper)
    monkeypatch.delitem(sys.modules, "brainscore_vision.model_helpers.generic_plugin_tests", raising=False)
    generic_plugin_tests = importlib.import_module("brainscore_vision.model_helpers.generic_plugin_tests")

    rng = np.random.default_rng(0)
    paths = {}
    for stimulus_id, name in (("stimid1", "rgb1.jpg"), ("stimid2", "rgb2.jpg"), ("stimid3", "rgb3.png")):
        paths[stimulus_id] = tmp_path / name
        Image.fromarray((rng.uniform(size=(64, 48, 3)) * 255).astype(np.uint8)).save(paths[stimulus_id])

    def make_stimulus_set():  # the same set as Brain-Score's, on local files
        stimuli = StimulusSet({
            "stimulus_id": ["stimid1", "stimid2", "stimid3"], "object_name": ["rgb", "rgb", "rgb"],
            "image_label": ["label1", "label1", "label2"], "filename": ["rgb1", "rgb2", "rgb3"]})
        stimuli.stimulus_paths = dict(paths)
        stimuli.identifier = "test_look_at_neural_V1.rgb_1_2"
        return stimuli

    brain_model = DynVisionBrainModel(TinyNet(), identifier="dynvision-tiny")
    monkeypatch.setattr(generic_plugin_tests, "load_model", lambda identifier: brain_model)
    monkeypatch.setattr(generic_plugin_tests, "_make_stimulus_set", make_stimulus_set)
    return generic_plugin_tests, brain_model


def test_identifier(generic):
    module, brain_model = generic
    module.test_identifier("dynvision-tiny")
    assert brain_model.identifier == "dynvision-tiny"


def test_visual_degrees(generic):
    module, brain_model = generic
    module.test_visual_degrees("dynvision-tiny")
    assert brain_model.visual_degrees() == 8


def test_start_task_or_recording(generic):
    module, brain_model = generic
    module.test_start_task_or_recording("dynvision-tiny")
    probe = module.ProbeModel()
    assert probe.can_start_recording(brain_model) and probe.can_start_task(brain_model)
    assert probe.can_start_recording_region(brain_model, BrainModel.RecordingTarget.V1)
    assert not probe.can_start_recording_region(brain_model, BrainModel.RecordingTarget.V2)  # nothing committed


def test_look_at_neural_V1(generic):
    module, brain_model = generic
    module.test_look_at_neural_V1("dynvision-tiny")  # returns early only if V1 cannot be recorded: it can
    assert module.ProbeModel().can_start_recording_region(brain_model, BrainModel.RecordingTarget.V1)


def test_look_at_behavior_probabilities(generic):
    module, brain_model = generic
    module.test_look_at_behavior_probabilities("dynvision-tiny")
    assert module.ProbeModel().can_start_task_specific(
        brain_model, task=BrainModel.Task.probabilities, fitting_stimuli=module._make_stimulus_set())
    with pytest.raises(ValueError, match="fitting_stimuli"):
        brain_model.start_task(BrainModel.Task.probabilities)


@pytest.fixture(scope="module")
def two_images(tmp_path_factory):
    return make_stimulus_set(write_images(tmp_path_factory.mktemp("two_images"), 2, size=16))


@pytest.mark.parametrize("name", registered_model_names())
def test_every_registered_model_records_through_the_adapter(name, two_images):
    """start_recording + look_at on 2 images, for each region the model declares: presentation x
    neuroid x time_bin, every stimulus column on presentation, unique neuroid ids, layer and region
    coords, bins in ms; responses finite and not constant once the image has reached the layer."""
    with zoo_test_model_registered():
        model, n_steps = tiny_registered(name)
    regions = type(model).region_layer_map
    assert regions, f"{name} declares no region_layer_map: the adapter could record nothing by default"
    half, end = (n_steps // 2) * model.dt, n_steps * model.dt
    bins = [(0, half), (half, end)]
    # the default (PCA) reduction, fitted on 16 reference images instead of 1000: a few seconds per model
    brain_model = DynVisionBrainModel(model, identifier=f"{name}-tiny", reference_images=16, max_features=8)
    for region, layer in regions.items():
        brain_model.start_recording(recording_target=region, time_bins=bins)
        assembly = brain_model.look_at(two_images, number_of_trials=1)
        assert assembly.dims == ("presentation", "neuroid", "time_bin"), (name, region)
        assert assembly.sizes["presentation"] == 2
        for column in two_images.columns:
            assert list(assembly[column].values) == list(two_images[column].values), (name, region, column)
        assert len(set(assembly["neuroid_id"].values)) == assembly.sizes["neuroid"] > 0, (name, region)
        assert set(assembly["layer"].values) == {layer} and set(assembly["region"].values) == {region}
        assert list(assembly["time_bin_start"].values) == [0, half]
        assert list(assembly["time_bin_end"].values) == [half, end]
        last = assembly.isel(time_bin=-1).values
        assert np.isfinite(assembly.values).all() and last.std() > 0, (name, region)
