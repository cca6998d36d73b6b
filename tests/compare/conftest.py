"""Fixtures for the comparison tests: a tiny DyRCNNx2 on 16x16 grey digits, a small synthetic
benchmark (same identifier, fewer stimuli and bins), an isolated DYNVISION_HOME, offline, few threads."""
from __future__ import annotations

from typing import List

import pytest
import torch

#: DyRCNNx2 with 4 channels per area on 16x16 grey digits, 2 ms steps (the synthetic bins are 20 ms)
TINY: List[str] = [
    "model.args.channels=[4,4]",
    "model.args.input_dims=[8,1,16,16]",
    "model.args.dt=2",
    "model.args.tau=8",
    "model.args.t_feedforward=2",
    "model.args.t_recurrence=2",
    "model.args.t_skip=2",
    "model.args.t_feedback=4",
    "loss.t_reaction=8",
    "data.image_size=16",
    "data.channels=1",
]
#: ... trained on two batches (a few seconds)
TINY_TRAIN: List[str] = TINY + [
    "data.batch_size=32", "trainer.max_epochs=1", "trainer.limit_train_batches=2", "trainer.limit_val_batches=1",
    "trainer.limit_test_batches=1", "trainer.num_sanity_val_steps=0", "trainer.enable_progress_bar=false",
    "trainer.enable_model_summary=false", "trainer.accelerator=cpu", "trainer.log_every_n_steps=1",
]
#: the synthetic IT is recorded from DyRCNNx2's last area
LAYERS = {"IT": "V2"}


def small_synthetic(options=None):
    """The synthetic benchmark on fewer stimuli, neurons, repetitions and bins (3 x 20 ms)."""
    from benchmarks.synthetic.benchmark import SyntheticTemporalBenchmark
    from benchmarks.synthetic.data import SyntheticConfig

    return SyntheticTemporalBenchmark(SyntheticConfig(n_per_family=6, n_neurons=16, n_repetitions=4, t_stop=60,
                                                      bin_ms=20, contrasts=(0.5, 1.0)))


@pytest.fixture(autouse=True)
def compare_environment(tmp_path, monkeypatch):
    home = tmp_path / "dynvision_home"
    monkeypatch.setenv("DYNVISION_HOME", str(home))
    monkeypatch.setenv("DYNVISION_OFFLINE", "1")
    monkeypatch.setenv("BS_INSTALL_DEPENDENCIES", "no")
    monkeypatch.setenv("RESULTCACHING_DISABLE", "")
    monkeypatch.delenv("DYNVISION_DATA", raising=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield home
    torch.set_num_threads(threads)


@pytest.fixture
def small_synthetic_benchmark():
    """Registers the small synthetic benchmark under the synthetic identifier for one test."""
    from benchmarks import catalog
    from benchmarks.synthetic import IDENTIFIER, _availability, synthetic_benchmark

    catalog.resolve("synthetic")  # plugins loaded: the default is registered
    catalog.register_benchmark(IDENTIFIER, small_synthetic, availability=_availability, overwrite=True)
    yield IDENTIFIER
    catalog.register_benchmark(IDENTIFIER, synthetic_benchmark, availability=_availability, overwrite=True)


def quiet(_message: str) -> None:
    """A ``log`` that drops messages."""
