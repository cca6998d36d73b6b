"""Tiny, fast training configs shared by the training tests."""
from __future__ import annotations

from typing import Sequence

import pytest

#: a DyRCNNx2 small enough to train a few batches in about a second
TINY = [
    "model.name=DyRCNNx2",
    "model.args.input_dims=[4, 1, 8, 8]",
    "model.args.channels=[4, 4]",
    "model.args.dt=2",
    "model.args.tau=8",
    "model.args.t_feedforward=2",
    "model.args.t_recurrence=2",
    "model.args.t_skip=2",
    "model.args.t_feedback=2",
    "data.image_size=8",
    "data.channels=1",
    "data.batch_size=16",
    "optimizer.args.lr=0.001",
    "loss.t_reaction=0",
    "trainer.max_epochs=1",
    "trainer.limit_train_batches=3",
    "trainer.limit_val_batches=2",
    "trainer.limit_test_batches=2",
    "trainer.num_sanity_val_steps=0",
    "trainer.log_every_n_steps=1",
    "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false",
    "trainer.accelerator=cpu",
]


def tiny_config(*overrides: str, base: Sequence[str] = TINY):
    from dynvision.config import load_config

    return load_config(None, [*base, *overrides])


@pytest.fixture
def tiny():
    return tiny_config


@pytest.fixture(scope="module")
def trained_tiny(tmp_path_factory):
    """One tiny run shared by the read-only tests of a module."""
    from dynvision.training import train

    config = tiny_config()
    result = train(config, out=tmp_path_factory.mktemp("tiny_run"))
    return config, result
