"""`dynvision quickstart`: the trained-vs-untrained summary (known answers on stored results) and,
end to end in a fresh interpreter as a user runs it, a short output with no third-party warning."""
from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest

from benchmarks.report import render_report
from benchmarks.results import Result, load_results
from benchmarks.summary import compare_with_untrained, summary_sentences
from tests.helpers.configs import X4_16PX as TINY

from .conftest import REPO


def _pair(benchmark, trained, untrained, error, ceiling=0.8):
    common = dict(model="DyRCNNx4", benchmark=benchmark, raw=None, ceiling=ceiling, error=error,
                  config_hash="cfg1", layers=["IT"])
    return [Result(model_identifier="DyRCNNx4-ccfg1-wtrained", score=trained, trained=True, **common),
            Result(model_identifier="DyRCNNx4-ccfg1-wrandom", score=untrained, trained=False, **common)]


def test_summary_says_which_model_is_better_by_more_than_the_error():
    results = (_pair("A.IT-pls", 0.50, 0.10, 0.02) + _pair("B.V4-pls", 0.30, 0.28, 0.02)
               + _pair("C.V4-pls-raw", 0.05, 0.20, 0.03, ceiling=1.0))
    pairs = compare_with_untrained(results)
    assert [p.benchmark for p in pairs] == ["A.IT-pls", "B.V4-pls", "C.V4-pls-raw"]
    assert math.isclose(pairs[0].error, math.sqrt(2) * 0.02)  # combined standard errors
    assert [p.winner for p in pairs] == ["trained", None, "untrained"]
    a, b, c = summary_sentences(results)
    assert a.startswith("A.IT-pls: trained 0.500 ± 0.020 vs untrained 0.100 ± 0.020")
    assert "fraction of the explainable variance" in a and "ceiling of 0.80" in a
    assert "The trained model is better by 0.400, more than the combined error (± 0.028)" in a
    assert "The difference (+0.020) is within the error (± 0.028): neither model is better" in b
    assert "un-normalised r²" in c and "The untrained model is better by 0.150" in c


def test_table_and_summary_show_the_same_error_bar_of_the_score():
    """Brain-Score's error is of the raw r; the score r²/ceiling gets 2·r·SE/ceiling, in the
    table as in the sentence (r 0.5, SE 0.02, ceiling 0.8: 0.025)."""
    from benchmarks.results import format_table

    trained, untrained = _pair("A.IT-pls", 0.5 ** 2 / 0.8, 0.1 ** 2 / 0.8, 0.02)
    trained.raw, untrained.raw = 0.5, 0.1
    assert math.isclose(trained.score_error, 0.025) and math.isclose(untrained.score_error, 0.005)
    rows = format_table([trained, untrained]).splitlines()[2:]
    assert [row.split()[5] for row in rows] == ["0.025", "0.005"]  # weights benchmark raw ceiling score error
    assert summary_sentences([trained, untrained])[0].startswith("A.IT-pls: trained 0.312 ± 0.025 vs untrained 0.013 ± 0.005")


def test_results_without_an_untrained_twin_get_no_sentence():
    trained, untrained = _pair("A.IT-pls", 0.5, 0.1, 0.02)
    untrained.config_hash = "other"  # another config: not the same model untrained
    assert summary_sentences([trained, untrained]) == []


def test_the_report_opens_with_the_summary():
    html = render_report(_pair("A.IT-pls", 0.50, 0.10, 0.02))
    assert html.index('id="summary"') < html.index('id="scores"')
    assert "The trained model is better by 0.400" in html


@pytest.mark.slow
def test_quickstart_prints_a_short_summary_and_no_third_party_warning(tmp_path):
    out = tmp_path / "quickstart"
    argv = [sys.executable, "-m", "dynvision", "quickstart", "--out", str(out)]
    tiny = [o.replace("channels=[4,4,4,4]", "channels=[8,8,8,8]") for o in TINY]  # >= 25 PLS components
    for override in tiny + ["trainer.max_epochs=1", "trainer.limit_train_batches=2", "trainer.limit_val_batches=1",
                            "trainer.limit_test_batches=1", "data.batch_size=32"]:
        argv += ["--set", override]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    env.pop("TQDM_DISABLE", None)  # the quickstart itself must keep third-party bars off
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = (done.stdout + done.stderr).split("\n")  # a progress bar redraws one line with \r
    assert len(lines) <= 80, "\n".join(lines)
    noisy = [line for line in lines if ("Warning" in line or "warn(" in line or "Tip:" in line
                                        or "cross-validation:" in line) and "hidden" not in line]
    assert noisy == []
    assert "DynVision.synthetic-temporal-pls: trained" in done.stdout and "vs untrained" in done.stdout
    sentence = next(line for line in done.stdout.split("\n") if "DynVision.synthetic-temporal-pls: trained" in line)
    assert " ± " in sentence and ("is better by" in sentence or "within the error" in sentence)
    assert "dynvision score" in done.stdout and "--benchmark majajhong" in done.stdout
    results = load_results(out / "results")
    assert sorted(r.trained for r in results) == [False, True]
    assert len({r.config_hash for r in results}) == 1  # the same config, trained and untrained
    assert 'id="summary"' in (out / "report.html").read_text()


def test_own_warnings_are_shown_and_third_party_ones_counted(capsys):
    import warnings

    from benchmarks.commands import quickstart

    hidden = []
    with quickstart._third_party_hidden(hidden):
        warnings.warn("from a test file (outside the packages)", FutureWarning)
        quickstart.warnings.warn_explicit("ours", UserWarning, quickstart.__file__, 1)
    assert [quickstart._is_ours(w) for w in hidden] == [False, True]
    assert quickstart._hidden_line([w for w in hidden if not quickstart._is_ours(w)]).startswith(
        "(1 warnings from third-party libraries hidden: FutureWarning;")
