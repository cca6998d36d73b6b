"""``DynVision.synthetic-temporal-pls``: Brain-Score's temporal PLS benchmark
on the synthetic data, built from Brain-Score's own parts.

- metric: Brain-Score's ``spantime_pls`` (PLS weights shared across time bins, Pearson r
  per bin, 10 stratified splits over ``object_name`` = stimulus family), as
  in ``MajajHong2015public.IT-temporal-pls``; its numbers computed by
  :class:`benchmarks.temporal_metric.SpanTimePLS` (all splits batched; equal to
  ``load_metric("spantime_pls")`` to float64 rounding);
- ceiling: ``internal_consistency_temporal`` (split-half over repetitions,
  Spearman-Brown corrected, per bin);
- ceiled per bin with Brain-Score's ``explained_variance`` (``r**2 / ceiling``),
  with this project's conventions (:mod:`benchmarks.neural`): a bin with r < 0
  or an undefined r scores 0.

Brain-Score's ``NeuralBenchmark`` returns the per-bin values without labels;
this benchmark returns their mean over bins as the score and keeps the bins
in the attributes (see :class:`SyntheticTemporalBenchmark`).
"""
from __future__ import annotations

import contextlib
from typing import Dict, Iterator, Optional

from brainscore_core import Score
from brainscore_vision import load_ceiling
from brainscore_vision.benchmark_helpers.neural_common import average_repetition

from ..neural import NonNegativeNeuralBenchmark
from ..temporal_metric import SpanTimePLS
from . import data
from .parameters import describe

IDENTIFIER = "DynVision.synthetic-temporal-pls"
VISUAL_DEGREES = 8  # Brain-Score's default field of view; the images fill it
BIBTEX = """@misc{dynvision_synthetic,
  title={DynVision synthetic temporal benchmark: a known ground-truth recurrent network},
  note={generated offline by benchmarks.synthetic}}"""


@contextlib.contextmanager
def _in_process_parallelism() -> Iterator[None]:
    # Brain-Score's per-time-bin helpers run joblib with n_jobs=-1 (worker processes):
    # on small data the process start-up and pickling cost more than the work. Threads
    # give the same numbers faster. Scoped to one call: no global side effect.
    import joblib

    with joblib.parallel_config(backend="threading"):
        yield


#: ceilings computed in this process, by the content hash of the data they were computed on
_CEILINGS: Dict[str, Score] = {}


class SyntheticTemporalBenchmark(NonNegativeNeuralBenchmark):
    """Temporal PLS against the ground-truth network's synthetic IT neurons.

    Calling it returns a scalar :class:`Score`: the mean over time bins of the
    ceiled per-bin scores. Attributes:

    - ``per_bin``: ceiled score per bin (``time_bin`` dim, ``time_bin_start``/``_end`` ms);
    - ``raw``: Brain-Score's raw per-bin score (median Pearson r over neurons),
      with its own ``raw`` (splits x bins x neurons) and ``error`` attributes;
    - ``ceiling``: the per-bin internal-consistency ceiling;
    - ``error``: mean over bins of the per-bin standard errors (over splits).

    :param config: generator parameters (default: the embedded default data set).
    """

    def __init__(self, config: Optional[data.SyntheticConfig] = None):
        self.config = config or data.SyntheticConfig()
        trials = data.load_assembly(self.config)
        assembly = average_repetition(trials)
        ceiler = load_ceiling("internal_consistency_temporal")
        super().__init__(
            identifier=IDENTIFIER, version=1, assembly=assembly,
            similarity_metric=SpanTimePLS(),  # Brain-Score's spantime_pls, stratified on object_name as MajajHong
            visual_degrees=VISUAL_DEGREES, number_of_trials=self.config.n_repetitions,
            ceiling_func=lambda: ceiler(trials), parent=data.REGION, bibtex=BIBTEX,
        )
        self.trials = trials

    @property
    def assembly(self):
        """Repetition-averaged target responses (``presentation x neuroid x time_bin``)."""
        return self._assembly

    @property
    def ceiling(self) -> Score:
        # memoised per data content hash, not through Brain-Score's store: that one is keyed
        # by the identifier alone and would serve one configuration's ceiling to another
        key = self.config.content_hash()
        if key not in _CEILINGS:
            with _in_process_parallelism():
                _CEILINGS[key] = self._ceiling_func()
        return _CEILINGS[key]

    def __call__(self, candidate) -> Score:
        self.ceiling  # computed (once) outside the threading scope below, as before
        with _in_process_parallelism():
            score = super().__call__(candidate)  # NonNegativeNeuralBenchmark: r < 0 and undefined bins score 0
        score.attrs["ground_truth"] = describe(dict(self.config.network))
        return score
