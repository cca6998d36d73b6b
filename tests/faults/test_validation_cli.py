"""The command line: bad numbers and devices are usage errors naming the flag, before any
work; other errors are one line, with the traceback behind --debug / -v."""
from __future__ import annotations

import pytest
import torch

from dynvision.cli import main


def _usage_error(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("flag, value, expected", [
    ("--latency", "nan", "argument --latency: expected a finite number of ms >= 0 or 'auto', got 'nan'"),
    ("--t-presentation", "inf", "argument --t-presentation: expected a finite number, got 'inf'"),
    ("--visual-degrees", "-8", "argument --visual-degrees: expected a number > 0, got '-8'"),
    ("--batch-size", "0", "argument --batch-size: expected a whole number >= 1, got '0'"),
])
def test_non_finite_or_impossible_numbers_name_the_flag(capsys, flag, value, expected):
    line = _usage_error(capsys, ["score", "DyRCNNx2", "--benchmark", "synthetic", flag, value])
    assert line == f"dynvision score: error: {expected}"


@pytest.mark.parametrize("command", [["score", "DyRCNNx2", "--benchmark", "synthetic"], ["register", "DyRCNNx2"]])
def test_nan_latency_is_refused_by_every_command_that_takes_it(capsys, command):
    assert "argument --latency: expected a finite number" in _usage_error(capsys, [*command, "--latency", "nan"])


def test_an_unavailable_cuda_device_is_a_usage_error(capsys):
    # one past the last CUDA device exists on no machine: no CUDA at all, or too few devices
    index = torch.cuda.device_count() if torch.cuda.is_available() else 0
    line = _usage_error(capsys, ["score", "DyRCNNx2", "--benchmark", "synthetic", "--device", f"cuda:{index}"])
    assert line.startswith(f"dynvision score: error: argument --device: 'cuda:{index}': ")
    assert ("no CUDA device is available" in line) or ("CUDA device(s)" in line)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_in_the_training_config_is_refused_before_training(tmp_path, capsys):
    assert main(["train", "--set", "trainer.accelerator=cuda", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dynvision train: error: --set trainer.accelerator=cuda: trainer.accelerator: 'cuda': "
                          "no CUDA device is available")
    assert not (tmp_path / "run").exists()  # nothing written


def test_a_config_error_in_train_is_one_line_and_debug_shows_the_traceback(tmp_path, capsys):
    argv = ["train", "--set", "model.args.tau=-1", "--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("dynvision train: error: --set model.args.tau=-1: model.args.tau: ")
    assert not (tmp_path / "run").exists()
    from dynvision.config import ConfigError

    for flag in ("--debug", "-v"):
        with pytest.raises(ConfigError, match="tau=-1"):
            main([*argv, flag])


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_and_verbose_are_accepted_by_every_command(capsys, where):
    from dynvision.cli import COMMANDS

    for command in COMMANDS:
        for flag in ("-q", "-v", "--quiet", "--verbose", "--debug"):
            argv = [flag, command, "--help"] if where == "before" else [command, flag, "--help"]
            with pytest.raises(SystemExit) as info:
                main(argv)
            assert info.value.code == 0, (argv, capsys.readouterr().err)
    capsys.readouterr()


def test_quiet_and_verbose_together_are_refused(capsys):
    assert "contradict" in _usage_error(capsys, ["-q", "-v", "models"])


def test_a_nan_experiment_parameter_names_it(capsys):
    assert main(["experiment", "contrast", "DyRCNNx2", "--param", "contrasts=[0.1, .nan]"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dynvision experiment: error: --param contrasts=[0.1, .nan]: contrasts[1] must be a finite number")


def test_a_registered_plugin_refuses_an_unavailable_device(monkeypatch):
    from brain_models.submission.runtime import DEVICE_ENV, PluginError, _device

    index = torch.cuda.device_count() if torch.cuda.is_available() else 0
    monkeypatch.setenv(DEVICE_ENV, f"cuda:{index}")
    with pytest.raises(PluginError, match=rf"^\${DEVICE_ENV}='cuda:{index}': "):
        _device()
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert _device() == "cpu"


def test_a_bad_config_with_overwrite_leaves_the_old_run_alone(tmp_path, capsys):
    checkpoints = tmp_path / "run" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "last.ckpt").write_bytes(b"an earlier run")
    assert main(["train", "--set", "model.args.tau=-1", "--out", str(tmp_path / "run"), "--overwrite"]) == 2
    assert (checkpoints / "last.ckpt").read_bytes() == b"an earlier run"
