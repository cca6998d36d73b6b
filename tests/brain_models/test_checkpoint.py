"""Rebuilding a model from a checkpoint (class + config + weights) through the one loader."""
import numpy as np
import pytest
import torch

from brain_models import from_checkpoint
from dynvision.loading import CONFIG_KEY, MODEL_KEY, ModelClassNotFound, ModelSource, ModelSourceError, load_model
from dynvision.models import register_model
from dynvision.models.registry import unregister_model
from tests.helpers.models import TinyNet

CONFIG = {"model": {"name": "CheckpointTinyNet", "args": {"input_dims": [10, 3, 16, 16], "tau": 6.0, "dt": 1.0}},
          "data": {"name": "digits", "channels": 3, "image_size": 16, "mean": [0.1, 0.2, 0.3], "std": [0.5, 0.5, 0.5]}}


@pytest.fixture
def registered():
    cls = register_model("CheckpointTinyNet")(type("CheckpointTinyNet", (TinyNet,), {}))
    yield cls
    unregister_model("CheckpointTinyNet")


def save_checkpoint(model, path, name="CheckpointTinyNet", **extra):
    """The layout ``dynvision train`` writes: weights, the resolved config, the class record."""
    torch.save({"state_dict": model.state_dict(), CONFIG_KEY: CONFIG,
                MODEL_KEY: {"name": name, "class_path": "x:y", "module_file": None}, **extra}, path)
    return path


def test_checkpoint_rebuilds_the_same_model(tmp_path, stimulus_set, registered):
    torch.manual_seed(1)
    model = registered(input_dims=(10, 3, 16, 16), tau=6.0, dt=1.0)
    path = save_checkpoint(model, tmp_path / "tiny.ckpt")
    brain_model = from_checkpoint(path, identifier="from-ckpt")
    rebuilt = brain_model.model
    assert type(rebuilt) is registered and rebuilt.dt == 1.0 and float(rebuilt.V1.tstep.tau) == 6.0
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(rebuilt.state_dict()[name], tensor)
    # normalisation: the training config's data section (the model declares none)
    assert brain_model.loader.mean == (0.1, 0.2, 0.3) and brain_model.loader.std == (0.5, 0.5, 0.5)
    brain_model.start_recording("V1", [(0, 10)])
    assert np.isfinite(brain_model.look_at(stimulus_set).values).all()


def test_a_module_takes_a_weights_file(tmp_path):
    torch.manual_seed(1)
    trained = TinyNet(tau=6.0)
    torch.save(trained.state_dict(), tmp_path / "weights.pt")
    torch.manual_seed(2)
    loaded = load_model(ModelSource(TinyNet(tau=6.0), weights=tmp_path / "weights.pt"))
    assert loaded.weights.kind == "weights-file" and loaded.trained is True and len(loaded.weights.sha1) == 40
    for name, tensor in trained.state_dict().items():
        torch.testing.assert_close(loaded.model.state_dict()[name], tensor)
    assert load_model(ModelSource(TinyNet(tau=6.0))).weights.kind == "as-given"


def test_missing_class_and_file_are_clear_errors(tmp_path):
    plain = tmp_path / "plain.ckpt"
    torch.save({"state_dict": TinyNet().state_dict()}, plain)
    with pytest.raises(ModelSourceError, match="not written by `dynvision train`.*--weights"):
        from_checkpoint(plain)
    with pytest.raises(FileNotFoundError, match="no such file"):
        from_checkpoint(tmp_path / "nope.ckpt")
    unknown = save_checkpoint(TinyNet(), tmp_path / "unknown.ckpt", name="tests.helpers.models.TinyNet")
    # a name read from a file is looked up, never imported (even when it names an importable class)
    with pytest.raises(ModelClassNotFound, match="not available here: pass --model-module"):
        from_checkpoint(unknown)
