"""The Python files of a registered plugin (filled in by :mod:`.writer`)."""
from __future__ import annotations

INIT = '''"""{identifier}: a DynVision {model_name} trained with `dynvision train` and registered
with `dynvision register` (dynvision {dynvision_version}).

Architecture, config and time mapping: dynvision_model.json; region->layer
map: region_layer_map/{identifier}.json; weights: {weights_note}.
"""
from brainscore_vision import model_registry

from .model import get_model

model_registry['{identifier}'] = lambda: get_model('{identifier}')
'''

MODEL = '''"""Builds the registered DynVision model as a Brain-Score BrainModel.

Everything that makes it this exact model is data in this folder:
dynvision_model.json (model class, resolved training config, weights file or
URL with its SHA-1, time mapping, visual degrees, normalization, feature
reduction) and region_layer_map/<identifier>.json (region -> layer).
"""
from pathlib import Path

from brain_models.submission.runtime import load_registered

PLUGIN_DIR = Path(__file__).resolve().parent

BIBTEX = {bibtex!r}


def get_model(identifier: str):
    """The DynVisionBrainModel registered as ``identifier``."""
    return load_registered(PLUGIN_DIR, identifier)


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
'''
