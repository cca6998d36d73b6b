"""Statistics across seeds: spread of each variant and paired tests against the best one.

Seeds pair the variants: seed ``k`` of every variant shares its initialisation
seed and data order, so each variant is compared with the best through the
per-seed differences ``best - variant`` (only seeds both have):

- mean difference with a 95% t-interval;
- paired t-test (``scipy.stats.ttest_rel``) and Wilcoxon signed-rank test
  (``scipy.stats.wilcoxon``, exact for few seeds);
- Holm's correction of the t-test p-values over the comparisons with the
  best on one benchmark.

With ``n`` seeds the smallest Wilcoxon p-value is ``2 / 2**n`` (0.5 for 2
seeds, 0.25 for 3): a few seeds cannot show a difference with that test, which
the report says rather than hides.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

ALPHA = 0.05


@dataclass
class Spread:
    """Seed statistics of one variant on one benchmark."""

    n: int
    mean: Optional[float]
    std: Optional[float]  # sample standard deviation (ddof=1); None for one seed
    sem: Optional[float]  # std / sqrt(n)
    min: Optional[float]
    max: Optional[float]

    def to_dict(self) -> Dict[str, Optional[float]]:
        return asdict(self)


def spread(values: Sequence[float]) -> Spread:
    data = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    n = int(data.size)
    if n == 0:
        return Spread(0, None, None, None, None, None)
    std = float(np.std(data, ddof=1)) if n > 1 else None
    return Spread(n, float(np.mean(data)), std, None if std is None else std / math.sqrt(n),
                  float(data.min()), float(data.max()))


@dataclass
class PairedComparison:
    """``best`` minus ``variant`` over the seeds both have."""

    variant: str
    best: str
    n: int
    mean_difference: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]
    t: Optional[float]
    p_ttest: Optional[float]
    p_wilcoxon: Optional[float]
    p_holm: Optional[float] = None
    verdict: str = ""

    def to_dict(self) -> Dict[str, object]:
        return asdict(self)


def paired_comparison(best_scores: Mapping[int, float], scores: Mapping[int, float], variant: str = "",
                      best: str = "") -> PairedComparison:
    """Paired statistics of ``best_scores[s] - scores[s]`` over the common seeds ``s``."""
    from scipy import stats

    seeds = sorted(set(best_scores) & set(scores))
    diffs = np.asarray([best_scores[s] - scores[s] for s in seeds], dtype=float)
    diffs = diffs[np.isfinite(diffs)]
    n = int(diffs.size)
    comparison = PairedComparison(variant, best, n, None, None, None, None, None, None)
    if n == 0:
        return comparison
    comparison.mean_difference = float(diffs.mean())
    if n < 2:
        return comparison
    sd = float(np.std(diffs, ddof=1))
    half = float(stats.t.ppf(1 - ALPHA / 2, n - 1)) * sd / math.sqrt(n)
    comparison.ci_low, comparison.ci_high = comparison.mean_difference - half, comparison.mean_difference + half
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant differences: scipy warns and returns nan/inf
        if sd > 0:
            result = stats.ttest_rel([best_scores[s] for s in seeds], [scores[s] for s in seeds])
            comparison.t, comparison.p_ttest = float(result.statistic), float(result.pvalue)
        elif comparison.mean_difference != 0:  # identical non-zero difference on every seed
            comparison.t, comparison.p_ttest = math.copysign(math.inf, comparison.mean_difference), 0.0
        if np.any(diffs != 0):
            try:
                comparison.p_wilcoxon = float(stats.wilcoxon(diffs).pvalue)
            except ValueError:
                comparison.p_wilcoxon = None
    return comparison


def holm(p_values: Sequence[Optional[float]]) -> List[Optional[float]]:
    """Holm-Bonferroni adjusted p-values (None stays None and does not count)."""
    indexed = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(indexed)
    adjusted: List[Optional[float]] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(indexed):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def verdict(comparison: PairedComparison) -> str:
    if comparison.n < 2:
        return "one seed: no test possible"
    if comparison.p_holm is None:
        return "identical on every seed" if comparison.mean_difference == 0 else "no test"
    if comparison.p_holm < ALPHA:
        return "worse than the best (p<0.05, Holm)"
    return "not distinguishable from the best"


@dataclass
class BenchmarkComparison:
    """Everything statistical about one benchmark: spreads, the best variant, the tests."""

    benchmark: str
    best: Optional[str]
    spreads: Dict[str, Spread]
    comparisons: Dict[str, PairedComparison]  # variant -> comparison with the best (not for the best)


def compare_variants(scores: Mapping[str, Mapping[int, float]], benchmark: str = "") -> BenchmarkComparison:
    """``scores[variant][seed]`` -> spreads, the best variant (highest seed mean) and paired tests."""
    spreads = {variant: spread(list(by_seed.values())) for variant, by_seed in scores.items()}
    ranked = [v for v in scores if spreads[v].mean is not None]
    best = max(ranked, key=lambda v: spreads[v].mean) if ranked else None
    comparisons: Dict[str, PairedComparison] = {}
    if best is not None:
        for variant in scores:
            if variant != best:
                comparisons[variant] = paired_comparison(scores[best], scores[variant], variant, best)
        adjusted = holm([c.p_ttest for c in comparisons.values()])
        for comparison, p in zip(comparisons.values(), adjusted):
            comparison.p_holm = p
            comparison.verdict = verdict(comparison)
    return BenchmarkComparison(benchmark, best, spreads, comparisons)
