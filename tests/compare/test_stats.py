"""Statistics on known inputs."""
from __future__ import annotations

import math

import pytest

from benchmarks.compare import compare_variants, holm, paired_comparison, spread


def test_spread():
    s = spread([1.0, 2.0, 3.0, 4.0])
    assert s.n == 4 and s.mean == 2.5 and s.min == 1.0 and s.max == 4.0
    assert s.std == pytest.approx(math.sqrt(5 / 3)) and s.sem == pytest.approx(math.sqrt(5 / 3) / 2)
    one = spread([0.3])
    assert one.n == 1 and one.mean == 0.3 and one.std is None and one.sem is None
    assert spread([]).mean is None and spread([float("nan"), 1.0]).n == 1


def test_paired_comparison_known_answer():
    # differences 1, 2, 3: mean 2, sd 1, t = 2 / (1/sqrt 3) = 3.4641 with 2 df
    c = paired_comparison({0: 11.0, 1: 12.0, 2: 13.0}, {0: 10.0, 1: 10.0, 2: 10.0}, "b", "a")
    assert c.n == 3 and c.mean_difference == 2.0
    assert c.t == pytest.approx(2 * math.sqrt(3))
    assert c.p_ttest == pytest.approx(0.074180, abs=1e-5)
    half = 4.302653 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n)
    assert c.ci_low == pytest.approx(2 - half, abs=1e-5) and c.ci_high == pytest.approx(2 + half, abs=1e-5)
    assert c.p_wilcoxon == pytest.approx(0.25)  # exact: all 3 differences positive, 2 / 2**3


def test_pairing_uses_common_seeds_only():
    c = paired_comparison({0: 1.0, 1: 2.0, 2: 3.0}, {1: 1.0, 2: 1.5, 7: 9.0})
    assert c.n == 2 and c.mean_difference == pytest.approx(1.25)


def test_constant_and_zero_differences():
    same = paired_comparison({0: 1.0, 1: 2.0}, {0: 1.0, 1: 2.0})
    assert same.mean_difference == 0 and same.p_ttest is None and same.p_wilcoxon is None
    shifted = paired_comparison({0: 2.0, 1: 3.0}, {0: 1.0, 1: 2.0})
    assert shifted.p_ttest == 0.0 and shifted.ci_low == shifted.ci_high == 1.0
    single = paired_comparison({0: 2.0}, {0: 1.0})
    assert single.n == 1 and single.mean_difference == 1.0 and single.p_ttest is None


def test_holm():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, None, 0.01]) == [pytest.approx(0.5), None, pytest.approx(0.02)]
    assert holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([0.04, 0.03, 0.2]) == pytest.approx([0.09, 0.09, 0.2])  # monotone: 0.04*2 raised to 0.03*3


def test_compare_variants_best_and_verdicts():
    scores = {
        "a": {0: 0.50, 1: 0.60, 2: 0.70, 3: 0.55},
        "b": {0: 0.10, 1: 0.21, 2: 0.30, 3: 0.14},  # about 0.4 below a on every seed
        "c": {0: 0.60, 1: 0.50, 2: 0.62, 3: 0.58},  # as good as a within noise
        "d": {0: 0.40},  # one seed
    }
    result = compare_variants(scores, "bench")
    assert result.best == "a" and set(result.comparisons) == {"b", "c", "d"}
    assert result.spreads["a"].mean == pytest.approx(0.5875)
    b, c, d = (result.comparisons[k] for k in "bcd")
    assert b.mean_difference == pytest.approx(0.4) and b.p_holm < 0.05 and b.verdict.startswith("worse")
    assert c.p_holm > 0.05 and c.verdict == "not distinguishable from the best"
    assert d.n == 1 and d.p_ttest is None and d.verdict == "one seed: no test possible"
    # Holm over the two testable comparisons: b has the smaller p, so it is doubled
    assert b.p_ttest < c.p_ttest and b.p_holm == pytest.approx(min(1.0, 2 * b.p_ttest))
    assert compare_variants({"x": {}}).best is None
