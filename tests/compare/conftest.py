"""Fixtures for the comparison tests (the tiny DyRCNNx2 is ``tests.helpers.configs.X2_16PX``): a small synthetic
benchmark (same identifier, fewer stimuli and bins), an isolated DYNVISION_HOME, offline, few threads."""
from __future__ import annotations

import pytest
import torch

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
