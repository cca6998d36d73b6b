"""``dynvision experiment`` and ``dynvision workflow path``."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from dynvision.cli import main
from tests.helpers.models import MODEL_MODULE

TINY = str(MODEL_MODULE)
TINY_ARGS = ["TinyNet", "--model-module", TINY, "--set", "data.image_size=8", "--set", "data.channels=1",
             "--set", "model.args.input_dims=[4,1,8,8]", "--set", "model.args.dt=2",
             "--set", "loss.t_reaction=0", "--n-images", "8"]


def test_experiment_on_an_untrained_model(tmp_path, capsys):
    out = tmp_path / "contrast"
    code = main(["experiment", "contrast", *TINY_ARGS, "--param", "contrasts=[0.5, 1]", "--param", "duration_ms=4",
                 "--param", "total_ms=8", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    summary = pd.read_csv(out / "summary.csv")
    assert sorted(summary["condition"]) == [0.5, 1.0]
    assert (out / "plots" / "latency.png").is_file() and (out / "responses.nc").is_file()


def test_schedule_error_names_the_value(tmp_path, capsys):
    code = main(["experiment", "response", *TINY_ARGS, "--param", "duration_ms=5", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "duration_ms=5 ms is not a whole number of the model's dt=2 ms" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_checkpoint_or_model_not_both(capsys):
    assert main(["experiment", "contrast", "DyRCNNx4", "--checkpoint", "x.ckpt"]) == 2
    assert "either --checkpoint" in capsys.readouterr().err


def test_workflow_path(capsys):
    assert main(["workflow", "path"]) == 0
    assert Path(capsys.readouterr().out.strip()).name == "Snakefile"
    assert main(["workflow", "path", "--profile", "slurm"]) == 0
    assert (Path(capsys.readouterr().out.strip()) / "config.yaml").is_file()
