"""``dynvision train`` on the command line, and the acceptance run."""
from __future__ import annotations

import re

import pytest
import torch

from dynvision.cli import main
from dynvision.config import load_config
from tests.helpers.configs import X2_8PX_TRAIN as TINY
from tests.helpers.configs import sets as _sets


def test_set_override_is_applied(tmp_path, capsys):
    rc = main(["train", "DyRCNNx2", *_sets(TINY), "--set", "model.args.tau=5", "--set", "optimizer.args.lr=0.004",
               "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    config = load_config(tmp_path / "config.yaml")
    assert config.model.args["tau"] == 5 and config.optimizer.args["lr"] == 0.004
    checkpoint = torch.load(tmp_path / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert checkpoint["hyper_parameters"]["tau"] == 5
    assert checkpoint["hyper_parameters"]["optimizer_args"] == {"lr": 0.004}
    assert f"outputs:         {tmp_path}" in out
    assert re.search(r"test accuracy:\s+\d+\.\d%", out)
    # a second run in the same directory must be asked for
    assert main(["train", "DyRCNNx2", *_sets(TINY), "--out", str(tmp_path)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["train", "DyRCNNx2", *_sets(TINY), "--set", "model.args.tau=5", "--set", "trainer.max_epochs=2",
                 "--out", str(tmp_path), "--resume"]) == 0, capsys.readouterr().err
    checkpoint = torch.load(tmp_path / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert checkpoint["global_step"] == 6  # 3 batches per epoch, 2 epochs


def test_config_file(tmp_path, capsys):
    path = tmp_path / "run.yaml"
    path.write_text(
        "model:\n  name: DyRCNNx2\n  args: {input_dims: [3, 1, 8, 8], channels: [4, 4], t_feedforward: 2,"
        " t_recurrence: 2, t_skip: 2, t_feedback: 2}\n"
        "data: {image_size: 8, channels: 1, batch_size: 16}\n"
        "trainer: {max_epochs: 1, limit_train_batches: 1, limit_val_batches: 1, limit_test_batches: 1,"
        " enable_progress_bar: false, num_sanity_val_steps: 0}\n"
        f"output_dir: {tmp_path / 'runs'}\n"
    )
    assert main(["train", "--config", str(path)]) == 0
    assert (tmp_path / "runs" / "DyRCNNx2" / "checkpoints" / "last.ckpt").is_file()


def test_bad_input_names_the_problem(tmp_path, capsys):
    assert main(["train", "DyRCNNx9", "--out", str(tmp_path)]) == 2
    assert "DyRCNNx" in capsys.readouterr().err
    assert main(["train", "DyRCNNx2", "--set", "optimizer.args.lrr=1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "optimizer.args.lrr" in err and "--set" in err


def test_model_module_trains_a_batch(tmp_path, capsys):
    assert TINY[0].startswith("model.name=")  # TINY[1:] below leaves the model name out
    path = tmp_path / "user_model.py"
    path.write_text(
        "from dynvision.model_components import LightningBase, RecurrentConnectedConv2d\n"
        "class SimpleUserModel(LightningBase):\n"
        "    def _define_architecture(self):\n"
        "        self.V1 = RecurrentConnectedConv2d(self.n_channels, 4, kernel_size=3, recurrence_type='full')\n"
    )
    rc = main(["train", "SimpleUserModel", "--model-module", str(path), *_sets(TINY[1:]),
               "--set", "model.args={input_dims: [3, 1, 8, 8]}", "--set", "trainer.limit_train_batches=1",
               "--out", str(tmp_path / "run")])
    assert rc == 0, capsys.readouterr()
    checkpoint = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert checkpoint["global_step"] == 1
    assert checkpoint["dynvision_model"]["name"] == "SimpleUserModel"


def test_switching_model_drops_arguments_it_does_not_take(tmp_path, capsys):
    from dynvision.config import resolve_config

    config = resolve_config(None, "DyRCNNx2", [])
    assert config.model.name == "DyRCNNx2"
    default = load_config(None)
    assert config.model.args == default.model.args  # DyRCNNx2 takes every DyRCNNx4 argument


@pytest.mark.slow
def test_acceptance_default_run_learns_digits(tmp_path, capsys):
    """``dynvision train DyRCNNx4`` with the packaged default config: >= 90%
    accuracy on the held-out test split after a short, seeded run."""
    rc = main(["train", "DyRCNNx4", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    accuracy = float(re.search(r"test accuracy:\s+([\d.]+)%", out).group(1))
    print(out)
    assert accuracy >= 90.0, out


def test_quiet_prints_results_only(tmp_path, capfd):
    assert main(["-q", "train", "DyRCNNx2", *_sets(TINY), "--out", str(tmp_path)]) == 0
    out, err = capfd.readouterr()
    assert f"outputs:         {tmp_path}" in out  # results are printed at every level
    assert "GPU available" not in out + err  # Lightning's INFO lines
    assert "Epoch" not in err and "| Name" not in out  # no progress bar, no model summary
