"""What a set of results means, in sentences: a trained model against the same model untrained.

:func:`compare_with_untrained` pairs, per benchmark, a trained result with the
untrained result of the same config (same ``config_hash``, random
initial weights) and decides which is better: a difference larger than the
combined error bars (``sqrt(e1² + e2²)`` of the two standard errors, see
:attr:`Result.score_error <benchmarks.results.Result.score_error>`) is called a difference; anything smaller is "within the
error". :func:`summary_sentences` turns each pair into one sentence that also
says what the score is (fraction of explainable variance, the ceiling). The
quickstart prints them and the report opens with them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .results import Result

__all__ = ["Comparison", "compare_with_untrained", "summary_sentences", "what_the_score_is"]


@dataclass
class Comparison:
    """One benchmark: the trained and the untrained model of one config."""

    benchmark: str
    trained: Result
    untrained: Result

    @property
    def difference(self) -> float:
        """Trained minus untrained ceiled score."""
        return self.trained.score - self.untrained.score

    @property
    def error(self) -> Optional[float]:
        """The combined error bar of the difference (None when either result has none)."""
        errors = [self.trained.score_error, self.untrained.score_error]
        if any(e is None for e in errors):
            return None
        return math.sqrt(sum(e ** 2 for e in errors))

    @property
    def winner(self) -> Optional[str]:
        """``"trained"`` or ``"untrained"`` when the difference exceeds the combined error, else None."""
        error = self.error
        if error is None or abs(self.difference) <= error:
            return None
        return "trained" if self.difference > 0 else "untrained"


def compare_with_untrained(results: Sequence[Result]) -> List[Comparison]:
    """Per benchmark, the trained result paired with the untrained result of the same config
    (in the order the benchmarks first appear); benchmarks without such a pair are left out."""
    trained: Dict[Tuple[str, str], Result] = {}
    untrained: Dict[Tuple[str, str], Result] = {}
    for result in results:
        if result.config_hash is None or result.trained is None:
            continue
        key = (result.benchmark, result.config_hash)
        (trained if result.trained else untrained).setdefault(key, result)
    return [Comparison(benchmark, trained[(benchmark, config)], untrained[(benchmark, config)])
            for benchmark, config in trained if (benchmark, config) in untrained]


def what_the_score_is(result: Result) -> str:
    """What the ceiled score of ``result`` measures, in a clause."""
    over_bins = f", averaged over {len(result.per_bin)} time bins" if result.temporal else ""
    if result.ceiling is not None and math.isclose(result.ceiling, 1.0):
        return (f"the score is the un-normalised r² of the PLS predictions (no ceiling could be estimated for "
                f"these data{over_bins})")
    ceiling = "" if result.ceiling is None else f" of {result.ceiling:.2f}"
    return (f"the score is the fraction of the explainable variance the model predicts (r² of the PLS "
            f"predictions divided by the data's split-half reliability, the ceiling{ceiling}{over_bins}; "
            f"1 = as good as the data allow)")


def _with_error(result: Result) -> str:
    error = result.score_error
    return f"{result.score:.3f}" + ("" if error is None else f" ± {error:.3f}")


def summary_sentences(results: Sequence[Result]) -> List[str]:
    """One sentence per benchmark on which a trained and an untrained model of one config were scored."""
    sentences = []
    for pair in compare_with_untrained(results):
        head = (f"{pair.benchmark}: trained {_with_error(pair.trained)} vs untrained "
                f"{_with_error(pair.untrained)}; {what_the_score_is(pair.trained)}.")
        error = pair.error
        if error is None:
            verdict = f"No error bars, so which is better cannot be told (difference {pair.difference:+.3f})."
        elif pair.winner is None:
            verdict = (f"The difference ({pair.difference:+.3f}) is within the error (± {error:.3f}): "
                       "neither model is better on this benchmark.")
        else:
            verdict = (f"The {pair.winner} model is better by {abs(pair.difference):.3f}, more than the "
                       f"combined error (± {error:.3f}).")
        sentences.append(f"{head} {verdict}")
    return sentences
