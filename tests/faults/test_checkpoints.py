"""Checkpoints and weights files never run code, and the config stored with a model is the model that ran.

Every command that reads a checkpoint (score, register, experiment, train --resume,
compare --checkpoints) is given one whose pickle would create a marker file; each
refuses it in one line naming the file, and the marker never appears.
"""
from __future__ import annotations

import builtins
from pathlib import Path

import pytest
import torch

from dynvision.cli import main
from dynvision.loading import (
    CONFIG_KEY,
    MODEL_KEY,
    CheckpointRefused,
    ModelClassNotFound,
    ModelSource,
    load_model,
    read_checkpoint,
)
from dynvision.training.checkpoint_io import SafeCheckpointIO
from tests.helpers.configs import X2_8PX_QUICK as TINY
from tests.helpers.configs import sets as _sets


class Payload:
    """Unpickling this calls ``open(marker, "w")``: the file appears if the pickle runs."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.open, (self.marker, "w"))


def _tiny_config(*extra):
    from dynvision.config import load_config

    return load_config(None, [*TINY, *extra])


def _checkpoint_of(config, path: Path, **extra) -> Path:
    """A checkpoint in the layout ``dynvision train`` writes, without training (weights as built)."""
    from dynvision.loading import build_model, model_record

    model = build_model(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), CONFIG_KEY: config.to_dict(), MODEL_KEY: model_record(model),
                **extra}, path)
    return path


@pytest.fixture
def payload(tmp_path):
    """(checkpoint with a payload, the marker it would create) -- a valid DynVision checkpoint otherwise."""
    marker = tmp_path / "MARKER"
    path = _checkpoint_of(_tiny_config(), tmp_path / "evil" / "checkpoints" / "last.ckpt", callbacks=Payload(marker))
    return path, marker


def _refused(capsys, marker: Path, path: Path) -> str:
    err = capsys.readouterr().err
    assert not marker.exists(), "the pickle payload ran"
    assert f"{path}: refused to load" in err and "re-save its tensors as a state dict" in err
    return err


def test_the_reader_refuses_a_payload_and_names_the_file(payload):
    path, marker = payload
    with pytest.raises(CheckpointRefused, match=rf"{path}: refused to load: it holds a pickled io.open, which could run code"):
        read_checkpoint(path)
    with pytest.raises(CheckpointRefused):  # Lightning's resume and test reads go through the same reader
        SafeCheckpointIO().load_checkpoint(path)
    assert not marker.exists()


def test_score_refuses_a_payload(payload, capsys, tmp_path):
    path, marker = payload
    assert main(["score", str(path), "-b", "synthetic", "--out", str(tmp_path / "results"), "--no-progress"]) == 2
    _refused(capsys, marker, path)
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_register_refuses_a_payload(payload, capsys, tmp_path):
    path, marker = payload
    assert main(["register", "--checkpoint", str(path), "--identifier", "evil-model", "--out",
                 str(tmp_path / "submission")]) == 2
    _refused(capsys, marker, path)


def test_experiment_refuses_a_payload(payload, capsys, tmp_path):
    path, marker = payload
    assert main(["experiment", "response", "--checkpoint", str(path), "--out", str(tmp_path / "exp")]) == 2
    _refused(capsys, marker, path)


def test_train_resume_refuses_a_payload(payload, capsys, tmp_path):
    path, marker = payload
    assert main(["train", "DyRCNNx2", *_sets(TINY), "--out", str(tmp_path / "run"), "--resume", str(path)]) == 2
    _refused(capsys, marker, path)


def test_compare_checkpoints_skips_a_payload_and_says_so(payload, capsys, tmp_path):
    path, marker = payload
    assert main(["compare", "DyRCNNx2", "--vary", "tau=8", "-b", "synthetic", "--checkpoints",
                 str(path.parent.parent), "--out", str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err
    assert not marker.exists()
    assert f"skipped {path}: refused to load" in err and "no checkpoint of DyRCNNx2" in err


def test_a_module_file_named_by_a_checkpoint_is_never_imported(tmp_path):
    marker = tmp_path / "IMPORTED"
    module = tmp_path / "evil_models.py"
    module.write_text(f"open({str(marker)!r}, 'w').close()\n")
    config = _tiny_config()
    path = _checkpoint_of(config, tmp_path / "user.ckpt")
    content = torch.load(path, weights_only=True)
    content[CONFIG_KEY]["model"]["name"] = "EvilNet"
    content[MODEL_KEY] = {"name": "EvilNet", "class_path": "evil_models:EvilNet", "module_file": str(module)}
    torch.save(content, path)
    with pytest.raises(ModelClassNotFound, match=rf"{path} holds a model 'EvilNet'.*pass --model-module"):
        load_model(ModelSource(path))
    assert not marker.exists()


def test_no_option_unpickles_a_file(tmp_path):
    """A file holding more than tensors and plain data is refused by every reader, with the way out
    (re-save it as a state dict yourself); no flag or argument loads it."""
    from dynvision.loading import read_torch_file

    path = tmp_path / "legacy.pt"
    torch.save({"note": Path("a")}, path)  # a pickled class outside plain data
    with pytest.raises(CheckpointRefused, match="pathlib.*re-save its tensors as a state dict"):
        read_torch_file(path)
    with pytest.raises(TypeError):
        read_torch_file(path, trust=True)  # type: ignore[call-arg]


# ----------------------------------------------------------------- the stored config is the model that ran
def test_a_fixed_tau_is_config_not_weights(tmp_path):
    """tau (not trainable) is no entry of the state dict: weights cannot override the config. A
    checkpoint written while it still was (tau 20 stored, config 8) runs the config's tau."""
    config = _tiny_config()
    path = _checkpoint_of(config, tmp_path / "tau.ckpt")
    content = torch.load(path, weights_only=True)
    assert not [key for key in content["state_dict"] if key.endswith("tau")]
    content["state_dict"]["V1.tstep.tau"] = torch.tensor(20.0)  # the legacy layout
    torch.save(content, path)
    model = load_model(ModelSource(path)).model
    assert {float(module.tau) for module in model.modules() if hasattr(module, "step_ratio")} == {8.0}
    trainable = _tiny_config("model.args.trainable_tau=true")
    from dynvision.loading import build_model

    assert any(key.endswith("tau") for key in build_model(trainable).state_dict())  # a learned tau is a weight


