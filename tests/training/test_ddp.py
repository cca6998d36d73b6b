"""Data-parallel training: ``dynvision train`` with two CPU processes (gloo)
through Lightning's DDP, as a user would start it on two GPUs."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from dynvision.training import build_model, checkpoint_config, load_checkpoint
from tests.helpers.configs import X2_8PX_TRAIN as TINY

from .conftest import tiny_config

DDP = ["trainer.accelerator=cpu", "trainer.devices=2", "trainer.strategy=ddp"]


@pytest.mark.slow
def test_two_process_ddp_run_writes_one_loadable_checkpoint(tmp_path):
    out = tmp_path / "run"
    overrides = [*TINY, *DDP, "trainer.limit_test_batches=0"]
    command = [sys.executable, "-m", "dynvision", "train", "--out", str(out)]
    for item in overrides:
        command += ["--set", item]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    # both processes joined the process group
    assert "GLOBAL_RANK: 1, MEMBER: 2/2" in done.stderr, done.stderr[-3000:]

    # rank 0 alone wrote: one config, one log version, one best + last checkpoint
    assert (out / "config.yaml").is_file()
    assert [p.name for p in (out / "logs").iterdir()] == ["version_0"]
    checkpoints = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert "last.ckpt" in checkpoints and len(checkpoints) == 2, checkpoints
    assert not list(out.rglob("*.tmp"))

    config = tiny_config(*DDP, "trainer.limit_test_batches=0")
    last = out / "checkpoints" / "last.ckpt"
    assert checkpoint_config(last) == config
    state = torch.load(last, map_location="cpu", weights_only=True)
    # 3 optimizer steps: each process saw its half of every global batch
    assert state["global_step"] == 3
    model = load_checkpoint(last)
    fresh = build_model(config)
    expected = {k: v.shape for k, v in fresh.state_dict().items()}
    assert {k: v.shape for k, v in model.state_dict().items()} == expected
    assert all(torch.isfinite(v).all() for v in model.state_dict().values() if v.is_floating_point())
    # trained: the weights moved away from their (seeded) initial values
    moved = [k for k, v in model.state_dict().items() if not torch.equal(v, fresh.state_dict()[k])]
    assert any("conv.weight" in k for k in moved), moved
    with torch.no_grad():
        logits = model(torch.randn(3, 1, 8, 8))
    assert logits.shape == (3, 4, 10) and torch.isfinite(logits).all()
