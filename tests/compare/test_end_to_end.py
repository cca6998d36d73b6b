"""A small comparison end to end (tiny DyRCNNx2, digits, the synthetic benchmark, 2 seeds, 3
recurrence types): interrupted and resumed, the report's numbers equal the per-variant result files."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.compare import ComparePlan, load_record, read_csv, run_plan, score_options
from benchmarks.results import Result
from dynvision.cli import main
from tests.helpers import quiet
from tests.helpers.configs import X2_16PX as TINY
from tests.helpers.configs import X2_16PX_TRAIN as TINY_TRAIN
from tests.helpers.configs import sets as _sets

pytestmark = pytest.mark.slow



class Interrupted(Exception):
    """Stands for Ctrl-C or a killed job in the middle of a comparison."""


def test_compare_trains_scores_resumes_and_reports_the_result_files(tmp_path, small_synthetic_benchmark, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "DyRCNNx2", "--vary", "recurrence_type=self,full,local", "--benchmark", "synthetic",
            "--train", "--seeds", "2", "--layer", "IT=V2", "--out", str(out), "--no-progress", *_sets(TINY_TRAIN)]
    # the explicit work list, as a workflow engine gets it
    assert main(args + ["--plan", str(tmp_path / "plan.json")]) == 0
    plan = ComparePlan.load(tmp_path / "plan.json")
    assert [(i.label, i.seed) for i in plan.items] == [(r, s) for r in ("self", "full", "local") for s in (0, 1)]
    options = score_options(plan, progress=False)

    # interrupted after two items
    events = []

    def interrupt(event, item):
        events.append(event)
        if events.count("score") == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_plan(plan, on_event=interrupt, options=options, log=quiet)
    assert sorted(events) == ["score", "score", "train", "train"]

    # run again: only the missing four trainings and four scores are computed
    events.clear()
    summary = run_plan(plan, on_event=lambda event, item: events.append((event, item.id)), options=options,
                       log=quiet)
    done_before = {plan.items[0].id, plan.items[1].id}
    assert (summary.trained, summary.reused_training, summary.scored, summary.reused_scores) == (4, 2, 4, 2)
    assert {i for e, i in events if e in ("reuse-train", "reuse-score")} == done_before
    assert {i for e, i in events if e in ("train", "score")} == {i.id for i in plan.items} - done_before
    assert summary.complete and len(summary.done) == 6

    # the command: nothing left to compute, writes the report
    capsys.readouterr()
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "trained 0 (reused 6), scored 0 (reused 6)" in captured.err
    assert re.search(r"\*\s+(self|full|local)\s+\d\.\d{3} ± \d\.\d{3}\s+\(n=2\)", captured.out)

    # every number of the report comes from the result files
    rows = read_csv(out / "comparison.csv")

    def value(quantity, variant, seed="", start=""):
        found = [r for r in rows if r["quantity"] == quantity and r["variant"] == variant and r["seed"] == str(seed)
                 and r["time_bin_start"] == str(start)]
        assert len(found) == 1, (quantity, variant, seed, start)
        return float(found[0]["value"])

    by_variant = {}
    for item in plan.items:
        record = load_record(plan, item)
        result = Result.load(out / record["result"])
        training = (Path(item.run_dir) / "training.json")
        assert training.is_file() and result.trained and result.checkpoint == record["checkpoint"]
        assert result.model_identifier == record["model_identifier"] and result.benchmark == item.benchmark
        assert value("score", item.variant, item.seed) == result.score
        assert value("raw", item.variant, item.seed) == result.raw
        assert value("ceiling", item.variant, item.seed) == result.ceiling
        assert len(result.per_bin) == 3
        for bin_ in result.per_bin:
            assert value("score_per_bin", item.variant, item.seed, bin_["time_bin_start"]) == bin_["score"]
        by_variant.setdefault(item.variant, []).append((result.score, record))
    means = {}
    for variant, entries in by_variant.items():
        scores = [score for score, _ in entries]
        means[variant] = sum(scores) / 2
        assert value("score_mean", variant) == pytest.approx(means[variant], rel=1e-12)
        assert value("score_std", variant) == pytest.approx(abs(scores[0] - scores[1]) / 2 ** 0.5, rel=1e-9)
        assert value("n_params", variant) == entries[0][1]["n_params"] > 0
        accuracies = [record["accuracy"] for _, record in entries]
        assert value("test_acc_mean", variant) == pytest.approx(sum(accuracies) / 2)
    best = max(means, key=means.get)
    assert value("best", best) == 1 and sum(value("best", v) for v in means) == 1
    assert {r["variant"] for r in rows if r["quantity"] == "p_ttest"} <= set(means) - {best}

    # the page: self-contained, the best marked, the statistics next to the plot
    html = (out / "report.html").read_text()
    sources = re.findall(r'src="([^"]+)"', html)
    assert len(sources) == 3 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<link" not in html and "<script" not in html
    assert html.count('<tr class="best">') == 1 and "★ " + plan.labels()[best] in html
    assert "Is the difference real?" in html and "Wilcoxon" in html and "test accuracy" in html
    assert {p.name for p in (out / "plots").iterdir()} == {"scores.png", "temporal.png", "params.png"}


def test_untrained_comparison_item_by_item(tmp_path, small_synthetic_benchmark, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "DyRCNNx2", "--vary", "recurrence_type=self,full", "--benchmark", "synthetic",
            "--layer", "IT=V2", "--out", str(out), "--no-progress", *_sets(TINY)]
    assert main(args + ["--limit", "1"]) == 0
    captured = capsys.readouterr()
    assert "UNTRAINED" in captured.err and "scored 1 (reused 0)" in captured.err
    assert "1 item(s) left" in captured.err and "incomplete: 1 of 2 items" in captured.out
    assert "Incomplete:" in (out / "report.html").read_text()

    plan = ComparePlan.load(out / "plan.json")
    command = plan.to_dict()["items"][1]["command"]  # what a workflow engine would run for the second item
    assert command[:2] == ["dynvision", "compare"] and command[-3:] == ["--item", plan.items[1].id, "--no-report"]
    assert main(command[1:]) == 0
    assert "scored 1 (reused 0)" in capsys.readouterr().err
    assert main(args + ["--report-only"]) == 0
    html = (out / "report.html").read_text()
    assert "Incomplete:" not in html and "UNTRAINED variants" in html and ">untrained<" in html
    records = [load_record(plan, item) for item in plan.items]
    assert all(r is not None and r["trained"] is False and r["accuracy"] is None for r in records)
