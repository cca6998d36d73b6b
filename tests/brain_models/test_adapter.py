"""The recording contract: assembly shape and coordinates, streaming = full
computation, images, errors, no writes outside DYNVISION_HOME."""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from brainscore_vision.model_interface import BrainModel
from PIL import Image

from brain_models import DynVisionBrainModel, LayerReducer, StimulusError, plan_time

from .conftest import make_stimulus_set

BINS = [(0, 10), (10, 20), (20, 50), (50, 120)]


def test_assembly_has_the_brainscore_shape(tiny_model, stimulus_set):
    brain_model = DynVisionBrainModel(tiny_model, identifier="tiny")
    brain_model.start_recording(recording_target="V1", time_bins=BINS)
    assembly = brain_model.look_at(stimuli=stimulus_set, number_of_trials=1)
    assert assembly.dims == ("presentation", "neuroid", "time_bin")
    assert assembly.sizes["presentation"] == len(stimulus_set)
    for column in stimulus_set.columns:  # every StimulusSet column on presentation
        assert assembly[column].dims == ("presentation",)
        assert list(assembly[column].values) == list(stimulus_set[column].values)
    assert len(set(assembly["neuroid_id"].values)) == assembly.sizes["neuroid"]
    assert set(assembly["layer"].values) == {"V1"} and set(assembly["region"].values) == {"V1"}
    assert list(assembly["time_bin_start"].values) == [0, 10, 20, 50]
    assert list(assembly["time_bin_end"].values) == [10, 20, 50, 120]
    assert np.isfinite(assembly.values).all() and assembly.values.std() > 0


def test_one_bin_drops_the_time_dimension_as_brainscore_does(tiny_model, stimulus_set):
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_recording("IT", time_bins=[(70, 170)])
    assembly = brain_model.look_at(stimulus_set)
    assert assembly.dims == ("presentation", "neuroid")
    assert tuple(assembly["time_bin"].values.item()) == (70, 170)
    brain_model = DynVisionBrainModel(tiny_model, squeeze_single_bin=False)
    brain_model.start_recording("IT", time_bins=np.array([(70, 170)], dtype=object))
    assert brain_model.look_at(stimulus_set).dims == ("presentation", "neuroid", "time_bin")


def _reference_bins(model, images, plan, layer, reducer):
    """Every step of the full run held at once (what the adapter avoids), then binned."""
    frames = torch.zeros((images.shape[0], plan.n_steps) + tuple(images.shape[1:]))
    frames[:, :plan.n_presentation_steps] = images.unsqueeze(1)
    saved, model.t_presentation = model.t_presentation, None
    with torch.no_grad():
        model(frames, store_responses=True)
    model.t_presentation = saved
    responses = model.get_responses()[layer]  # (B, T, C, H, W)
    b, t = responses.shape[:2]
    features = reducer(responses.reshape((b * t,) + tuple(responses.shape[2:]))).reshape(b, t, -1)
    return torch.einsum("btf,nt->bnf", features, torch.as_tensor(plan.weights, dtype=features.dtype))


@pytest.mark.parametrize("layer, batch_size, segment", [("V1", 5, 3), ("IT", 64, 16), ("classifier", 4, 1)])
def test_streaming_equals_holding_every_step(tiny_model, stimulus_set, layer, batch_size, segment):
    tiny_model.region_layer_map = {"X": layer}
    brain_model = DynVisionBrainModel(tiny_model, batch_size=batch_size, max_segment_steps=segment,
                                      t_presentation=30)
    brain_model.start_recording("X", BINS)
    assembly = brain_model.look_at(stimulus_set)
    plan = plan_time(BINS, tiny_model.dt, 30)
    images = brain_model.loader.load_batch([str(p) for p in stimulus_set.stimulus_paths.values()],
                                           list(stimulus_set["stimulus_id"]))
    expected = _reference_bins(tiny_model, images, plan, layer, brain_model._reducers[layer])
    np.testing.assert_allclose(assembly.transpose("presentation", "time_bin", "neuroid").values,
                               expected.numpy(), rtol=1e-4, atol=1e-5)


