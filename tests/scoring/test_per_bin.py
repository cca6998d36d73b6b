"""Per-bin values of a temporal score reach the result."""
import numpy as np
import pytest


def test_benchmark_own_per_bin_scores_are_kept_when_a_bin_is_undefined():
    from brainscore_core.metrics import Score

    from benchmarks.score_values import summarize_score

    coords = {"time_bin_start": ("time_bin", [0, 10, 20]), "time_bin_end": ("time_bin", [10, 20, 30])}
    raw = Score([np.nan, 0.3, 0.6], coords=coords, dims=["time_bin"])  # a silent first bin: r undefined
    ceiling = Score([0.9, 0.9, 0.9], coords=coords, dims=["time_bin"])
    per_bin = Score([0.0, 0.1, 0.4], coords=coords, dims=["time_bin"])
    score = Score(float(np.mean(per_bin.values)))
    score.attrs.update(raw=raw, ceiling=ceiling, per_bin=per_bin)

    summary = summarize_score(score)
    assert [b["score"] for b in summary["per_bin"]] == pytest.approx([0.0, 0.1, 0.4])
    assert [b["raw"] for b in summary["per_bin"]][0] is None
    assert [(b["time_bin_start"], b["time_bin_end"]) for b in summary["per_bin"]] == [(0, 10), (10, 20), (20, 30)]