def test_compare_variants_of_tau_load_their_own_weights_and_tau(tmp_path):
    """``compare --vary tau=8,20 --checkpoints``: each variant is scored with its own checkpoint's model."""
    from benchmarks.compare.plan import build_plan
    from benchmarks.runner import ModelSource
    from benchmarks.runner import load_model as runner_load

    for tau, seed in ((8, 1), (20, 2)):
        torch.manual_seed(seed)
        _checkpoint_of(_tiny_config(f"model.args.tau={tau}"), tmp_path / f"tau{tau}" / "checkpoints" / "best.ckpt")
    plan = build_plan("DyRCNNx2", {"tau": [8, 20]}, ["synthetic"], tmp_path / "cmp", source="checkpoint",
                      checkpoints=tmp_path, overrides=[o for o in TINY[1:] if "tau" not in o])
    loaded = {item.values["tau"]: runner_load(ModelSource("DyRCNNx2", checkpoint=item.checkpoint)) for item in plan.items}
    assert loaded[8].weights_hash != loaded[20].weights_hash
    for tau, model in loaded.items():
        assert model.config.model.args["tau"] == tau
        assert {float(m.tau) for m in model.model.modules() if hasattr(m, "step_ratio")} == {float(tau)}


@pytest.mark.slow
def test_resume_with_a_changed_model_section_is_refused_unless_asked(tmp_path, capsys):
    """Train (tau 8, with early stopping and a scheduler: all of Lightning's state), then resume with tau 20."""
    run = tmp_path / "run"
    extra = ["callbacks.early_stopping={monitor: val_loss, patience: 2}", "scheduler.name=StepLR",
             "scheduler.args={step_size: 1}"]
    assert main(["train", "DyRCNNx2", *_sets(TINY + extra), "--out", str(run), "--no-test"]) == 0
    last = run / "checkpoints" / "last.ckpt"
    stored = read_checkpoint(last)  # what Lightning stores holds tensors and plain data only
    assert {"optimizer_states", "lr_schedulers", "callbacks", "loops"} <= set(stored)
    capsys.readouterr()
    changed = [*TINY, *extra, "model.args.tau=20", "trainer.max_epochs=2"]
    assert main(["train", "DyRCNNx2", *_sets(changed), "--out", str(run), "--resume", "--no-test"]) == 2
    err = capsys.readouterr().err
    assert "different model section (model.args.tau)" in err and "--allow-model-change" in err
    assert read_checkpoint(last)["global_step"] == stored["global_step"]  # nothing was trained
    assert main(["train", "DyRCNNx2", *_sets(changed), "--out", str(run), "--resume", "--no-test",
                 "--allow-model-change"]) == 0
    resumed = load_model(ModelSource(last))
    assert resumed.config.model.args["tau"] == 20
    assert {float(m.tau) for m in resumed.model.modules() if hasattr(m, "step_ratio")} == {20.0}
