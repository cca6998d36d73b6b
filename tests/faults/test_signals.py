"""SIGTERM and Ctrl-C during `train` and `compare --train`: the command exits 143 / 130, never 0,
and leaves no completion record (``training.json``) nor a compare item record behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from tests.helpers.configs import X2_16PX_TRAIN as TINY_TRAIN
from tests.helpers.configs import sets as _sets

pytestmark = pytest.mark.slow

#: a long tiny training: it is interrupted long before it could finish
LONG = [*TINY_TRAIN, "trainer.max_epochs=100000", "trainer.limit_test_batches=1"]



def _start(args: List[str], tmp_path: Path) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", DYNVISION_HOME=str(tmp_path / "home"), DYNVISION_OFFLINE="1",
               BS_INSTALL_DEPENDENCIES="no")
    return subprocess.Popen([sys.executable, "-m", "dynvision", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _interrupt_once_training(process: subprocess.Popen, run_dir: Path, signum: int) -> tuple:
    """Wait until the run has saved a checkpoint (training is under way), then send ``signum``."""
    deadline = time.monotonic() + 240
    while not (run_dir / "checkpoints" / "last.ckpt").is_file():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the command ended before training started ({process.returncode}):\n{err[-3000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("no checkpoint within 240 s")
        time.sleep(0.2)
    process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the command did not stop within 120 s of the signal")
    return process.returncode, err


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_train_interrupted_exits_nonzero_and_is_not_finished(tmp_path, signum, code):
    run_dir = tmp_path / "run"
    process = _start(["train", "DyRCNNx2", "--out", str(run_dir), *_sets(LONG)], tmp_path)
    returncode, err = _interrupt_once_training(process, run_dir, signum)
    assert returncode == code, err[-3000:]
    assert not (run_dir / "training.json").exists()  # the completion record of a finished training
    assert "best checkpoint:" not in err


def test_compare_terminated_during_training_exits_143_and_keeps_nothing_finished(tmp_path):
    out = tmp_path / "cmp"
    process = _start(["compare", "DyRCNNx2", "--vary", "recurrence_type=self", "--benchmark", "synthetic",
                      "--train", "--layer", "IT=V2", "--out", str(out), "--no-progress", *_sets(LONG)], tmp_path)
    run_dir = out / "runs" / "recurrence_type-self" / "seed0"
    returncode, err = _interrupt_once_training(process, run_dir, signal.SIGTERM)
    assert returncode == 143, err[-3000:]
    assert not (run_dir / "training.json").exists()
    assert not list(out.glob("items/*.json")) and not list(out.glob("results/*"))
