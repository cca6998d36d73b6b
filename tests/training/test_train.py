"""train(): outputs, checkpoints that rebuild their model, resume, seeding,
optimizer and loss settings from the config."""
from __future__ import annotations

import csv
import subprocess
import sys
import textwrap

import pytest
import torch

from dynvision.config import load_config
from dynvision.model_components import temporal_cross_entropy
from dynvision.training import (
    CONFIG_KEY,
    MODEL_KEY,
    build_model,
    checkpoint_config,
    load_checkpoint,
    train,
)

from .conftest import tiny_config


def _load(path):
    return torch.load(path, map_location="cpu", weights_only=True)


# ------------------------------------------------------------------ outputs
def test_run_directory_layout(trained_tiny):
    config, result = trained_tiny
    assert result.config_path == result.output_dir / "config.yaml"
    assert result.best_checkpoint.is_file() and result.best_checkpoint.parent.name == "checkpoints"
    assert result.last_checkpoint == result.output_dir / "checkpoints" / "last.ckpt"
    assert (result.log_dir / "metrics.csv").is_file()
    assert not list(result.output_dir.glob(".*.tmp"))  # atomic write left nothing behind
    assert {"val_acc", "val_loss", "test_acc", "test_loss"} <= set(result.metrics)
    assert 0.0 <= result.test_accuracy <= 1.0


def test_resolved_config_next_to_outputs(trained_tiny):
    config, result = trained_tiny
    assert load_config(result.config_path) == config


@pytest.mark.parametrize("which", ["best_checkpoint", "last_checkpoint"])
def test_checkpoint_contains_resolved_config(trained_tiny, which):
    config, result = trained_tiny
    checkpoint = _load(getattr(result, which))
    assert checkpoint[CONFIG_KEY] == config.to_dict()
    assert checkpoint_config(getattr(result, which)) == config
    assert checkpoint[MODEL_KEY]["name"] == "DyRCNNx2"
    assert checkpoint[MODEL_KEY]["class_path"] == "dynvision.models.dyrcnn:DyRCNNx2"


def test_rebuild_from_checkpoint_gives_identical_outputs(trained_tiny):
    config, result = trained_tiny
    from dynvision.models import DyRCNNx2

    trained = result.model.eval()
    rebuilt = load_checkpoint(result.best_checkpoint)
    via_lightning = DyRCNNx2.load_from_checkpoint(result.best_checkpoint).eval()
    assert type(rebuilt) is DyRCNNx2 and not rebuilt.training
    assert rebuilt.dynvision_config == config
    x = torch.randn(5, 1, 8, 8)
    with torch.no_grad():
        expected = trained(x)
        assert torch.equal(rebuilt(x), expected)
        assert torch.equal(via_lightning(x), expected)
    # the training settings come back too
    assert rebuilt.optimizer_name == config.optimizer.name
    assert rebuilt.t_reaction == config.loss.t_reaction


