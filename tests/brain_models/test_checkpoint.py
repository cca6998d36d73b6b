"""Rebuilding a model from a checkpoint (class + config + weights)."""
import numpy as np
import pytest
import pytorch_lightning as pl
import torch

from brain_models import from_checkpoint, load_model, resolve_model_class

from .conftest import TinyNet


def save_checkpoint(model, path, **extra):
    torch.save({"state_dict": model.state_dict(), "hyper_parameters": dict(model.hparams),
                "pytorch-lightning_version": pl.__version__, **extra}, path)
    return path


def test_checkpoint_rebuilds_the_same_model(tmp_path, stimulus_set):
    torch.manual_seed(1)
    model = TinyNet(tau=6.0, dt=1.0)
    path = save_checkpoint(model, tmp_path / "tiny.ckpt")
    brain_model = from_checkpoint(path, model_class=TinyNet, identifier="from-ckpt")
    rebuilt = brain_model.model
    assert type(rebuilt) is TinyNet and rebuilt.dt == 1.0 and float(rebuilt.V1.tstep.tau) == 6.0
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(rebuilt.state_dict()[name], tensor)
    brain_model.start_recording("V1", [(0, 10)])
    assert np.isfinite(brain_model.look_at(stimulus_set).values).all()


def test_class_and_normalization_from_the_saved_config(tmp_path):
    model = TinyNet()
    config = {"model": {"name": "tests.brain_models.conftest:TinyNet", "args": {}},
              "data": {"name": "digits", "channels": 3, "mean": [0.1, 0.2, 0.3], "std": [0.5, 0.5, 0.5]}}
    path = save_checkpoint(model, tmp_path / "tiny.ckpt", dynvision_config=config)
    brain_model = from_checkpoint(path)
    assert type(brain_model.model).__name__ == "TinyNet"
    assert brain_model.loader.mean == (0.1, 0.2, 0.3) and brain_model.loader.std == (0.5, 0.5, 0.5)
    _, info = load_model(path)
    assert info["config"] == config and info["model_class"].endswith(":TinyNet")


def test_missing_class_and_file_are_clear_errors(tmp_path):
    path = save_checkpoint(TinyNet(), tmp_path / "anonymous.ckpt")
    with pytest.raises(ValueError, match="names no model class"):
        from_checkpoint(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        from_checkpoint(tmp_path / "nope.ckpt", model_class=TinyNet)
    with pytest.raises(ValueError, match="cannot be imported"):
        resolve_model_class("tests.brain_models.conftest:Nope")