def test_image_shown_then_blank(tiny_model, stimulus_set):
    """With a short presentation, late bins decay; with the image shown throughout they do not."""
    bins = [(10, 20), (180, 200)]
    short = DynVisionBrainModel(tiny_model, t_presentation=20)
    short.start_recording("V1", bins)
    always = DynVisionBrainModel(tiny_model, t_presentation=None)
    always.start_recording("V1", bins)
    a, b = short.look_at(stimulus_set), always.look_at(stimulus_set)
    np.testing.assert_allclose(a.isel(time_bin=0).values, b.isel(time_bin=0).values, rtol=1e-5)
    # after the image is gone the stimulus-specific part of the response decays away
    late_short, late_always = a.isel(time_bin=1).values, b.isel(time_bin=1).values
    assert late_short.std(axis=0).mean() < 0.05 * late_always.std(axis=0).mean()


def test_list_of_paths_and_duplicates(tiny_model, image_paths):
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_recording("V1", [(0, 20)])
    paths = [str(image_paths[0]), str(image_paths[1]), str(image_paths[0])]
    assembly = brain_model.look_at(paths)
    assert list(assembly["stimulus_id"].values) == paths
    np.testing.assert_array_equal(assembly.values[0], assembly.values[2])


def test_any_pil_format_and_grey_images(tiny_model, tmp_path):
    rng = np.random.default_rng(0)
    pixels = (rng.uniform(size=(30, 40, 3)) * 255).astype(np.uint8)
    paths = []
    for fmt, mode in (("png", "RGBA"), ("jpg", "RGB"), ("bmp", "L"), ("gif", "P"), ("tiff", "RGB")):
        path = tmp_path / f"image.{fmt}"
        Image.fromarray(pixels).convert(mode).save(path)
        paths.append(str(path))
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_recording("V1", [(0, 10)])
    assert np.isfinite(brain_model.look_at(paths).values).all()


