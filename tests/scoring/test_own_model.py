"""A model the user already has (any nn.Module, declared with ``static_model`` in their own file),
scored through ``dynvision score`` exactly as Brain-Score's metric scores its outputs."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from dynvision.cli import main

USER_FILE = textwrap.dedent('''
    """A user's own static network: a tiny CNN whose hidden layer stands for V4."""
    import torch
    from torch import nn

    from dynvision.models import register_model, static_model

    #: batch sizes of every forward pass (the test counts passes per image)
    FORWARD_BATCHES = []


    class TinyNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 3, padding=1)
            self.pool = nn.AdaptiveAvgPool2d(4)
            self.hidden = nn.Linear(96, 32)
            self.out = nn.Linear(32, 5)

        def forward(self, x):
            FORWARD_BATCHES.append(int(x.shape[0]))
            h = torch.relu(self.hidden(self.pool(torch.relu(self.conv(x))).flatten(1)))
            return self.out(h)


    @register_model("TinyStatic")
    def tiny_static():
        return static_model(TinyNet(), input_size=(3, 16, 16), mean=(0.5, 0.4, 0.3), std=(0.25, 0.2, 0.3),
                            visual_degrees=DEGREES, region_layer_map={"V4": "hidden"})
''')

MEAN, STD = (0.5, 0.4, 0.3), (0.25, 0.2, 0.3)


@pytest.fixture(autouse=True)
def forget_the_user_model():
    """Each test writes its own user file; the name it registers is forgotten afterwards."""
    from dynvision.models import unregister_model

    yield
    unregister_model("TinyStatic")


def _user_model(tmp_path: Path, degrees: float = 8.0, name: str = "my_models.py") -> Path:
    path = tmp_path / name
    path.write_text(USER_FILE.replace("DEGREES", repr(degrees)))
    return path


def _pretrained_weights(module_file: Path, tmp_path: Path) -> Path:
    """The network's weights fixed deterministically (not the factory's seed-0 initialisation)."""
    from dynvision.models import get_model, load_model_module

    load_model_module(module_file)
    torch.manual_seed(1234)
    net = get_model("TinyStatic")()
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    path = tmp_path / "tiny_static.pt"
    torch.save(net.state_dict(), path)
    return path


def _direct_features(module_file: Path, weights: Path, csv: Path, images: Path):
    """The hidden layer's outputs computed by hand: PIL -> RGB -> bilinear 16x16 -> (x - mean) / std."""
    import pandas as pd
    from PIL import Image

    from dynvision.models import get_model

    net = get_model("TinyStatic")()
    net.load_state_dict(torch.load(weights, weights_only=True))
    net.eval()
    table = pd.read_csv(csv)
    batch = []
    for filename in table["filename"]:
        with Image.open(images / filename) as image:
            array = np.asarray(image.convert("RGB").resize((16, 16), Image.BILINEAR), dtype=np.float32) / 255.0
        x = torch.from_numpy(array.copy()).permute(2, 0, 1)
        batch.append((x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1))
    with torch.no_grad():
        x = torch.stack(batch)
        hidden = net.hidden(net.pool(torch.relu(net.conv(x))).flatten(1))  # the output of the submodule "hidden"
    return table, hidden.numpy()


def _brainscore_raw(table, features, nc: Path, stratify: bool = True) -> float:
    """Brain-Score's PLS metric (stratified by object_name, its default splits) on the features
    against the repetition-averaged responses."""
    import xarray as xr
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision import load_metric

    with xr.open_dataarray(nc) as array:
        averaged = array.load().squeeze("time_bin", drop=True).groupby("stimulus_id").mean("presentation")
    ids = [str(s) for s in averaged["stimulus_id"].values]
    objects = dict(zip(table["stimulus_id"], table["object_name"]))
    target = NeuroidAssembly(averaged.values, dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", ids), "object_name": ("presentation", [objects[i] for i in ids]),
        "neuroid_id": ("neuroid", [str(n) for n in averaged["neuroid_id"].values]),
        "region": ("neuroid", ["V4"] * averaged.sizes["neuroid"])})
    order = [list(table["stimulus_id"]).index(i) for i in ids]
    source = NeuroidAssembly(features[order], dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", ids), "object_name": ("presentation", [objects[i] for i in ids]),
        "neuroid_id": ("neuroid", [f"hidden.{k}" for k in range(features.shape[1])]),
        "region": ("neuroid", ["V4"] * features.shape[1])})
    metric = load_metric("pls", crossvalidation_kwargs=dict(stratification_coord="object_name" if stratify else None))
    return float(metric(source, target))


@pytest.mark.slow
def test_a_pretrained_static_network_scores_as_brainscore_scores_its_outputs(tmp_path):
    from benchmarks.results import load_results
    from benchmarks.user_data.example import write_example
    from dynvision.models import get_model

    nc = write_example(tmp_path / "data", n_stimuli=40, n_neuroids=8, image_size=32, seed=3)
    module_file = _user_model(tmp_path)
    weights = _pretrained_weights(module_file, tmp_path)
    batches = get_model("TinyStatic").__globals__["FORWARD_BATCHES"]
    batches.clear()

    status = main(["score", "TinyStatic", "--model-module", str(module_file), "--weights", str(weights),
                   "--benchmark", str(nc), "--out", str(tmp_path / "results"), "--no-progress"])
    assert status == 0
    # one forward pass per image: a one-image probe for the layer shapes, then each of the 40 stimuli once
    assert batches[0] == 1 and sum(batches[1:]) == 40
    (result,) = load_results(tmp_path / "results")
    assert result.static is True
    assert result.weights_source["kind"] == "weights-file" and result.trained is True
    assert result.normalization["source"] == "model" and result.normalization["mean"] == pytest.approx(MEAN)
    assert result.field_of_view["model_degrees"] == 8.0 and result.field_of_view["input_size"] == [16, 16]
    assert result.field_of_view["stimulus_degrees_source"] == "declared by the data"
    assert any("stratified by 'object_name'" in note for note in result.notes)

    table, features = _direct_features(module_file, weights, nc.with_suffix(".csv"), nc.parent / "images")
    assert result.raw == pytest.approx(_brainscore_raw(table, features, nc), abs=1e-6)
    # the splits matter: the same metric with unstratified splits gives another number
    assert abs(result.raw - _brainscore_raw(table, features, nc, stratify=False)) > 1e-3


def test_the_response_is_held_in_every_time_bin(tmp_path):
    """Several bins: one pass per image, the same features in every bin (Brain-Score's TemporalAligned)."""
    from brain_models import DynVisionBrainModel
    from dynvision.loading import ModelSource, load_model
    from dynvision.models import get_model

    module_file = _user_model(tmp_path)
    loaded = load_model(ModelSource("TinyStatic", model_module=module_file))
    brain_model = DynVisionBrainModel(loaded.model, identifier=loaded.identifier)
    assert brain_model.visual_degrees() == 8.0 and brain_model.trained_horizon_ms is None
    from benchmarks.user_data.example import write_example

    nc = write_example(tmp_path / "data", n_stimuli=6, n_neuroids=2, image_size=16, seed=0)
    paths = sorted(str(p) for p in (nc.parent / "images").iterdir())
    batches = get_model("TinyStatic").__globals__["FORWARD_BATCHES"]
    brain_model.start_recording("V4", [(0, 50), (50, 100), (100, 250)])
    batches.clear()
    assembly = brain_model.look_at(paths)
    assert sum(batches) == 6 and assembly.sizes["time_bin"] == 3
    values = assembly.transpose("presentation", "neuroid", "time_bin").values
    np.testing.assert_array_equal(values[..., 0], values[..., 1])
    np.testing.assert_array_equal(values[..., 0], values[..., 2])
    assert assembly.attrs["static"] == 1


def test_a_field_of_view_the_data_does_not_declare_is_said_and_recorded(tmp_path, capsys):
    import xarray as xr

    from benchmarks.results import load_results
    from benchmarks.user_data.example import write_example

    nc = write_example(tmp_path / "data", n_stimuli=40, n_neuroids=4, image_size=16, seed=4)
    with xr.open_dataarray(nc) as array:
        array = array.load()
    del array.attrs["visual_degrees"]
    nc.unlink()
    array.to_netcdf(nc)
    module_file = _user_model(tmp_path, degrees=4.0, name="fov_models.py")
    status = main(["score", "TinyStatic", "--model-module", str(module_file), "--benchmark", str(nc),
                   "--out", str(tmp_path / "results"), "--no-progress"])
    assert status == 0
    output = capsys.readouterr()
    said = (output.out + output.err).count("field of view: model field 4 deg (declared by the model)")
    assert said == 1
    (result,) = load_results(tmp_path / "results")
    assert result.field_of_view["stimulus_degrees"] == 8.0
    assert result.field_of_view["stimulus_degrees_source"].startswith("assumed")
    assert result.field_of_view["scale"] == 2.0
    assert result.settings["visual_degrees"] == 4.0
    assert any("field of view" in note for note in result.notes)


def test_config_overrides_on_a_static_model_are_refused(tmp_path):
    from dynvision.loading import ModelSource, ModelSourceError, load_model

    module_file = _user_model(tmp_path)
    with pytest.raises(ModelSourceError, match="--set model.args.dt=2: TinyStatic is a static model"):
        load_model(ModelSource("TinyStatic", model_module=module_file, overrides=["model.args.dt=2"]))


def test_a_region_naming_no_submodule_is_an_error():
    from torch import nn

    from dynvision.models import static_model

    with pytest.raises(ValueError, match="region_layer_map\\['V4'\\]='hiden' is not a submodule"):
        static_model(nn.Sequential(nn.Conv2d(3, 2, 3)), input_size=(3, 8, 8), region_layer_map={"V4": "hiden"})


def test_a_refused_data_file_is_reported_before_the_model_is_built(tmp_path, capsys):
    """The data file is checked first: its refusal comes before the model is built (whose banner
    would be printed)."""
    import xarray as xr

    from benchmarks.user_data.example import write_example

    nc = write_example(tmp_path / "data", n_stimuli=8, n_neuroids=2, image_size=16, seed=0)
    with xr.open_dataarray(nc) as array:
        array = array.load().drop_vars("repetition")
    nc.unlink()
    array.to_netcdf(nc)
    module_file = _user_model(tmp_path)
    status = main(["score", "TinyStatic", "--model-module", str(module_file), "--benchmark", str(nc),
                   "--out", str(tmp_path / "results"), "--no-progress"])
    output = capsys.readouterr()
    assert status != 0
    assert "coordinate 'repetition'" in output.err
    assert "model: TinyStatic" not in output.out + output.err


def test_compare_refuses_a_static_model_naming_the_way_to_score_it(tmp_path, capsys):
    from benchmarks.user_data.example import write_example

    nc = write_example(tmp_path / "data", n_stimuli=8, n_neuroids=2, image_size=16, seed=0)
    module_file = _user_model(tmp_path)
    status = main(["compare", "TinyStatic", "--model-module", str(module_file), "--benchmark", str(nc),
                   "--out", str(tmp_path / "compare"), "--no-progress"])
    assert status != 0
    assert "a static model (static_model) has no config to vary" in capsys.readouterr().err
    assert not (tmp_path / "compare").exists()
