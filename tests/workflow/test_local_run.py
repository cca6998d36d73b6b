"""Real local runs of a tiny sweep: train -> (score) -> contrast -> aggregate -> report."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from .conftest import snakemake, tiny_sweep_config
from .test_dry_run import job_counts

pytestmark = pytest.mark.slow


def _run(tmp_path, config, *extra):
    result = snakemake(tmp_path, "--cores", "2", "--configfile", str(config), *extra)
    if result.returncode != 0:
        logs = "\n".join(f"--- {p}\n{p.read_text()[-3000:]}" for p in tmp_path.rglob("logs/*.log"))
        pytest.fail(f"snakemake failed:\n{result.stderr[-4000:]}\n{logs}")
    return result


def _check_outputs(tmp_path, n_variants: int):
    summary_dir = tmp_path / "results" / "summary" / "TinyNet"
    (experiment_dir,) = [p for p in summary_dir.iterdir() if p.name.startswith("contrast-")]
    summary = pd.read_csv(experiment_dir / "summary.csv")
    responses = pd.read_csv(experiment_dir / "responses.csv")
    assert summary["variant"].nunique() == n_variants
    assert set(summary["arg.recurrence_type"]) == {"none", "self"}
    assert sorted(summary["condition"].unique()) == [0.5, 1.0]
    assert set(responses.columns) >= {"variant", "seed", "condition", "time_ms", "layer", "response", "accuracy"}
    for metric in ("integrated_response", "peak_latency_ms", "final_accuracy"):
        assert (summary_dir / "plots" / f"{experiment_dir.name}_{metric}.png").stat().st_size > 0
    report = (summary_dir / "report.html").read_text()
    assert experiment_dir.name in report and "recurrence_type=self" in report
    # every run also keeps its own tables and standard plots
    runs = sorted((tmp_path / "results" / "runs").glob("*/seed*"))
    assert len(runs) == n_variants
    for run in runs:
        assert (run / "training.json").is_file()  # the completion record of a finished training
        assert (run / "experiments" / experiment_dir.name / "responses.nc").is_file()
        assert (run / "experiments" / experiment_dir.name / "plots" / "timecourses.png").is_file()
    return summary_dir


def test_tiny_sweep_with_the_synthetic_benchmark(tmp_path):
    config = tiny_sweep_config(tmp_path, benchmarks=["synthetic"])
    _run(tmp_path, config)
    summary_dir = _check_outputs(tmp_path, n_variants=2)
    scores = pd.read_csv(summary_dir / "scores.csv")
    assert set(scores["benchmark"]) == {"synthetic"} and scores["variant"].nunique() == 2
    assert pd.to_numeric(scores["score"], errors="coerce").notna().all()
    assert (summary_dir / "plots" / "scores.png").is_file()
    assert re.search(r"Benchmark scores", (summary_dir / "report.html").read_text())
    # the comparison report of the same plan, as `dynvision compare` writes it
    assert "Is the difference real?" in (tmp_path / "results" / "report.html").read_text()
    assert (tmp_path / "results" / "comparison.csv").is_file()

    # a rerun has nothing to do
    again = snakemake(tmp_path, "-n", "--configfile", str(config))
    assert "Nothing to be done" in again.stdout + again.stderr
    # a changed experiment and a new seed: the experiments rerun and only the new run trains
    changed = tiny_sweep_config(tmp_path, benchmarks=["synthetic"], seeds=[0, 1], experiment_args={
        "contrast": {"contrasts": [0.25, 1.0], "duration_ms": 10, "total_ms": 40}})
    plan = snakemake(tmp_path, "-n", "--configfile", str(changed))
    counts = job_counts(plan.stdout + plan.stderr)
    assert counts["train"] == 2 and counts["score"] == 2 and counts["experiment"] == 4, counts