def test_rebuild_in_a_fresh_process(trained_tiny):
    """Nothing but the checkpoint file: a new interpreter rebuilds the model."""
    _, result = trained_tiny
    script = textwrap.dedent(f"""
        import torch
        from dynvision.training import load_checkpoint
        model = load_checkpoint({str(result.best_checkpoint)!r})
        torch.manual_seed(1)
        print(repr(model(torch.randn(2, 1, 8, 8)).sum().item()))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    torch.manual_seed(1)
    with torch.no_grad():
        expected = result.model.eval()(torch.randn(2, 1, 8, 8)).sum().item()
    assert float(out.stdout.strip().splitlines()[-1]) == expected


# ------------------------------------------------------------------- resume
def test_resume_continues_from_last(tmp_path):
    first = train(tiny_config(), out=tmp_path)
    step_one = _load(first.last_checkpoint)["global_step"]
    assert step_one == 3
    with pytest.raises(FileExistsError, match="--resume"):
        train(tiny_config(), out=tmp_path)
    second = train(tiny_config("trainer.max_epochs=2"), out=tmp_path, resume="last")
    assert second.resumed_from == first.last_checkpoint
    last = _load(second.last_checkpoint)
    assert last["global_step"] == 2 * step_one and last["epoch"] == 1
    # and from an explicit path
    third = train(tiny_config("trainer.max_epochs=3"), out=tmp_path, resume=second.last_checkpoint)
    assert _load(third.last_checkpoint)["global_step"] == 3 * step_one


def test_resume_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(tiny_config(), out=tmp_path, resume="last")


def test_overwrite_starts_over(tmp_path):
    train(tiny_config(), out=tmp_path)
    result = train(tiny_config(), out=tmp_path, overwrite=True)
    assert _load(result.last_checkpoint)["global_step"] == 3


def test_seeded_runs_are_identical(tmp_path):
    a = train(tiny_config(), out=tmp_path / "a", test=False)
    b = train(tiny_config(), out=tmp_path / "b", test=False)
    c = train(tiny_config("seed=1"), out=tmp_path / "c", test=False)
    sa, sb, sc = (_load(r.last_checkpoint)["state_dict"] for r in (a, b, c))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


# ------------------------------------------------------ optimizer and loss
def test_param_group_learning_rates(tmp_path):
    config = tiny_config(
        "optimizer.args.lr=0.002",
        'optimizer.param_groups=[{match: "recurrence", lr: 0.0001}, {match: "classifier", lr: 0.01, weight_decay: 0.1}]',
    )
    model = build_model(config)
    optimizer = model.configure_optimizers()
    groups = optimizer.param_groups
    assert [g["lr"] for g in groups] == [0.002, 0.0001, 0.01]
    assert groups[2]["weight_decay"] == 0.1
    names = {id(p): n for n, p in model.named_parameters()}
    assert all("recurrence" in names[id(p)] for p in groups[1]["params"])
    assert all("classifier" in names[id(p)] for p in groups[2]["params"])
    assert not any("recurrence" in names[id(p)] or "classifier" in names[id(p)] for p in groups[0]["params"])
    # and the trainer used them: the learning-rate monitor logged each group
    result = train(config, out=tmp_path, test=False)
    with open(result.log_dir / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    logged = {k: float(r[k]) for r in rows for k in r if k.startswith("lr-") and r[k]}
    assert sorted(logged.values()) == pytest.approx([0.0001, 0.002, 0.01])


def test_scheduler_from_config(tmp_path):
    config = tiny_config("scheduler.name=StepLR", "scheduler.args={step_size: 1, gamma: 0.5}", "trainer.max_epochs=2")
    result = train(config, out=tmp_path, test=False)
    state = _load(result.last_checkpoint)["optimizer_states"][0]
    assert state["param_groups"][0]["lr"] == pytest.approx(0.001 * 0.25)


def test_reaction_time_excludes_early_steps():
    config = tiny_config("loss.t_reaction=4")  # dt = 2 ms: steps 0 and 1 end at 2 and 4 ms
    model = build_model(config)
    assert model.reaction_steps == 2
    logits = torch.randn(6, 4, 10, requires_grad=True)
    labels = torch.randint(0, 10, (6,))
    model.forward = lambda x, **kwargs: logits  # the loss sees exactly these logits
    loss = model.training_step((torch.zeros(6, 1, 8, 8), labels), 0)
    loss.backward()
    assert torch.all(logits.grad[:, :2] == 0)
    assert torch.all(logits.grad[:, 2:].abs().sum(-1) > 0)
    assert loss.item() == pytest.approx(temporal_cross_entropy(logits, labels, 2).item())


def test_model_args_cannot_shadow_training_sections():
    from dynvision.config import ConfigError

    with pytest.raises(ConfigError, match="loss.t_reaction"):
        build_model(tiny_config("model.args.t_reaction=4"))


# --------------------------------------------------------------- callbacks
def test_extra_callbacks_from_config(tmp_path):
    config = tiny_config(
        'callbacks.extra=[{class_path: pytorch_lightning.callbacks.Timer, init_args: {duration: "00:00:10:00"}}]',
        "callbacks.early_stopping={monitor: val_loss, patience: 0}",
    )
    from dynvision.training import build_trainer

    trainer = build_trainer(config, tmp_path)
    kinds = [type(c).__name__ for c in trainer.callbacks]
    for kind in ("ModelCheckpoint", "LearningRateMonitor", "EarlyStopping", "Timer"):
        assert kind in kinds


def test_no_checkpoint_callback(tmp_path):
    result = train(tiny_config("callbacks.checkpoint=null"), out=tmp_path)
    assert result.best_checkpoint is None and result.last_checkpoint is None
    assert "test_acc" in result.metrics


USER_MODEL = '''
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from dynvision.model_components import LightningBase, RecurrentConnectedConv2d


class TinyUserNet(LightningBase):
    """A user model defined outside the package, spec style."""

    def __init__(self, units: int = 3, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    def _define_architecture(self):
        self.V1 = RecurrentConnectedConv2d(self.n_channels, self.units, kernel_size=3, recurrence_type="self")

    def configure_callbacks(self):
        # Lightning semantics: replaces the trainer's ModelCheckpoint
        return [ModelCheckpoint(dirpath=self.checkpoint_dir, filename="user-{epoch}", save_last=True,
                                monitor="val_acc", mode="max")]
'''


def test_user_model_module_and_configure_callbacks(tmp_path):
    path = tmp_path / "my_models.py"
    path.write_text(USER_MODEL + "\nTinyUserNet.checkpoint_dir = %r\n" % str(tmp_path / "user_ckpts"))
    config = tiny_config("model.name=TinyUserNet", "model.args={input_dims: [3, 1, 8, 8], units: 2}",
                         "trainer.limit_train_batches=1", "trainer.limit_val_batches=1")
    result = train(config, out=tmp_path / "run", model_module=path)
    assert result.best_checkpoint.parent == tmp_path / "user_ckpts"
    assert result.best_checkpoint.name.startswith("user-")
    checkpoint = _load(result.best_checkpoint)
    assert checkpoint["global_step"] == 1
    assert checkpoint[CONFIG_KEY] == config.to_dict()
    assert checkpoint[MODEL_KEY]["module_file"] == str(path.resolve())
    # a fresh process rebuilds it from the checkpoint and the model file given again: the file
    # recorded in the checkpoint is information only, never imported because the checkpoint names it
    script = (
        "from dynvision.loading import load_checkpoint\n"
        f"m = load_checkpoint({str(result.best_checkpoint)!r}, model_module={str(path)!r})\n"
        "print(type(m).__name__, m.units)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["TinyUserNet", "2"]
    alone = subprocess.run([sys.executable, "-c", script.replace(f", model_module={str(path)!r}", "")],
                           capture_output=True, text=True)
    assert alone.returncode != 0 and "--model-module" in alone.stderr and "TinyUserNet" in alone.stderr


def test_param_group_matching_nothing_is_an_error():
    from dynvision.config import ConfigError

    with pytest.raises(ConfigError, match=r"param_groups\[0\].match"):
        build_model(tiny_config('optimizer.param_groups=[{match: "recurent", lr: 0.0001}]'))
