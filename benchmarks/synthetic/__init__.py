"""The offline synthetic temporal benchmark (DynVision's embedded default),
in Brain-Score's plugin shape.

Registers into DynVision's catalog (upstream this would be
``benchmark_registry['DynVision.synthetic-temporal-pls'] = SyntheticTemporalBenchmark``):

- ``DynVision.synthetic-temporal-pls``: IT responses of a known ground-truth
  recurrent network (:mod:`.network`) to procedural stimuli (:mod:`.stimuli`),
  20 bins of 10 ms, noisy repetitions (:mod:`.data`); temporal PLS with a
  per-bin internal-consistency ceiling (:mod:`.benchmark`).
- alias ``synthetic``.

Needs no download: the data are generated (in seconds) on first use and
cached under ``$DYNVISION_HOME/cache/synthetic/``. Brain-Score and torch are
imported only when the benchmark is built.
"""
from __future__ import annotations

from typing import Optional, Tuple

from ..catalog import LoadOptions, register_alias, register_benchmark

IDENTIFIER = "DynVision.synthetic-temporal-pls"


def synthetic_benchmark(options: Optional[LoadOptions] = None, config=None):
    """Build the benchmark (``options`` is unused: the data need no folder or download)."""
    from .benchmark import SyntheticTemporalBenchmark

    return SyntheticTemporalBenchmark(config)


def _availability(options: LoadOptions) -> Tuple[bool, str]:
    from .data import SyntheticConfig, data_dir

    folder = data_dir(SyntheticConfig())
    state = f"cached in {folder}" if folder.is_dir() else f"generated on first use into {folder}"
    return True, f"{IDENTIFIER}: offline, {state}"


register_benchmark(IDENTIFIER, synthetic_benchmark, availability=_availability,
                   description="synthetic IT of a known ground-truth recurrent network, 20 x 10 ms bins, "
                               "temporal PLS, per-bin internal-consistency ceiling (offline)")
register_alias("synthetic", [IDENTIFIER], "the offline synthetic temporal benchmark (embedded default)")