def test_missing_or_corrupt_file_names_the_stimulus(tiny_model, image_paths, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_recording("V1", [(0, 10)])
    stimuli = make_stimulus_set([image_paths[0], broken])
    with pytest.raises(StimulusError, match=r"stim001.*broken\.png.*cannot be read"):
        brain_model.look_at(stimuli)
    stimuli = make_stimulus_set([image_paths[0], tmp_path / "gone.jpg"])
    with pytest.raises(StimulusError, match=r"stim001.*gone\.jpg.*not found"):
        brain_model.look_at(stimuli)


def test_normalization_from_arguments(tiny_model, image_paths):
    default = DynVisionBrainModel(tiny_model)
    assert default.loader.mean == (0.485, 0.456, 0.406)
    custom = DynVisionBrainModel(tiny_model, mean=[0.5] * 3, std=[0.25] * 3)
    x = custom.loader.load(str(image_paths[0]))
    raw = np.asarray(Image.open(image_paths[0]).convert("RGB").resize((16, 16), Image.BILINEAR)) / 255.0
    np.testing.assert_allclose(x.numpy(), (raw.transpose(2, 0, 1) - 0.5) / 0.25, atol=1e-5)
    with pytest.raises(ValueError, match="one per input channel"):
        DynVisionBrainModel(tiny_model, mean=[0.5])
    with pytest.raises(ValueError, match="image_size"):
        DynVisionBrainModel(tiny_model, image_size=224)


def test_region_layer_map_override_and_errors(tiny_model, stimulus_set):
    brain_model = DynVisionBrainModel(tiny_model, region_layer_map={"V4": "IT", "V1": ["V1", "IT"]})
    assert brain_model.region_layer_map == {"V1": ["V1", "IT"], "IT": "IT", "V4": "IT"}
    brain_model.start_recording("V1", [(0, 10)])
    assembly = brain_model.look_at(stimulus_set)
    assert set(assembly["layer"].values) == {"V1", "IT"}
    assert len(set(assembly["neuroid_id"].values)) == assembly.sizes["neuroid"]
    with pytest.raises(ValueError, match=r"no layer is committed to region 'V2'.*select_layer"):
        brain_model.start_recording("V2", [(0, 10)])
    bad = DynVisionBrainModel(tiny_model, region_layer_map={"V2": "nope"})
    with pytest.raises(ValueError, match="cannot record layer 'nope'"):
        bad.start_recording("V2", [(0, 10)])


def test_look_at_before_start_is_an_error(tiny_model, stimulus_set):
    brain_model = DynVisionBrainModel(tiny_model)
    with pytest.raises(RuntimeError, match="start_recording"):
        brain_model.look_at(stimulus_set)
    brain_model.start_task(BrainModel.Task.passive)
    assert brain_model.look_at(stimulus_set) is None


def test_deterministic_and_model_left_as_found(tiny_model, stimulus_set):
    tiny_model.t_presentation = 50.0
    brain_model = DynVisionBrainModel(tiny_model, t_presentation=20)
    brain_model.start_recording("IT", BINS)
    first = brain_model.look_at(stimulus_set).values
    second = brain_model.look_at(stimulus_set).values
    np.testing.assert_array_equal(first, second)
    assert tiny_model.t_presentation == 50.0 and not tiny_model.training


@pytest.mark.parametrize("reduction", ["pool", "project", "none"])
def test_feature_reduction_is_bounded_linear_and_deterministic(reduction):
    shape = (6, 10, 10)
    reducer = LayerReducer("V1", shape, max_features=100, reduction=reduction, seed=3)
    again = LayerReducer("V1", shape, max_features=100, reduction=reduction, seed=3)
    x, y = torch.randn(4, *shape), torch.randn(4, *shape)
    if reduction == "none":
        assert reducer.n_features == 600
    else:
        assert reducer.n_features <= 100
    torch.testing.assert_close(reducer(x + 2 * y), reducer(x) + 2 * reducer(y), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(reducer(x), again(x))
    assert reducer(x).shape == (4, reducer.n_features)
    many_channels = LayerReducer("IT", (300, 2, 2), max_features=100, reduction="pool")
    assert many_channels.kind == "pool+project" and many_channels(torch.randn(2, 300, 2, 2)).shape == (2, 100)


def test_pool_grid_fills_the_budget():
    reducer = LayerReducer("V1", (8, 32, 32), max_features=1000, reduction="pool")
    assert reducer.grid == (11, 11) and reducer.n_features == 968
    sample = torch.randn(1, 8, 32, 32)
    torch.testing.assert_close(reducer(sample), F.adaptive_avg_pool2d(sample, 11).reshape(1, -1))


def test_no_files_written_outside_dynvision_home(tiny_model, stimulus_set, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("DYNVISION_HOME", str(home))
    before = set(os.listdir(tmp_path))
    cwd_before = set(os.listdir(os.getcwd()))
    brain_model = DynVisionBrainModel(tiny_model)
    brain_model.start_recording("V1", BINS)
    brain_model.look_at(stimulus_set)
    assert set(os.listdir(tmp_path)) == before
    assert set(os.listdir(os.getcwd())) == cwd_before


def test_core_records_only_the_named_layers(tiny_model):
    """The adapter asks the core for the recorded layers alone (store_responses=[...])."""
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        logits = tiny_model(x, store_responses=["IT"])
        only_it = tiny_model.get_responses()
        tiny_model(x, store_responses=True)
        everything = tiny_model.get_responses()
    assert set(only_it) == {"IT", "classifier"} and set(everything) == {"V1", "IT", "classifier"}
    torch.testing.assert_close(only_it["IT"], everything["IT"])
    torch.testing.assert_close(logits, everything["classifier"])
