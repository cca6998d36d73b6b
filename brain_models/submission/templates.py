"""The Python files of a registered plugin (filled in by :mod:`.writer`)."""
from __future__ import annotations

INIT = '''"""{identifier}: {origin}, registered
with `dynvision register` (dynvision {dynvision_version}).

Architecture, config and time mapping: dynvision_model.json; region->layer
map: region_layer_map/{identifier}.json; weights: {weights_note}.
"""
from brainscore_vision import model_registry

from .model import get_model

model_registry['{identifier}'] = lambda: get_model('{identifier}')
'''

MODEL = '''"""Builds the registered model as a Brain-Score BrainModel.

Everything that makes it this exact model is data in this folder:
dynvision_model.json (resolved training config, weights file or URL with its
SHA-1, time mapping, visual degrees, normalization, feature reduction),
region_layer_map/<identifier>.json (region -> layer) and the weights file.
The code that runs it is the DynVision runtime in _dynvision_runtime/,
carried by this plugin (an installed package named dynvision is never used).
"""
from pathlib import Path

from ._dynvision_runtime.brain_models.submission.runtime import load_registered
from ._dynvision_runtime.{class_module} import {class_name} as MODEL_CLASS

PLUGIN_DIR = Path(__file__).resolve().parent

BIBTEX = {bibtex!r}


def get_model(identifier: str):
    """The DynVision BrainModel registered as ``identifier``."""
    return load_registered(PLUGIN_DIR, identifier, MODEL_CLASS)


def get_bibtex(identifier: str) -> str:
    return BIBTEX
'''

TEST = '''"""Tests of the DynVision plugin {identifier}.

Brain-Score's generic model-plugin checks (brainscore_vision.model_helpers.
generic_plugin_tests), run as they are on local images written to a temporary
folder, and the time-resolved recording this model commits to.
Run from a Brain-Score checkout with the plugin in brainscore_vision/models/:
    BS_INSTALL_DEPENDENCIES=no pytest brainscore_vision/models/{plugin}/test.py
"""
import importlib
import sys
import types

import numpy as np
import pytest
from PIL import Image

from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
from brainscore_vision import load_model

IDENTIFIERS = ['{identifier}']
OMITTED_REGIONS = {omitted_regions!r}
#: a static model's response is the same in every time bin (one forward pass per image)
STATIC = {static!r}
GENERIC = "brainscore_vision.model_helpers.generic_plugin_tests"
HELPER = "brainscore_core.plugin_management.generic_plugin_tests_helper"


@pytest.fixture
def generic(monkeypatch, tmp_path):
    """Brain-Score's generic plugin tests, with their three stimuli written locally
    (the installed package does not ship the image files)."""
    try:
        module = importlib.import_module(GENERIC)
    except ModuleNotFoundError as error:  # its pytest helper needs Brain-Score's CI extras (pytest_check)
        if error.name != "pytest_check":
            raise
        helper = types.ModuleType(HELPER)
        helper.pytest_generate_tests = lambda metafunc: None
        monkeypatch.setitem(sys.modules, HELPER, helper)
        module = importlib.import_module(GENERIC)
    rng = np.random.default_rng(0)
    paths = {{}}
    for stimulus_id, name in (("stimid1", "rgb1.png"), ("stimid2", "rgb2.png"), ("stimid3", "rgb3.png")):
        paths[stimulus_id] = tmp_path / name
        Image.fromarray((rng.uniform(size=(48, 48, 3)) * 255).astype(np.uint8)).save(paths[stimulus_id])

    def make_stimulus_set():  # Brain-Score's generic stimulus set, on the local files
        stimuli = StimulusSet({{
            "stimulus_id": ["stimid1", "stimid2", "stimid3"], "object_name": ["rgb", "rgb", "rgb"],
            "image_label": ["label1", "label1", "label2"], "filename": ["rgb1", "rgb2", "rgb3"]}})
        stimuli.stimulus_paths = dict(paths)
        stimuli.identifier = "dynvision-plugin-test.rgb_1_2_3"
        return stimuli

    monkeypatch.setattr(module, "_make_stimulus_set", make_stimulus_set)
    return module


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_identifier(generic, identifier):
    generic.test_identifier(identifier)
    assert load_model(identifier).identifier == identifier


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_visual_degrees(generic, identifier):
    generic.test_visual_degrees(identifier)


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_start_task_or_recording(generic, identifier):
    generic.test_start_task_or_recording(identifier)


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_look_at_neural_V1(generic, identifier):
    generic.test_look_at_neural_V1(identifier)


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_look_at_behavior_probabilities(generic, identifier):
    generic.test_look_at_behavior_probabilities(identifier)


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_time_resolved_recording(generic, identifier):
    """Each committed region is recorded in 10 ms bins: presentation x neuroid x time_bin."""
    model = load_model(identifier)
    bins = [(0, 10), (10, 20), (20, 30)]
    for region in sorted(model.region_layer_map):
        model.start_recording(region, time_bins=bins)
        recording = model.look_at(generic._make_stimulus_set(), number_of_trials=1)
        assert recording.dims == ("presentation", "neuroid", "time_bin")
        assert list(recording["time_bin_start"].values) == [0, 10, 20]
        assert list(recording["time_bin_end"].values) == [10, 20, 30]
        assert np.isfinite(recording.values).all()


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_V1_recording_at_50_to_100_ms(generic, identifier):
    """Brain-Score's standard single bin: presentation x neuroid, one value per unit."""
    model = load_model(identifier)
    if "V1" not in model.region_layer_map:
        pytest.skip("V1 was left out at registration")
    model.start_recording("V1", time_bins=[(50, 100)])
    recording = model.look_at(generic._make_stimulus_set(), number_of_trials=1)
    assert set(recording["stimulus_id"].values) == {{"stimid1", "stimid2", "stimid3"}}
    assert recording.sizes["neuroid"] >= 1 and np.isfinite(recording.values).all()


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_IT_changes_over_18_bins_from_70_to_250_ms(generic, identifier):
    """A temporal benchmark's request: 18 bins of 10 ms; the responses change over time
    (a static model's are the same in every bin)."""
    model = load_model(identifier)
    if "IT" not in model.region_layer_map:
        pytest.skip("IT was left out at registration")
    bins = [(start, start + 10) for start in range(70, 250, 10)]
    model.start_recording("IT", time_bins=bins)
    recording = model.look_at(generic._make_stimulus_set(), number_of_trials=1)
    assert recording.dims == ("presentation", "neuroid", "time_bin") and recording.sizes["time_bin"] == 18
    assert list(recording["time_bin_start"].values) == list(range(70, 250, 10))
    assert np.isfinite(recording.values).all()
    change = np.abs(np.diff(recording.values, axis=2)).max()
    if STATIC:
        assert change == 0, "a static model's IT responses change over time"
    else:
        assert change > 0, "the IT responses do not change over time"


@pytest.mark.parametrize("identifier", IDENTIFIERS)
def test_omitted_regions_are_refused(identifier):
    """A region left out at registration is refused with an error naming it."""
    model = load_model(identifier)
    for region in OMITTED_REGIONS:
        with pytest.raises(ValueError, match=f"commits no layer to region '{{region}}'"):
            model.start_recording(region, time_bins=[(70, 170)])
'''
